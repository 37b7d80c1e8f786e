/**
 * A journey's positions from the auto-layout: each step sized as the canvas draws it (node-size.ts,
 * or the browser's measurement when given), its handles in drawing order. Used by the toolbar's
 * Auto-layout, by a journey opened without positions, and by scripts/layout-samples.ts.
 */
import type { StepCatalogueEntry as CatalogueEntry } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc, Position } from '../../../../engine/http/contract/journey-document.js';
import { branchHandles } from '../model/journey-ops.js';
import { autoLayout } from './auto-layout.js';
import { NODE_GEOMETRY, nodeHeight } from './node-size.js';

/**
 * The steps in the order a person reads the journey: breadth first from the start, each step's
 * branches in handle order (failure last), then steps no path reaches. elk breaks cycles by this
 * order (auto-layout.ts), so a loop back (a retry) is the edge drawn backwards and the start is
 * in the first layer, at the left.
 */
function readingOrder(doc: Pick<JourneyDoc, 'steps' | 'start'>, catalogue: Map<string, CatalogueEntry>): string[] {
  const seen = new Set<string>();
  const queue = doc.steps[doc.start] ? [doc.start] : [];
  for (const id of queue) seen.add(id);
  for (let i = 0; i < queue.length; i++) {
    const step = doc.steps[queue[i]];
    for (const handle of branchHandles(step, catalogue.get(step.type))) {
      const target = step.branches?.[handle.name];
      if (target && doc.steps[target] && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return [...queue, ...Object.keys(doc.steps).filter((id) => !seen.has(id))];
}

export async function layoutJourney(
  doc: Pick<JourneyDoc, 'steps' | 'start'>,
  catalogue: Map<string, CatalogueEntry>,
  measured?: (id: string) => { width?: number; height?: number } | undefined,
): Promise<Record<string, Position>> {
  const ids = readingOrder(doc, catalogue);
  const nodes = ids.map((id) => {
    const step = doc.steps[id];
    const handles = branchHandles(step, catalogue.get(step.type)).map((h) => h.name);
    const size = measured?.(id);
    return { id, width: size?.width ?? NODE_GEOMETRY.width, height: size?.height ?? nodeHeight(handles.length, step.name || id), handles };
  });
  const edges = ids.flatMap((source) => Object.entries(doc.steps[source].branches ?? {}).map(([branch, target]) => ({ source, branch, target })));
  const positions = await autoLayout(nodes, edges);
  // From the origin: a journey laid out twice gets the same numbers.
  const all = Object.values(positions);
  const left = Math.min(...all.map((p) => p.x));
  const top = Math.min(...all.map((p) => p.y));
  for (const p of all) {
    p.x -= left;
    p.y -= top;
  }
  return positions;
}
