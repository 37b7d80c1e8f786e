/**
 * Leaving with unsaved changes: the browser's own prompt (closing the tab, reloading), and the
 * app's navigation guard (links and the back button within the designer), both asking `dirtyRef`
 * at the moment of leaving rather than re-registering on every edit.
 */
import { useEffect, type RefObject } from 'react';

export function useUnsavedChangesGuard(dirtyRef: RefObject<boolean>, setLeaveGuard: (guard: (() => boolean) | null) => void): void {
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!dirtyRef.current) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    setLeaveGuard(() => dirtyRef.current);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      setLeaveGuard(null);
    };
  }, [dirtyRef, setLeaveGuard]);
}
