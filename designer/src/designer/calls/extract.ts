/**
 * "Extract to sub-journey" (#20): the selected steps become a new journey, and a `journey.call`
 * to it takes their place. Pure: answers both documents, or why the selection cannot be extracted.
 *
 * The selection must have one entry (one selected step reached from outside it, or the start) and
 * its branches may leave it for one step at most (the call's `success`), plus one step for its
 * `failure` branches (the call's `failure`). In the new journey, leaving becomes a `complete`
 * step, and a failure branch leaving becomes a `reject` carrying the step's error.
 */
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';
import { JOURNEY_ID, newStepId } from '../model/journey-ops.js';

type StepDoc = JourneyDoc['steps'][string];

export type Extracted = { parent: JourneyDoc; child: JourneyDoc; callStepId: string } | { error: string };

export function extractSubJourney(doc: JourneyDoc, selected: Iterable<string>, childId: string, childName: string): Extracted {
  const inside = new Set([...selected].filter((id) => doc.steps[id]));
  if (inside.size === 0) return { error: 'Select the steps to extract first.' };
  if (!JOURNEY_ID.test(childId)) return { error: `"${childId}" is not a journey id (lower-case letters, digits, ".", "_" and "-").` };
  if (childId === doc.id) return { error: 'The new journey needs an id of its own.' };

  // The entry: the start, or a selected step a step outside the selection leads to.
  const entries = new Set<string>();
  if (inside.has(doc.start)) entries.add(doc.start);
  for (const [id, step] of Object.entries(doc.steps)) {
    if (inside.has(id)) continue;
    for (const target of Object.values(step.branches ?? {})) if (inside.has(target)) entries.add(target);
  }
  if (entries.size !== 1) return { error: entries.size === 0 ? 'Nothing leads into the selection.' : 'The selection must have one entry: only one of its steps may be reached from outside it.' };
  const [entry] = entries;

  // Where the selection leads: one step on success, one on failure.
  const exits = new Set<string>();
  const failureExits = new Set<string>();
  for (const id of inside) {
    for (const [branch, target] of Object.entries(doc.steps[id].branches ?? {})) {
      if (inside.has(target)) continue;
      (branch === 'failure' ? failureExits : exits).add(target);
    }
  }
  if (exits.size > 1) return { error: 'The selection may lead to one step outside it (it becomes the call\'s success).' };
  if (failureExits.size > 1) return { error: 'The selection\'s failure branches may lead to one step outside it (the call\'s failure).' };

  const childSteps: Record<string, StepDoc> = {};
  const taken = new Set(inside);
  const done = exits.size ? uniqueId(taken, 'done') : null;
  const failed = failureExits.size ? uniqueId(taken, 'failed') : null;
  for (const id of inside) {
    const step = structuredClone(doc.steps[id]);
    const branches: Record<string, string> = {};
    let errorVariable = step.errorOutputVariable;
    for (const [branch, target] of Object.entries(step.branches ?? {})) {
      if (inside.has(target)) branches[branch] = target;
      else if (branch === 'failure') {
        branches[branch] = failed!;
        errorVariable ??= 'extractedError';
      } else branches[branch] = done!;
    }
    childSteps[id] = { ...step, ...(Object.keys(branches).length ? { branches } : {}), ...(errorVariable ? { errorOutputVariable: errorVariable } : {}) };
  }
  if (done) childSteps[done] = { type: 'complete', name: 'Done', config: { claims: {} } };
  if (failed) {
    // Each failing step keeps its error in its own variable; the reject reads whichever is set.
    const variables = [...new Set([...inside].filter((id) => doc.steps[id].branches?.failure && !inside.has(doc.steps[id].branches!.failure!)).map((id) => childSteps[id].errorOutputVariable!))];
    // The first error set among them (a JSONata sequence drops the unset ones).
    const read = (field: string) => (variables.length === 1 ? `{% ${variables[0]}.${field} %}` : `{% [${variables.join(', ')}][0].${field} %}`);
    childSteps[failed] = { type: 'reject', name: 'Failed', config: { code: read('code'), message: read('message') } };
  }
  const layout: Record<string, { x: number; y: number }> = {};
  for (const id of inside) if (doc.layout?.[id]) layout[id] = doc.layout[id];
  const exitAt = Math.max(0, ...Object.values(layout).map((p) => p.x)) + 280;
  if (done) layout[done] = { x: exitAt, y: 0 };
  if (failed) layout[failed] = { x: exitAt, y: 180 };
  const child: JourneyDoc = { id: childId, name: childName, start: entry, steps: childSteps, layout };

  // The caller: the selection replaced by one call where its entry was.
  const callStepId = newStepId({ steps: Object.fromEntries(Object.entries(doc.steps).filter(([id]) => !inside.has(id))) }, 'journey.call');
  const call: StepDoc = {
    type: 'journey.call',
    name: childName,
    config: { journeyId: childId, version: 'latest' },
    ...(exits.size || failureExits.size ? { branches: { ...(exits.size ? { success: [...exits][0] } : {}), ...(failureExits.size ? { failure: [...failureExits][0] } : {}) } } : {}),
  };
  const steps: Record<string, StepDoc> = {};
  for (const [id, step] of Object.entries(doc.steps)) {
    if (inside.has(id)) continue;
    const branches = step.branches ? Object.fromEntries(Object.entries(step.branches).map(([b, t]) => [b, t === entry ? callStepId : t])) : undefined;
    steps[id] = branches ? { ...step, branches } : step;
  }
  steps[callStepId] = call;
  const parentLayout = { ...doc.layout };
  for (const id of inside) delete parentLayout[id];
  parentLayout[callStepId] = doc.layout?.[entry] ?? { x: 0, y: 0 };
  const parent: JourneyDoc = { ...doc, start: doc.start === entry ? callStepId : doc.start, steps, layout: parentLayout };
  return { parent, child, callStepId };
}

function uniqueId(taken: Set<string>, base: string): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
  taken.add(id);
  return id;
}
