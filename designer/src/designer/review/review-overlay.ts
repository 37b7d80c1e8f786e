/**
 * What "Review changes" marks on the canvas, from the semantic diff (engine/journey/semantic-diff.ts):
 * steps added or changed, and edges added or changed (a rewired branch). Removed steps and
 * branches are not on the canvas; the panel lists them.
 */
import type { JourneyChange } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';
import { edgeId } from '../canvas/Canvas.js';

export type ReviewMark = 'added' | 'changed';

export interface ReviewOverlay {
  steps: Map<string, ReviewMark>;
  edges: Map<string, ReviewMark>;
}

/** The last reference token of a JSON pointer, unescaped (RFC 6901). */
export function lastToken(pointer: string): string {
  return pointer.slice(pointer.lastIndexOf('/') + 1).replace(/~1/g, '/').replace(/~0/g, '~');
}

export function reviewOverlay(changes: JourneyChange[], doc: JourneyDoc): ReviewOverlay {
  const steps = new Map<string, ReviewMark>();
  const edges = new Map<string, ReviewMark>();
  for (const change of changes) {
    const id = change.stepId;
    if (!id || !doc.steps[id]) continue;
    if (change.kind === 'step_added') {
      steps.set(id, 'added');
      for (const branch of Object.keys(doc.steps[id].branches ?? {})) edges.set(edgeId(id, branch), 'added');
      continue;
    }
    if (change.kind === 'step_removed') continue;
    if (!steps.has(id)) steps.set(id, 'changed');
    if (change.kind === 'branch_added' && change.path) edges.set(edgeId(id, lastToken(change.path)), 'added');
    if (change.kind === 'branch_rewired' && change.path) edges.set(edgeId(id, lastToken(change.path)), 'changed');
  }
  return { steps, edges };
}
