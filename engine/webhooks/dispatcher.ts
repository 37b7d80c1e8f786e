/**
 * Delivers the webhook outbox. Every process runs one dispatcher; each poll claims a few due
 * deliveries for this process alone (a lease, store.webhooks.claimDue), posts them through the
 * outbound HTTP guard, and records the result under its claim. A process that dies mid-delivery
 * leaves its claims to expire; another (or the restarted) process then sends them again with
 * the same webhook-id: delivery is at least once, and never by two processes at once while a
 * lease holds (the lease outlasts the request timeout). Failures retry with exponential backoff
 * until `maxAttempts`, then the delivery is dead (listed for admins, who may retry it).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Sealer } from '../security/sealing.js';
import { OutboundHttpError, type OutboundHttp } from '../steps/step-types.js';
import type { ClaimedDelivery, WebhookStore } from '../store/store.js';
import { PAYLOAD_FORMATS } from './payload-formats.js';

export interface DispatcherSettings {
  /** Attempts before a delivery is dead. */
  maxAttempts: number;
  /** The first retry's delay; each later one doubles, up to `maxDelayMs`. */
  retryBaseMs: number;
  maxDelayMs: number;
  /** One attempt's timeout. */
  timeoutMs: number;
  /** How long a claim holds: longer than an attempt can take. */
  leaseMs: number;
  pollMs: number;
  /** Deliveries claimed per poll (sent in parallel). */
  batch: number;
}

export interface DispatcherDeps {
  store: WebhookStore;
  http: OutboundHttp;
  sealer: Pick<Sealer, 'unseal'>;
  now: () => Date;
  logger: Logger;
  settings: DispatcherSettings;
  onResult?: (result: 'delivered' | 'failed' | 'dead') => void;
}

/** The delay before attempt `attempts + 1` (attempts made so far ≥ 1): base · 2^(attempts−1), capped, with up to 10 % jitter. */
export function retryDelayMs(attempts: number, settings: Pick<DispatcherSettings, 'retryBaseMs' | 'maxDelayMs'>, random = Math.random): number {
  const delay = Math.min(settings.retryBaseMs * 2 ** (attempts - 1), settings.maxDelayMs);
  return Math.round(delay * (1 + 0.1 * random()));
}

/** The sealing context of a subscription's secret: a sealed secret cannot be moved to another subscription. */
export const secretContext = (subscriptionId: string) => `webhook-subscription:${subscriptionId}`;

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(private readonly deps: DispatcherDeps) {}

  /** Polls until stop(); a full batch polls again at once. */
  start(): void {
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      let claimed = 0;
      try {
        claimed = await this.runOnce();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'webhook dispatch failed');
      }
      if (!this.stopped) this.timer = setTimeout(tick, claimed >= this.deps.settings.batch ? 0 : this.deps.settings.pollMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling and waits for the deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => 0);
  }

  /** One poll: claims due deliveries and sends them; answers how many it claimed. */
  runOnce(): Promise<number> {
    const run = (async () => {
      const { settings } = this.deps;
      const now = this.deps.now();
      const claim = randomUUID();
      const claimed = await this.deps.store.claimDue(now.toISOString(), new Date(now.getTime() + settings.leaseMs).toISOString(), claim, settings.batch);
      await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
      return claimed.length;
    })();
    this.running = run;
    return run;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const { store, settings, logger } = this.deps;
    const format = PAYLOAD_FORMATS[delivery.subscription.format];
    let failure: { error: string; status: number | null };
    try {
      if (!format) throw new Error(`unknown payload format "${delivery.subscription.format}"`);
      const secret = this.deps.sealer.unseal(delivery.subscription.sealedSecret, secretContext(delivery.subscription.id));
      const { body, headers } = format.render(delivery.event, secret, this.deps.now());
      const response = await this.deps.http.request({ url: delivery.subscription.url, method: 'POST', headers, body, timeoutMs: settings.timeoutMs });
      if (response.status >= 200 && response.status < 300) {
        const recorded = await store.markDelivered(delivery.id, delivery.claim, this.deps.now().toISOString(), response.status);
        if (!recorded) logger.warn({ delivery: delivery.id }, 'webhook delivered after its lease ran out');
        this.deps.onResult?.('delivered');
        return;
      }
      failure = { error: `the receiver answered ${response.status}`, status: response.status };
    } catch (error) {
      // Only the kind of failure: a message could echo the URL's credentials or the response.
      failure = { error: error instanceof OutboundHttpError ? `${error.code}: ${error.message}` : 'the delivery could not be prepared', status: null };
      if (!(error instanceof OutboundHttpError)) logger.error({ err: error, delivery: delivery.id }, 'webhook delivery failed');
    }
    const dead = delivery.attempts >= settings.maxAttempts;
    const nextAttemptAt = dead ? null : new Date(this.deps.now().getTime() + retryDelayMs(delivery.attempts, settings)).toISOString();
    await store.markFailed(delivery.id, delivery.claim, { ...failure, nextAttemptAt });
    this.deps.onResult?.(dead ? 'dead' : 'failed');
    logger.warn({ delivery: delivery.id, event: delivery.event.id, attempts: delivery.attempts, dead, error: failure.error }, 'webhook delivery failed');
  }
}
