/**
 * Webhook subscriptions for the admin API: a URL checked against the outbound rules when it is
 * given, a signing secret answered once and kept sealed, and the dead-letter retry. Every change
 * is written with its audit entry.
 */
import { randomUUID } from 'node:crypto';
import { auditRecords, type AuditActor } from '../audit/audit-entry.js';
import { EngineError } from '../runtime/errors.js';
import { checkOutboundUrl } from '../security/outbound-http.js';
import type { Sealer } from '../security/sealing.js';
import { OutboundHttpError } from '../steps/step-types.js';
import type { WebhookDeliveryRecord, WebhookStore, WebhookSubscriptionRecord } from '../store/store.js';
import { secretContext } from './dispatcher.js';
import { PAYLOAD_FORMATS } from './payload-formats.js';

/** The payload formats a subscription may ask for (payload-formats.ts). */
export type WebhookFormat = 'standard' | 'authsignal';

export class WebhookSubscriptions {
  constructor(
    private readonly deps: { store: WebhookStore; sealer: Pick<Sealer, 'seal'>; allowedHosts: string[]; now: () => Date },
  ) {}

  async create(
    input: { url: string; eventTypes: string[]; description?: string; format?: WebhookFormat },
    by: AuditActor,
  ): Promise<{ subscription: WebhookSubscriptionRecord; secret: string }> {
    try {
      const { url } = checkOutboundUrl(input.url, this.deps.allowedHosts);
      // Credentials in a URL would be kept in plaintext: receivers check the signature instead.
      if (url.username || url.password) throw new EngineError('validation_failed', 'url: must not contain a username or password (receivers verify the signature)');
    } catch (error) {
      if (error instanceof OutboundHttpError) throw new EngineError('validation_failed', `url: ${error.message}`);
      throw error;
    }
    const id = `wh_${randomUUID().replaceAll('-', '')}`;
    const format = input.format ?? 'standard';
    const secret = PAYLOAD_FORMATS[format].newSecret();
    const now = this.deps.now();
    const subscription: WebhookSubscriptionRecord = {
      id,
      url: input.url,
      eventTypes: input.eventTypes,
      format,
      sealedSecret: this.deps.sealer.seal(secret, secretContext(id)),
      description: input.description ?? null,
      enabled: true,
      createdAt: now.toISOString(),
    };
    // The secret is never recorded.
    const details = { url: redactUrl(input.url), eventTypes: input.eventTypes, format };
    await this.deps.store.createSubscription(subscription, auditRecords(by, 'webhook.created', { type: 'webhook', id }, details, now));
    return { subscription, secret };
  }

  list(): Promise<WebhookSubscriptionRecord[]> {
    return this.deps.store.listSubscriptions();
  }

  async delete(id: string, by: AuditActor): Promise<void> {
    const existing = await this.deps.store.getSubscription(id);
    if (!existing) throw new EngineError('not_found', 'no such webhook subscription');
    const details = { url: redactUrl(existing.url), eventTypes: existing.eventTypes };
    if (!(await this.deps.store.deleteSubscription(id, auditRecords(by, 'webhook.deleted', { type: 'webhook', id }, details, this.deps.now())))) {
      throw new EngineError('not_found', 'no such webhook subscription');
    }
  }

  async retry(deliveryId: string, by: AuditActor): Promise<WebhookDeliveryRecord> {
    const delivery = await this.deps.store.getDelivery(deliveryId);
    if (!delivery) throw new EngineError('not_found', 'no such delivery');
    const now = this.deps.now();
    const records = auditRecords(by, 'webhook.delivery_retried', { type: 'webhook', id: delivery.subscriptionId }, { deliveryId, eventId: delivery.eventId, attempts: delivery.attempts }, now);
    if (!(await this.deps.store.retry(deliveryId, now.toISOString(), records))) throw new EngineError('conflict', `the delivery is ${delivery.status}, not dead`);
    return (await this.deps.store.getDelivery(deliveryId))!;
  }
}

/** The URL for views and the audit log: a username or password in it is replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = 'redacted';
      parsed.password = '';
    }
    return parsed.toString();
  } catch {
    return url;
  }
}
