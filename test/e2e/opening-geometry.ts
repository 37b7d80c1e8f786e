/**
 * What a person sees when a journey opens in the designer, measured in the browser: every step's
 * box on screen against the canvas and the minimap, and the size step names are drawn at. Shared
 * by the first-hour suite (first-hour.test.ts) and the screenshot script (scripts/screenshots.ts).
 */
import type { Page } from 'playwright-core';

export interface OpeningGeometry {
  zoom: number;
  /** Steps whole in view. */
  visible: string[];
  /** Steps cut by an edge of the canvas. */
  clipped: string[];
  /** Steps (partly) under the minimap. */
  underMinimap: string[];
  /** The smallest on-screen font size of a visible step's name, in CSS pixels. */
  smallestName: number;
  steps: number;
}

export async function openingGeometry(page: Page): Promise<OpeningGeometry> {
  return page.evaluate(() => {
    const canvas = document.querySelector('.je-canvas .react-flow')!.getBoundingClientRect();
    const minimap = document.querySelector('.je-canvas .react-flow__minimap')?.getBoundingClientRect();
    const transform = getComputedStyle(document.querySelector('.react-flow__viewport')!).transform;
    const zoom = new DOMMatrixReadOnly(transform).a;
    const visible: string[] = [];
    const clipped: string[] = [];
    const underMinimap: string[] = [];
    let smallestName = Infinity;
    const nodes = [...document.querySelectorAll<HTMLElement>('.react-flow__node')];
    for (const node of nodes) {
      const id = node.dataset.id!;
      const r = node.querySelector('.sn')!.getBoundingClientRect();
      const overlaps = r.right > canvas.left && r.left < canvas.right && r.bottom > canvas.top && r.top < canvas.bottom;
      const inside = r.left >= canvas.left - 0.5 && r.right <= canvas.right + 0.5 && r.top >= canvas.top - 0.5 && r.bottom <= canvas.bottom + 0.5;
      if (inside) visible.push(id);
      else if (overlaps) clipped.push(id);
      if (minimap && r.right > minimap.left && r.left < minimap.right && r.bottom > minimap.top && r.top < minimap.bottom) underMinimap.push(id);
      if (inside) {
        const name = node.querySelector<HTMLElement>('.sn-name')!;
        smallestName = Math.min(smallestName, parseFloat(getComputedStyle(name).fontSize) * zoom);
      }
    }
    return { zoom, visible, clipped, underMinimap, smallestName, steps: nodes.length };
  });
}
