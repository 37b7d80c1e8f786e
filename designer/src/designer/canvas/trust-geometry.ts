/**
 * React Flow observes every node it mounts with a ResizeObserver, and the observer's first
 * notification (which every observed element gets) is a forced re-measurement: each node's size
 * and each handle's box are read back from the DOM and stored as new internal nodes, so every
 * node and edge renders a second time. Our nodes arrive with their size and handle boxes already
 * known (nodeGeometry): when that first notification finds the element exactly the size we gave,
 * it is dropped. Later notifications (a real resize) and explicit updateNodeInternals calls go
 * through unchanged, as does a first one that finds another size (other fonts, a zoomed page).
 *
 * Fitting a 500-step journey in view mounts 500 nodes at once: this saves one full render of all
 * nodes and edges (some 150-250 ms on a 2-core machine).
 */
import { useStoreApi, type Edge, type ReactFlowState } from '@xyflow/react';
import { useState } from 'react';
import type { StepNodeType } from './StepNode.js';

type UpdateNodeInternals = ReactFlowState<StepNodeType, Edge>['updateNodeInternals'];
type Store = ReturnType<typeof useStoreApi<StepNodeType, Edge>>;

const installed = new WeakSet<Store>();

/**
 * Call in a component inside the ReactFlowProvider that renders <ReactFlow>: React Flow's observer
 * takes the store's updateNodeInternals once, when <ReactFlow> first renders, so the filter has to
 * be in place by then (hence during this component's first render, not in an effect). Installed
 * once per store, for the store's lifetime.
 */
export function useTrustedGeometry(): void {
  const store = useStoreApi<StepNodeType, Edge>();
  useState(() => {
    if (installed.has(store)) return;
    installed.add(store);
    const original = store.getState().updateNodeInternals;
    const seen = new WeakSet<HTMLElement>();
    const filtered: UpdateNodeInternals = (updates, params) => {
      let kept = updates;
      for (const [id, update] of updates) {
        const element = update.nodeElement;
        // A minimal node (far zoom, StepNode.tsx) draws no handles, and its size is the one the
        // node object carries: measuring it would replace the handle boxes with none (its edges
        // would vanish). The full node that replaces it measures itself if its handles changed.
        if (element.querySelector(':scope > .sn-min')) {
          if (kept === updates) kept = new Map(updates);
          kept.delete(id);
          continue;
        }
        if (seen.has(element)) continue;
        seen.add(element);
        const node = store.getState().nodeLookup.get(id);
        const known = node && !node.hidden && node.internals.handleBounds && node.measured.width === element.offsetWidth && node.measured.height === element.offsetHeight;
        if (!known) continue;
        if (kept === updates) kept = new Map(updates);
        kept.delete(id);
      }
      if (kept.size > 0) original(kept, params);
    };
    // Not a state change anyone renders from: nothing subscribed needs notifying yet.
    store.setState({ updateNodeInternals: filtered });
  });
}
