/**
 * Rows of `journey_funnel`, the analytics rollup: per journey version, hour (the hour each
 * session started), step (empty for the journey's totals), metric and key, a count. A session
 * adds its figures once, in the transaction of its final save (or when the sweeper finds it
 * expired), so a query sums a few rows per hour instead of reading timelines.
 *
 * Metrics: totals (step ''): `started`, `ended` by status (completed, rejected, failed, expired).
 * Per step: `entered`, `branch` by name, `error` by code, `ended` by status, `abandoned`, and
 * `wait` by histogram bucket (waitBucket).
 */
import type { ChangeRecords } from '../store.js';

/** One increment: journey, version, hour, step, metric, key, by how much. */
export type FunnelIncrement = [journeyId: string, version: number, hour: string, stepId: string, metric: string, key: string, count: number];

/** Buckets per doubling of the wait: bucket upper bounds are 2^(1/8) ≈ 9 % apart. */
export const WAIT_BUCKETS_PER_DOUBLING = 8;

/** The histogram bucket of a wait: the smallest b with waitMs ≤ 2^(b/8) − 1 (so 0 ms is bucket 0). */
export function waitBucket(waitMs: number): number {
  const ms = Math.max(0, Math.round(waitMs));
  return Math.ceil(Math.log2(ms + 1) * WAIT_BUCKETS_PER_DOUBLING - 1e-9);
}

/** The upper bound (ms) of a bucket: what a median or p95 falling in it is reported as. */
export function waitBucketUpperMs(bucket: number): number {
  return Math.round(2 ** (bucket / WAIT_BUCKETS_PER_DOUBLING) - 1);
}

/** The hour an instant falls in, as ISO text (`2026-12-06T21:00:00.000Z`). */
export function hourOf(iso: string): string {
  const at = new Date(iso);
  at.setUTCMinutes(0, 0, 0);
  return at.toISOString();
}

/** The rollup increments of a change's records (nothing when it has no session figures). */
export function funnelIncrements(records: ChangeRecords | undefined): FunnelIncrement[] {
  const out = new Map<string, FunnelIncrement>();
  const add = (journeyId: string, version: number, hour: string, stepId: string, metric: string, key: string) => {
    const id = JSON.stringify([stepId, metric, key]);
    const existing = out.get(id);
    if (existing) existing[6] += 1;
    else out.set(id, [journeyId, version, hour, stepId, metric, key, 1]);
  };
  if (records?.started) {
    const { journeyId, journeyVersion, startedAt } = records.started;
    add(journeyId, journeyVersion, hourOf(startedAt), '', 'started', '');
  }
  const funnel = records?.funnel;
  if (funnel) {
    const hour = hourOf(funnel.startedAt);
    const inc = (stepId: string, metric: string, key: string) => add(funnel.journeyId, funnel.journeyVersion, hour, stepId, metric, key);
    inc('', 'ended', funnel.status);
    for (const stepId of new Set(funnel.entered)) inc(stepId, 'entered', '');
    for (const visit of funnel.visits) {
      inc(visit.stepId, visit.outcome, visit.key);
      if (visit.waitMs !== null) inc(visit.stepId, 'wait', String(waitBucket(visit.waitMs)));
    }
  }
  return [...out.values()];
}
