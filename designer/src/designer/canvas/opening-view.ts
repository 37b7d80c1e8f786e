/**
 * The view a journey opens on. Fitting everything in view at any zoom makes a long journey
 * unreadable (names at 4px), and a fixed zoom on its start cuts nodes in half at the canvas edge.
 * This picks, among readable zooms (READABLE_ZOOM to 1), a viewport where the start step shows,
 * no node is cut by an edge of the canvas or lies under the minimap, and as many steps as possible
 * are whole in view (all of them when the journey fits), the largest such zoom winning ties.
 * Pure: boxes in flow coordinates, the canvas and the minimap in screen pixels.
 */
export interface Box {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** A step name (13px) drawn at this zoom is 8.5px tall: the smallest size still read comfortably. */
export const READABLE_ZOOM = 0.65;
/** Space kept between the canvas edge and the nearest whole node, in screen pixels. */
const MARGIN = 28;
/** Past this many steps the exhaustive search is too slow for a first frame (about 12 ms at 40 steps): the start region is used. */
const SEARCH_LIMIT = 40;

export function openingView(boxes: Box[], start: string, canvas: { width: number; height: number }, minimap?: { x: number; y: number; width: number; height: number }): Viewport {
  const first = boxes.find((b) => b.id === start) ?? boxes[0];
  if (!first) return { x: canvas.width / 2, y: canvas.height / 2, zoom: 1 };
  let best = null as { viewport: Viewport; whole: number } | null;
  const candidates = boxes.length > SEARCH_LIMIT ? [first] : boxes;
  for (let zoom = 1; zoom >= READABLE_ZOOM - 1e-9; zoom -= 0.05) {
    const w = canvas.width / zoom;
    const h = canvas.height / zoom;
    const m = MARGIN / zoom;
    const span = (lo: (b: Box) => number, size: (b: Box) => number, extent: number) => {
      const all = boxes.map(lo);
      const min = Math.min(...all);
      const max = Math.max(...boxes.map((b) => lo(b) + size(b)));
      // Centred when everything fits, else a node's near side (or far side) at the margin.
      const options = max - min + 2 * m <= extent ? [(min + max) / 2 - extent / 2] : [];
      for (const b of candidates) options.push(lo(b) - m, lo(b) + size(b) + m - extent);
      return options;
    };
    const lefts = span((b) => b.x, (b) => b.width, w);
    const tops = span((b) => b.y, (b) => b.height, h);
    for (const left of lefts) {
      // Horizontally cut nodes rule a left edge out whatever the top.
      if (boxes.some((b) => cut(b.x, b.width, left, w))) continue;
      if (!inside(first.x, first.width, left, w)) continue;
      for (const top of tops) {
        if (!inside(first.y, first.height, top, h)) continue;
        if (boxes.some((b) => cut(b.y, b.height, top, h) && overlaps(b.x, b.width, left, w))) continue;
        const viewport = { x: -left * zoom, y: -top * zoom, zoom: Math.round(zoom * 1000) / 1000 };
        if (minimap && boxes.some((b) => underMinimap(b, viewport, minimap))) continue;
        const whole = boxes.filter((b) => inside(b.x, b.width, left, w) && inside(b.y, b.height, top, h)).length;
        if (!best || whole > best.whole) best = { viewport, whole };
      }
    }
    if (best?.whole === boxes.length) break;
  }
  if (best) return best.viewport;
  // Nothing satisfies every rule (a crowded canvas): the start step at the left, at a readable zoom.
  const zoom = 0.8;
  return { x: MARGIN - first.x * zoom, y: canvas.height / 2 - (first.y + first.height / 2) * zoom, zoom };
}

const inside = (at: number, size: number, from: number, extent: number) => at >= from - 1e-6 && at + size <= from + extent + 1e-6;
const overlaps = (at: number, size: number, from: number, extent: number) => at < from + extent && at + size > from;
/** Partly in, partly out of [from, from + extent]. */
const cut = (at: number, size: number, from: number, extent: number) => overlaps(at, size, from, extent) && !inside(at, size, from, extent);

function underMinimap(b: Box, v: Viewport, r: { x: number; y: number; width: number; height: number }): boolean {
  const x = b.x * v.zoom + v.x;
  const y = b.y * v.zoom + v.y;
  return x < r.x + r.width && x + b.width * v.zoom > r.x && y < r.y + r.height && y + b.height * v.zoom > r.y;
}
