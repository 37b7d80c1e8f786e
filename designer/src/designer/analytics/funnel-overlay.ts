/**
 * The analytics overlay of the canvas, derived from GET …/analytics: per step, the sessions that
 * entered it, its drop-off rate (abandoned there) and failure rate (errors among its outcomes) and
 * a heat level for the colour scale; per edge (step → branch), how often it was taken.
 */
import type { JourneyAnalytics } from '../../../../engine/http/contract/types.js';

export interface StepFunnel {
  entered: number;
  dropOff: number;
  failure: number;
  /** 0 (healthy) to 4 (most lost): the colour scale. */
  heat: number;
}

export interface FunnelOverlay {
  steps: Map<string, StepFunnel>;
  /** Keyed by the canvas's edge id (edgeId(source, branch)). */
  edges: Map<string, number>;
}

/** Loss (the larger of drop-off and failure) at or above each threshold raises the level by one. */
export const HEAT_THRESHOLDS = [0.02, 0.05, 0.15, 0.3] as const;

export function heatLevel(loss: number): number {
  return HEAT_THRESHOLDS.filter((t) => loss >= t).length;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

export function funnelOverlay(analytics: JourneyAnalytics, edgeId: (source: string, branch: string) => string): FunnelOverlay {
  const steps = new Map<string, StepFunnel>();
  const edges = new Map<string, number>();
  for (const step of analytics.steps) {
    const errors = sum(step.errors);
    const outcomes = sum(step.branches) + errors + sum(step.ended) + step.abandoned;
    const dropOff = step.entered ? step.abandoned / step.entered : 0;
    const failure = outcomes ? errors / outcomes : 0;
    steps.set(step.stepId, { entered: step.entered, dropOff, failure, heat: heatLevel(Math.max(dropOff, failure)) });
    for (const [branch, count] of Object.entries(step.branches)) edges.set(edgeId(step.stepId, branch), count);
  }
  return { steps, edges };
}

export const percent = (rate: number) => `${rate < 0.1 && rate > 0 ? (rate * 100).toFixed(1) : Math.round(rate * 100)}%`;
