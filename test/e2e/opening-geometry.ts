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

/** Edges whose drawn path runs through a step other than its own ends: `source→branch crosses step`. */
export async function edgesAcrossSteps(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const cards = [...document.querySelectorAll<HTMLElement>('.react-flow__node')].map((n) => ({ id: n.dataset.id!, r: n.querySelector('.sn')!.getBoundingClientRect() }));
    const found: string[] = [];
    for (const edge of document.querySelectorAll<SVGGElement>('.react-flow__edge')) {
      const path = edge.querySelector<SVGPathElement>('.react-flow__edge-path');
      const id = edge.getAttribute('data-id') ?? '';
      const ends = /^Edge from (.+) to (.+)$/.exec(edge.getAttribute('aria-label') ?? '');
      if (!path || !ends) continue;
      const [, source, target] = ends;
      const matrix = path.getScreenCTM()!;
      const length = path.getTotalLength();
      const crossed = new Set<string>();
      for (let at = 0; at <= length; at += 4) {
        const p = new DOMPoint(path.getPointAtLength(at).x, path.getPointAtLength(at).y).matrixTransform(matrix);
        for (const card of cards) {
          if (card.id === source || card.id === target) continue;
          // A few pixels in from the border: an edge grazing a card's edge is not across it.
          if (p.x > card.r.left + 3 && p.x < card.r.right - 3 && p.y > card.r.top + 3 && p.y < card.r.bottom - 3) crossed.add(card.id);
        }
      }
      for (const c of crossed) found.push(`${id} → ${target} crosses ${c}`);
    }
    return found;
  });
}
