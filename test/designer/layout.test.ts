/**
 * The designer's auto-layout (canvas/layout-journey.ts, elkjs) and opening view
 * (canvas/opening-view.ts): the samples are stored as auto-layout places them, steps never
 * overlap (unconnected ones included), the start comes first, and the opening view is readable,
 * cuts no step and keeps the minimap clear.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StepCatalogueEntry } from '../../engine/http/contract/types.js';
import { builtInSteps } from '../../steps/index.js';
import { layoutJourney } from '../../designer/src/designer/canvas/layout-journey.js';
import { nodeHeight, NODE_GEOMETRY } from '../../designer/src/designer/canvas/node-size.js';
import { openingView, READABLE_ZOOM, type Box } from '../../designer/src/designer/canvas/opening-view.js';
import { branchHandles } from '../../designer/src/designer/model/journey-ops.js';

const catalogue = new Map(builtInSteps.map((s) => [s.type, s as unknown as StepCatalogueEntry]));
const dir = join(import.meta.dirname, '../../journeys');
const samples = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.test.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));

function boxes(doc: any, layout: Record<string, { x: number; y: number }>): Box[] {
  return Object.entries(doc.steps).map(([id, step]: [string, any]) => ({
    id,
    ...layout[id],
    width: NODE_GEOMETRY.width,
    height: nodeHeight(branchHandles(step, catalogue.get(step.type)).length, step.name || id),
  }));
}

const overlapping = (list: Box[]) =>
  list.flatMap((a, i) => list.slice(i + 1).filter((b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height).map((b) => `${a.id}/${b.id}`));

describe('auto-layout', () => {
  it('stores every sample as auto-layout places it: no overlaps, the start in the first column', async () => {
    for (const doc of samples) {
      const layout = await layoutJourney(doc, catalogue);
      expect(doc.layout, `${doc.id}: run npx tsx scripts/layout-samples.ts`).toEqual(layout);
      const placed = boxes(doc, layout);
      expect(overlapping(placed), doc.id).toEqual([]);
      expect(layout[doc.start].x, doc.id).toBe(Math.min(...placed.map((b) => b.x)));
    }
  });

  it('places unconnected steps apart, and a failure target below the main line', async () => {
    const doc = {
      start: 'ask',
      steps: {
        ask: { type: 'form', config: { outputVariable: 'a', options: [{ id: 'next' }] }, branches: { next: 'done', failure: 'failed' } },
        done: { type: 'complete' },
        failed: { type: 'reject', config: { code: 'x' } },
        loose1: { type: 'display', config: {} },
        loose2: { type: 'display', config: {} },
        loose3: { type: 'complete' },
      },
    };
    const layout = await layoutJourney(doc as never, catalogue);
    expect(overlapping(boxes(doc, layout))).toEqual([]);
    expect(layout.failed.y).toBeGreaterThan(layout.done.y);
  });
});

describe('opening view', () => {
  const canvas = { width: 900, height: 700 };
  const minimap = { x: 900 - 215, y: 700 - 165, width: 200, height: 150 };
  const chain = (n: number): Box[] => Array.from({ length: n }, (_, i) => ({ id: `s${i}`, x: i * 300, y: (i % 3) * 40, width: 220, height: 90 }));
  const screen = (b: Box, v: { x: number; y: number; zoom: number }) => ({ left: b.x * v.zoom + v.x, top: b.y * v.zoom + v.y, right: (b.x + b.width) * v.zoom + v.x, bottom: (b.y + b.height) * v.zoom + v.y });
  const judge = (list: Box[], v: { x: number; y: number; zoom: number }) => {
    const whole: string[] = [];
    const cut: string[] = [];
    const covered: string[] = [];
    for (const b of list) {
      const r = screen(b, v);
      const inside = r.left >= 0 && r.top >= 0 && r.right <= canvas.width && r.bottom <= canvas.height;
      const touches = r.right > 0 && r.left < canvas.width && r.bottom > 0 && r.top < canvas.height;
      if (inside) whole.push(b.id);
      else if (touches) cut.push(b.id);
      if (r.right > minimap.x && r.left < minimap.x + minimap.width && r.bottom > minimap.y && r.top < minimap.y + minimap.height) covered.push(b.id);
    }
    return { whole, cut, covered };
  };

  it('shows a journey that fits whole, at a zoom of at most 1', () => {
    const list = chain(3);
    const v = openingView(list, 's0', canvas, minimap);
    expect(v.zoom).toBeLessThanOrEqual(1);
    expect(judge(list, v)).toEqual({ whole: ['s0', 's1', 's2'], cut: [], covered: [] });
  });

  it('shows a long journey from its start at a readable zoom, cutting no step', () => {
    const list = chain(20);
    const v = openingView(list, 's0', canvas, minimap);
    expect(v.zoom).toBeGreaterThanOrEqual(READABLE_ZOOM);
    const seen = judge(list, v);
    expect(seen.whole).toContain('s0');
    expect(seen.whole.length).toBeGreaterThan(2);
    expect(seen.cut).toEqual([]);
    expect(seen.covered).toEqual([]);
  });

  it('shows a new journey’s only step whole', () => {
    const list = [{ id: 'done', x: 0, y: 0, width: 220, height: 54 }];
    expect(judge(list, openingView(list, 'done', canvas, minimap))).toEqual({ whole: ['done'], cut: [], covered: [] });
  });
});
