/**
 * Journey analytics for the admin API: the rollup's sums (store.analytics) shaped as the funnel
 * (contract: JourneyAnalytics), and the sweeper's pass that counts sessions that expired waiting.
 */
import type { JourneyAnalytics as JourneyAnalyticsView } from '../http/contract/types.js';
import { EngineError } from '../runtime/errors.js';
import { waitBucketUpperMs } from '../store/rows/funnel.js';
import type { Store } from '../store/store.js';
import { sessionFunnel } from './session-funnel.js';

const HOUR = 3600_000;
const DEFAULT_RANGE = 7 * 24 * HOUR;
const MAX_RANGE = 366 * 24 * HOUR;

type StepView = JourneyAnalyticsView['steps'][number];
type Outcomes = JourneyAnalyticsView['totals'];

export class JourneyAnalytics {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
  ) {}

  async report(journeyId: string, query: { version?: number; from?: string; to?: string }): Promise<JourneyAnalyticsView> {
    if (!(await this.store.journeys.isKnown(journeyId))) throw new EngineError('not_found', `no journey "${journeyId}"`);
    const to = ceilHour(query.to ? Date.parse(query.to) : this.now().getTime());
    const from = floorHour(query.from ? Date.parse(query.from) : to - DEFAULT_RANGE);
    if (from >= to) throw new EngineError('invalid_request', '`from` must be before `to`');
    if (to - from > MAX_RANGE) throw new EngineError('invalid_request', 'the range is longer than 366 days');
    const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    const { byStep, series } = await this.store.analytics.query({ journeyId, version: query.version, ...range });

    const totals = emptyOutcomes();
    const steps = new Map<string, StepView & { histogram: Map<number, number> }>();
    const step = (stepId: string) => {
      let view = steps.get(stepId);
      if (!view) {
        view = { stepId, entered: 0, branches: {}, errors: {}, ended: {}, abandoned: 0, wait: { count: 0, medianMs: null, p95Ms: null }, histogram: new Map() };
        steps.set(stepId, view);
      }
      return view;
    };
    for (const row of byStep) {
      if (row.stepId === '') {
        addOutcome(totals, row.metric, row.key, row.count);
        continue;
      }
      const view = step(row.stepId);
      if (row.metric === 'entered') view.entered += row.count;
      else if (row.metric === 'branch') view.branches[row.key] = row.count;
      else if (row.metric === 'error') view.errors[row.key] = row.count;
      else if (row.metric === 'ended') view.ended[row.key] = row.count;
      else if (row.metric === 'abandoned') view.abandoned += row.count;
      else if (row.metric === 'wait') view.histogram.set(Number(row.key), row.count);
    }

    const byHour = new Map<string, Outcomes & { at: string }>();
    for (const row of series) {
      let point = byHour.get(row.hour);
      if (!point) byHour.set(row.hour, (point = { at: row.hour, ...emptyOutcomes() }));
      addOutcome(point, row.metric, row.key, row.count);
    }

    return {
      journeyId,
      version: query.version ?? null,
      ...range,
      totals,
      steps: [...steps.values()].map(({ histogram, ...view }) => ({ ...view, wait: percentiles(histogram) })),
      series: [...byHour.values()].sort((a, b) => a.at.localeCompare(b.at)),
    };
  }

  /**
   * Counts sessions that expired waiting (at most `limit` per pass) as `expired`, abandoned on the
   * step they waited on. Safe in every process at once: each session is counted once.
   */
  async countExpired(limit = 500): Promise<number> {
    const now = this.now();
    let counted = 0;
    for (const session of await this.store.analytics.listExpiredUncounted(now.toISOString(), limit)) {
      const timeline = await this.store.timelines.list(session.id);
      const funnel = sessionFunnel({ ...session, journeyVersion: session.journeyVersion! }, timeline, 'expired', now);
      if (await this.store.analytics.recordExpired(funnel)) counted += 1;
    }
    return counted;
  }
}

function emptyOutcomes(): Outcomes {
  return { started: 0, completed: 0, rejected: 0, failed: 0, expired: 0 };
}

function addOutcome(into: Outcomes, metric: string, key: string, count: number): void {
  if (metric === 'started') into.started += count;
  else if (metric === 'ended' && (key === 'completed' || key === 'rejected' || key === 'failed' || key === 'expired')) into[key] += count;
}

/** Median and p95 from the wait histogram: the upper bound of the bucket the rank falls in. */
function percentiles(histogram: Map<number, number>): StepView['wait'] {
  const buckets = [...histogram.entries()].sort((a, b) => a[0] - b[0]);
  const count = buckets.reduce((sum, [, n]) => sum + n, 0);
  const at = (q: number) => {
    if (count === 0) return null;
    const rank = Math.ceil(q * count);
    let seen = 0;
    for (const [bucket, n] of buckets) {
      seen += n;
      if (seen >= rank) return waitBucketUpperMs(bucket);
    }
    return null;
  };
  return { count, medianMs: at(0.5), p95Ms: at(0.95) };
}

const floorHour = (ms: number) => Math.floor(ms / HOUR) * HOUR;
const ceilHour = (ms: number) => Math.ceil(ms / HOUR) * HOUR;
