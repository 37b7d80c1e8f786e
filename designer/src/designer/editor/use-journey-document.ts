/**
 * The journey document being edited: the one source of truth, kept in an undo/redo history. The
 * canvas and the panels derive everything from it and change it only through `apply` (one undo
 * step, or one per coalesced `group`), `transient` (a drag in progress) and `checkpoint`.
 */
import { useCallback, useReducer, useRef, useState, type RefObject } from 'react';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';
import { canRedo, canUndo, historyReducer, initialHistory } from '../model/history.js';

export type ApplyEdit = (update: (doc: JourneyDoc) => JourneyDoc, group?: string) => void;

export interface JourneyDocument {
  doc: JourneyDoc;
  /**
   * The document as of now, for commands and event handlers that must not go stale between
   * renders (the keyboard handler, a save awaiting a confirmation).
   */
  docRef: RefObject<JourneyDoc>;
  /** Changed since it was loaded or last saved (never for a read-only version). */
  dirty: boolean;
  /** `dirty` as of now, for the leave guard and the commands. */
  dirtyRef: RefObject<boolean>;
  markSaved: (doc: JourneyDoc) => void;
  apply: ApplyEdit;
  transient: (update: (doc: JourneyDoc) => JourneyDoc) => void;
  checkpoint: () => void;
  undo: () => void;
  redo: () => void;
  canUndo: boolean;
  canRedo: boolean;
}

export function useJourneyDocument(initial: JourneyDoc, readOnly: boolean): JourneyDocument {
  const [history, dispatch] = useReducer(historyReducer, initial, initialHistory);
  const doc = history.present;
  const [saved, setSaved] = useState<JourneyDoc>(initial);
  const docRef = useRef(doc);
  docRef.current = doc;
  const dirty = !readOnly && doc !== saved;
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;

  const apply = useCallback<ApplyEdit>((update, group) => dispatch({ type: 'apply', update, group }), []);
  const transient = useCallback((update: (d: JourneyDoc) => JourneyDoc) => dispatch({ type: 'transient', update }), []);
  const checkpoint = useCallback(() => dispatch({ type: 'checkpoint' }), []);
  const undo = useCallback(() => dispatch({ type: 'undo' }), []);
  const redo = useCallback(() => dispatch({ type: 'redo' }), []);

  return { doc, docRef, dirty, dirtyRef, markSaved: setSaved, apply, transient, checkpoint, undo, redo, canUndo: canUndo(history), canRedo: canRedo(history) };
}
