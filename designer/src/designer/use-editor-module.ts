/**
 * The editor's code, for the shell. Not React.lazy: a lazy component suspends on its first render
 * even when its chunk has long arrived (preloaded with the page), and React then holds the
 * Suspense boundary's content back for its fallback throttle, some 300 ms on every journey opened.
 * Here the module is used as soon as it is there, and a chunk that fails to load is reported.
 */
import { useEffect, useState } from 'react';
import { loadedEditor, loadEditor } from './prefetch.js';

export function useEditorModule(wanted: boolean): { module: ReturnType<typeof loadedEditor>; error: Error | null } {
  const [module, setModule] = useState(loadedEditor);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    if (!wanted || module) return;
    let cancelled = false;
    setError(null);
    loadEditor().then(
      (m) => !cancelled && setModule(m),
      (e: Error) => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [wanted, module]);
  return { module, error };
}
