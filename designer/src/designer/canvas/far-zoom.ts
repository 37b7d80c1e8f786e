/**
 * Zoomed far out (a large journey fitted in view), details smaller than a device pixel or so cost
 * as much to draw as at full size and show as nothing: the canvas then carries a `je-far` class and
 * the stylesheet draws them the cheap way (designer.css, "far zoom"). The class is set straight on
 * the element from React Flow's store, without a React render, and in the same store update that
 * changes the zoom, so the frame that first shows the far view is already drawn the cheap way.
 */
import { useStore, useStoreApi, type ReactFlowState } from '@xyflow/react';
import { useEffect, type RefObject } from 'react';
import { READABLE_ZOOM } from './opening-view.js';

/**
 * Below this scale (zoom times device pixels per CSS pixel) a 5-unit edge dash is under 1.3 device
 * pixels long: dashes no longer show as dashes. On a 2x screen that is half the zoom of a 1x one.
 */
export const FAR_ZOOM = 0.25;

/**
 * Semantic zoom: below the zoom at which step names are comfortably read (READABLE_ZOOM) the canvas
 * carries `je-overview`, and below OVERVIEW_FAR `je-overview-far`: the stylesheet then hides the
 * details (type, branch names, figures) and draws the name larger, filling the card, so titles
 * stay readable on screen while the journey's shape shows (StepNode.css, "semantic zoom").
 */
export const OVERVIEW_FAR = 0.4;

/**
 * Below this zoom a step is drawn as its card and name only (StepNode.tsx, "minimal"), and edges
 * without their wide invisible hit paths or labels (edges.tsx): a whole 500-step journey in view
 * is then about a quarter of the DOM elements. What shows at this zoom is the same: semantic zoom
 * already hides everything but the card and the name below OVERVIEW_FAR.
 */
export const MINIMAL_ZOOM = 0.25;

const minimalSelector = (state: ReactFlowState) => state.transform[2] < MINIMAL_ZOOM;

/**
 * Whether the canvas is zoomed out past MINIMAL_ZOOM. A boolean selector: components using it
 * re-render when the zoom crosses the threshold, not on every zoom or pan frame.
 */
export function useMinimalZoom(): boolean {
  return useStore(minimalSelector);
}

export function useFarZoomClass(element: RefObject<HTMLElement | null>): void {
  const store = useStoreApi();
  useEffect(() => {
    let far: boolean | null = null;
    let overview: 0 | 1 | 2 | null = null;
    const apply = (zoom: number) => {
      const level = zoom < OVERVIEW_FAR ? 2 : zoom < READABLE_ZOOM ? 1 : 0;
      if (level !== overview && element.current) {
        overview = level;
        element.current.classList.toggle('je-overview', level > 0);
        element.current.classList.toggle('je-overview-far', level === 2);
      }
      const next = zoom * (window.devicePixelRatio || 1) < FAR_ZOOM;
      if (next === far || !element.current) return;
      far = next;
      element.current.classList.toggle('je-far', far);
    };
    apply(store.getState().transform[2]);
    return store.subscribe((state) => apply(state.transform[2]));
  }, [store, element]);
}
