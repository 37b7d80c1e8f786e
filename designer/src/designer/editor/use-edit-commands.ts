/**
 * The commands that change the steps of the journey: add one from the palette, delete, copy,
 * paste and duplicate the selection. They read the document and the selection through refs, so
 * the keyboard handler and the panels can hold on to them across renders.
 */
import { useCallback, useRef, type RefObject } from 'react';
import type { StepCatalogueEntry as CatalogueEntry } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc, Position } from '../../../../engine/http/contract/journey-document.js';
import { useFeedback } from '../../ui/feedback.js';
import { parseEdgeId, type CanvasHandle } from '../canvas/Canvas.js';
import { addStep, copySteps, deleteSteps, disconnect, pasteSteps, type Clipboard } from '../model/journey-ops.js';
import type { ApplyEdit } from './use-journey-document.js';
import type { SelectionState } from './use-selection.js';

// The designer's own clipboard, shared by every journey opened in this tab: copy in one journey,
// paste in another.
let clipboard: Clipboard | null = null;

const PASTE_OFFSET = 48;

export interface EditCommands {
  /** Adds a step of `type` at `position`, or near the middle of the view, and selects it. */
  addFromPalette: (type: string, position?: Position) => void;
  deleteSelection: () => void;
  copy: () => void;
  paste: () => void;
  duplicateSelection: () => void;
}

export function useEditCommands(options: {
  readOnly: boolean;
  catalogue: Map<string, CatalogueEntry>;
  docRef: RefObject<JourneyDoc>;
  apply: ApplyEdit;
  selection: SelectionState;
  canvas: RefObject<CanvasHandle | null>;
}): EditCommands {
  const { readOnly, catalogue, docRef, apply, canvas } = options;
  const { selectionRef, selectSteps, clearSelection } = options.selection;
  const feedback = useFeedback();

  const addFromPalette = useCallback(
    (type: string, position?: Position) => {
      if (readOnly) return;
      const entry = catalogue.get(type);
      if (!entry) return;
      let at = position;
      if (!at) {
        // Near the middle of the view, shifted a little per step so that steps added one after
        // the other do not land exactly on top of each other.
        const c = canvas.current?.center() ?? { x: 0, y: 0 };
        const jitter = (Object.keys(docRef.current.steps).length % 5) * 24;
        at = { x: c.x - 110 + jitter, y: c.y - 40 + jitter };
      }
      const { id } = addStep(docRef.current, entry, at);
      apply((d) => addStep(d, entry, at!).doc);
      selectSteps([id]);
    },
    [readOnly, catalogue, docRef, canvas, apply, selectSteps],
  );

  const deleteSelection = useCallback(() => {
    if (readOnly) return;
    const { nodes, edges } = selectionRef.current;
    // Connections from deleted steps go with them; the others selected are cut.
    apply((d) => deleteSteps(disconnect(d, [...edges].map(parseEdgeId).filter((w) => !nodes.has(w.source))), nodes));
    clearSelection();
  }, [readOnly, selectionRef, apply, clearSelection]);

  const copy = useCallback(() => {
    const clip = copySteps(docRef.current, selectionRef.current.nodes);
    if (clip) {
      clipboard = clip;
      const count = Object.keys(clip.steps).length;
      feedback.toast(`Copied ${count} step${count === 1 ? '' : 's'}`);
    }
  }, [docRef, selectionRef, feedback]);

  // Each paste lands a little further away than the one before, so the copies do not stack.
  const pasteCount = useRef(0);
  const paste = useCallback(() => {
    if (readOnly || !clipboard) return;
    pasteCount.current += 1;
    const offset = { x: PASTE_OFFSET * pasteCount.current, y: PASTE_OFFSET * pasteCount.current };
    const clip = clipboard;
    const { ids } = pasteSteps(docRef.current, clip, offset);
    apply((d) => pasteSteps(d, clip, offset).doc);
    selectSteps(ids);
  }, [readOnly, docRef, apply, selectSteps]);

  const duplicateSelection = useCallback(() => {
    const clip = copySteps(docRef.current, selectionRef.current.nodes);
    if (!clip || readOnly) return;
    const offset = { x: PASTE_OFFSET, y: PASTE_OFFSET };
    const { ids } = pasteSteps(docRef.current, clip, offset);
    apply((d) => pasteSteps(d, clip, offset).doc);
    selectSteps(ids);
  }, [readOnly, docRef, selectionRef, apply, selectSteps]);

  return { addFromPalette, deleteSelection, copy, paste, duplicateSelection };
}
