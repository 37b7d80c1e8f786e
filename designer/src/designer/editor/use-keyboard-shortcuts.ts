/**
 * The editor's keyboard shortcuts: Ctrl/Cmd+S saves even from a text field; the others (undo,
 * redo, copy, paste, duplicate, select all, Escape) act on the canvas and so are left to the
 * field while one has the focus. With a dialog open, the dialog has the keyboard.
 */
import { useEffect } from 'react';

export interface ShortcutCommands {
  save: () => void;
  undo: () => void;
  redo: () => void;
  copy: () => void;
  paste: () => void;
  duplicate: () => void;
  selectAll: () => void;
  clearSelection: () => void;
}

function isTextEditing(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  return !!element && (element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName));
}

export function useKeyboardShortcuts(commands: ShortcutCommands): void {
  const { save, undo, redo, copy, paste, duplicate, selectAll, clearSelection } = commands;
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const editing = isTextEditing(e.target);
      if (document.querySelector('.dlg-backdrop')) return;
      const key = e.key.toLowerCase();
      if (mod && key === 's') {
        e.preventDefault(); // not the browser's "save page"
        save();
        return;
      }
      if (editing) return;
      if (mod && key === 'z' && !e.shiftKey) {
        e.preventDefault();
        undo();
      } else if (mod && ((key === 'z' && e.shiftKey) || key === 'y')) {
        e.preventDefault();
        redo();
      } else if (mod && key === 'c') {
        copy();
      } else if (mod && key === 'v') {
        e.preventDefault();
        paste();
      } else if (mod && key === 'd') {
        e.preventDefault();
        duplicate();
      } else if (mod && key === 'a') {
        e.preventDefault();
        selectAll();
      } else if (key === 'escape') {
        clearSelection();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [save, undo, redo, copy, paste, duplicate, selectAll, clearSelection]);
}
