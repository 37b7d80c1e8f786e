/**
 * Prometheus metrics (prom-client), one registry per engine so several engines in one process
 * (tests) never share counters. Session and step figures are read off each session's timeline
 * events, so the runtime needs no metric calls of its own.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TimelineEvent } from './store/store.js';

export class EngineMetrics {
  readonly registry = new Registry();
  private readonly requests = new Histogram({
    name: 'journey_http_request_duration_seconds',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly sessionsStarted = new Counter({
    name: 'journey_sessions_started_total',
    help: 'Sessions started, by journey and version (`draft` for test runs of a draft)',
    labelNames: ['journey', 'version'],
    registers: [this.registry],
  });
  private readonly sessionsEnded = new Counter({
    name: 'journey_sessions_ended_total',
    help: 'Sessions ended, by journey, version and status (completed, rejected, failed)',
    labelNames: ['journey', 'version', 'status'],
    registers: [this.registry],
  });
  private readonly steps = new Histogram({
    name: 'journey_step_duration_seconds',
    help: 'Step runs by journey, step type and outcome (a branch name, or the error code)',
    labelNames: ['journey', 'type', 'outcome'],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  private readonly messages = new Counter({
    name: 'journey_messages_total',
    help: 'One-time-code messages by channel and result (delivered, failed, rate_limited)',
    labelNames: ['channel', 'result'],
    registers: [this.registry],
  });
  private readonly lockouts = new Counter({
    name: 'journey_credential_lockouts_total',
    help: 'Attempts refused because a credential was locked, by step type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  private readonly webhookDeliveries = new Counter({
    name: 'journey_webhook_deliveries_total',
    help: 'Webhook delivery attempts by result (delivered, failed: retried later, dead: attempts exhausted)',
    labelNames: ['result'],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe({ method, route, status: String(status) }, seconds);
  }

  sessionStarted(journeyId: string, journeyVersion: number | null = null): void {
    this.sessionsStarted.inc({ journey: journeyId, version: versionLabel(journeyVersion) });
  }

  webhookDelivery(result: 'delivered' | 'failed' | 'dead'): void {
    this.webhookDeliveries.inc({ result });
  }

  message(channel: string, result: 'delivered' | 'failed' | 'rate_limited'): void {
    this.messages.inc({ channel, result });
  }

  /** Step durations, ends and lockouts, from the events a run appended to the timeline. */
  timeline(journeyId: string, events: TimelineEvent[], journeyVersion: number | null = null): void {
    for (const event of events) {
      if (event.durationMs !== undefined && event.type) {
        const outcome = event.event === 'error' ? (event.error?.code ?? 'error') : (event.branch ?? event.event);
        this.steps.observe({ journey: journeyId, type: event.type, outcome }, event.durationMs / 1000);
      }
      if (event.event === 'error' && event.error?.code === 'locked' && event.type) this.lockouts.inc({ type: event.type });
      if (event.event === 'ended' && event.branch) this.sessionsEnded.inc({ journey: journeyId, version: versionLabel(journeyVersion), status: event.branch });
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** A version as a label: its number, or `draft` (test runs of a draft). */
const versionLabel = (version: number | null) => (version === null ? 'draft' : String(version));
