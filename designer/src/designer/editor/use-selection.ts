/** Which steps and connections are selected on the canvas; the inspector shows the selection. */
import { useCallback, useRef, useState, type RefObject } from 'react';
import type { CanvasHandle, SelectionChange } from '../canvas/Canvas.js';

export interface Selection {
  nodes: Set<string>;
  edges: Set<string>;
}

export interface SelectionState {
  selection: Selection;
  /** The selection as of now, for commands run from the keyboard handler. */
  selectionRef: RefObject<Selection>;
  /** The canvas' own selection changes (clicks, box selection), relative to the previous one. */
  select: (change: SelectionChange) => void;
  /** Exactly these steps (and no connection). */
  selectSteps: (ids: Iterable<string>) => void;
  /** One step, or nothing; `focus` scrolls the canvas to it (a step picked from a list). */
  selectStep: (id: string | null, focus?: boolean) => void;
  clearSelection: () => void;
}

export function useSelection(canvas: RefObject<CanvasHandle | null>): SelectionState {
  const [selection, setSelection] = useState<Selection>(() => ({ nodes: new Set(), edges: new Set() }));
  const selectionRef = useRef(selection);
  selectionRef.current = selection;

  const select = useCallback((change: SelectionChange) => {
    setSelection((previous) => {
      const nodes = change.nodes ? change.nodes(previous.nodes) : previous.nodes;
      const edges = change.edges ? change.edges(previous.edges) : previous.edges;
      return nodes === previous.nodes && edges === previous.edges ? previous : { nodes, edges };
    });
  }, []);
  const selectSteps = useCallback((ids: Iterable<string>) => setSelection({ nodes: new Set(ids), edges: new Set() }), []);
  const clearSelection = useCallback(() => setSelection({ nodes: new Set(), edges: new Set() }), []);
  const selectStep = useCallback(
    (id: string | null, focus = false) => {
      setSelection({ nodes: id ? new Set([id]) : new Set(), edges: new Set() });
      if (id && focus) requestAnimationFrame(() => canvas.current?.focusStep(id));
    },
    [canvas],
  );

  return { selection, selectionRef, select, selectSteps, selectStep, clearSelection };
}
