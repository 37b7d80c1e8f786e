/**
 * What changed between two journey documents, as the audit log records it: steps added, removed
 * and changed (by id), and the other top-level fields that changed. Layout-only changes show as
 * `layout` among the fields, so a history reads as what the journey does, not where its boxes sit.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject } from '../json.js';

export interface JourneyDiff {
  stepsAdded: string[];
  stepsRemoved: string[];
  stepsChanged: string[];
  fieldsChanged: string[];
  [key: string]: string[];
}

export function journeyDiff(before: JsonObject | null, after: JsonObject): JourneyDiff {
  const steps = (doc: JsonObject | null) => (doc && isObject(doc.steps) ? (doc.steps as JsonObject) : {});
  const [old, now] = [steps(before), steps(after)];
  const ids = (o: JsonObject) => Object.keys(o).sort();
  const fields = new Set([...Object.keys(before ?? {}), ...Object.keys(after)].filter((k) => k !== 'steps'));
  return {
    stepsAdded: ids(now).filter((id) => !(id in old)),
    stepsRemoved: ids(old).filter((id) => !(id in now)),
    stepsChanged: ids(now).filter((id) => id in old && !isDeepStrictEqual(old[id], now[id])),
    fieldsChanged: [...fields].sort().filter((k) => !isDeepStrictEqual(before?.[k], after[k])),
  };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
