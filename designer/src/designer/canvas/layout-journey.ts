/**
 * A journey's positions from the auto-layout: each step sized as the canvas draws it (node-size.ts,
 * or the browser's measurement when given), its handles in drawing order. Used by the toolbar's
 * Auto-layout, by a journey opened without positions, and by scripts/layout-samples.ts.
 */
import type { StepCatalogueEntry as CatalogueEntry } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc, Position } from '../../../../engine/http/contract/journey-document.js';
import { branchHandles } from '../model/journey-ops.js';
import { autoLayout, type LayoutResult } from './auto-layout.js';
import { NODE_GEOMETRY, nodeHeight } from './node-size.js';

/**
 * The steps in the order a person reads the journey: a topological order of the journey without
 * its loops (reverse post-order of a depth-first walk from the start, each step's branches in
 * handle order, failure last), then steps no path reaches. elk breaks cycles by this order
 * (auto-layout.ts), so only a real loop back (a retry) is drawn backwards, every other edge runs
 * left to right, and the start is in the first column.
 */
function readingOrder(doc: Pick<JourneyDoc, 'steps' | 'start'>, catalogue: Map<string, CatalogueEntry>): string[] {
  const targets = (id: string) => {
    const step = doc.steps[id];
    return branchHandles(step, catalogue.get(step.type))
      .map((h) => step.branches?.[h.name])
      .filter((t): t is string => typeof t === 'string' && !!doc.steps[t]);
  };
  const visited = new Set<string>();
  const postorder: string[] = [];
  const walk = (root: string) => {
    // Iterative: a journey may be thousands of steps deep.
    const stack: Array<{ id: string; next: string[] }> = [{ id: root, next: targets(root).reverse() }];
    visited.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const child = top.next.pop();
      if (child === undefined) {
        postorder.push(top.id);
        stack.pop();
      } else if (!visited.has(child)) {
        visited.add(child);
        stack.push({ id: child, next: targets(child).reverse() });
      }
    }
  };
  if (doc.steps[doc.start]) walk(doc.start);
  const reached = postorder.length;
  for (const id of Object.keys(doc.steps)) if (!visited.has(id)) walk(id);
  // Reverse post-order within each walk: the start's first, then each unreached group's.
  return [...postorder.slice(0, reached).reverse(), ...postorder.slice(reached).reverse()];
}

export async function layoutJourney(
  doc: Pick<JourneyDoc, 'steps' | 'start'>,
  catalogue: Map<string, CatalogueEntry>,
  measured?: (id: string) => { width?: number; height?: number } | undefined,
): Promise<Record<string, Position>> {
  return (await routedLayout(doc, catalogue, measured)).positions;
}

/** The layout with each edge's route (elk's bends, from the same origin as the positions). */
export async function routedLayout(
  doc: Pick<JourneyDoc, 'steps' | 'start'>,
  catalogue: Map<string, CatalogueEntry>,
  measured?: (id: string) => { width?: number; height?: number } | undefined,
): Promise<LayoutResult> {
  const ids = readingOrder(doc, catalogue);
  const nodes = ids.map((id) => {
    const step = doc.steps[id];
    const handles = branchHandles(step, catalogue.get(step.type)).map((h) => h.name);
    const size = measured?.(id);
    return { id, width: size?.width ?? NODE_GEOMETRY.width, height: size?.height ?? nodeHeight(handles.length, step.name || id), handles };
  });
  const edges = ids.flatMap((source) => Object.entries(doc.steps[source].branches ?? {}).map(([branch, target]) => ({ source, branch, target })));
  const { positions, routes } = await autoLayout(nodes, edges);
  // From the origin: a journey laid out twice gets the same numbers.
  const all = Object.values(positions);
  const left = Math.min(...all.map((p) => p.x));
  const top = Math.min(...all.map((p) => p.y));
  for (const p of [...all, ...Object.values(routes).flat()]) {
    p.x -= left;
    p.y -= top;
  }
  return { positions, routes };
}
