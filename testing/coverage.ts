/**
 * Coverage of a journey by its tests: the steps entered and the branches taken (each wired
 * `stepId.outcome` of the document's `branches`), as covered/total with what was never reached.
 */
import type { JsonObject } from '../engine/json.js';
import type { CaseResult } from './run-test-file.js';

export interface Tally {
  covered: number;
  total: number;
  /** Never reached, in the document's order. */
  missed: string[];
}

export interface JourneyCoverage {
  journeyId: string;
  steps: Tally;
  branches: Tally;
  /** Branches the tests declare no run can take: not counted. */
  unreachable: string[];
}

/** Every step id and every wired branch (`stepId.outcome`) of a journey, in document order. */
export function coverableOf(journey: JsonObject): { steps: string[]; branches: string[] } {
  const steps = Object.entries((journey.steps ?? {}) as Record<string, { branches?: Record<string, string> }>);
  return {
    steps: steps.map(([id]) => id),
    branches: steps.flatMap(([id, step]) => Object.keys(step.branches ?? {}).map((outcome) => `${id}.${outcome}`)),
  };
}

export function coverageOf(journey: JsonObject, cases: readonly CaseResult[], unreachable: readonly string[] = []): JourneyCoverage {
  const { steps, branches } = coverableOf(journey);
  const entered = new Set(cases.flatMap((c) => c.path));
  const taken = new Set(cases.flatMap((c) => c.branches));
  const excluded = branches.filter((b) => unreachable.includes(b));
  return {
    journeyId: String(journey.id),
    steps: tally(steps, entered),
    branches: tally(branches.filter((b) => !excluded.includes(b)), taken),
    unreachable: excluded,
  };
}

function tally(all: string[], reached: Set<string>): Tally {
  const missed = all.filter((item) => !reached.has(item));
  return { covered: all.length - missed.length, total: all.length, missed };
}

/** Percent of branches taken; a journey without branches is fully covered. */
export function branchPercent(coverage: JourneyCoverage): number {
  return coverage.branches.total === 0 ? 100 : (100 * coverage.branches.covered) / coverage.branches.total;
}
