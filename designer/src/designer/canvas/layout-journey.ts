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

export async function layoutJourney(
  doc: Pick<JourneyDoc, 'steps' | 'start'>,
  catalogue: Map<string, CatalogueEntry>,
  measured?: (id: string) => { width?: number; height?: number } | undefined,
): Promise<Record<string, Position>> {
  // The start step first: elk keeps the model order where it is free to, so the journey reads from it.
  const ids = Object.keys(doc.steps).sort((a, b) => Number(b === doc.start) - Number(a === doc.start));
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
