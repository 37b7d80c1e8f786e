/**
 * Rows of the webhook tables: `webhook_subscriptions`, `webhook_events` (the outbox: one row per
 * event, written with the change that raised it) and `webhook_deliveries` (one per event and
 * subscription, claimed by one process at a time).
 */
import type { WebhookDeliveryRecord, WebhookEventRecord, WebhookSubscriptionRecord } from '../store.js';
import type { ColumnCodec, Row } from './codec.js';
import type { RowShape } from './shape.js';

/**
 * Event types as `,a,b,` (or `*`): a subscription matches an event with one LIKE in either
 * dialect, so deliveries are queued in the statement that writes the event.
 */
export const eventTypesColumn = (types: string[]): string => (types.includes('*') ? '*' : `,${types.join(',')},`);
const eventTypesFrom = (text: string): string[] => (text === '*' ? ['*'] : text.split(',').filter(Boolean));

/** Matches subscriptions (alias `s`) to the event type given by `typeParam`. */
export const subscriptionMatches = (typeParam: string): string =>
  `s.enabled AND (s.event_types = '*' OR s.event_types LIKE '%,' || ${typeParam} || ',%')`;

export const subscriptionRow: RowShape<WebhookSubscriptionRecord> = {
  table: 'webhook_subscriptions',
  columns: ['id', 'url', 'event_types', 'format', 'sealed_secret', 'description', 'enabled', 'created_at'],
  fromRow: (r, codec) => ({
    id: r.id,
    url: r.url,
    eventTypes: eventTypesFrom(r.event_types),
    format: r.format,
    sealedSecret: r.sealed_secret,
    description: r.description,
    enabled: codec.readBoolean(r.enabled),
    createdAt: r.created_at,
  }),
  values: (s, codec) => [s.id, s.url, eventTypesColumn(s.eventTypes), s.format, s.sealedSecret, s.description, codec.writeBoolean(s.enabled), s.createdAt],
};

export const eventRow: RowShape<WebhookEventRecord> = {
  table: 'webhook_events',
  columns: ['id', 'type', 'at', 'payload'],
  fromRow: (r, codec) => ({ id: r.id, type: r.type, at: r.at, payload: codec.readJson(r.payload) }),
  values: (e, codec) => [e.id, e.type, e.at, codec.writeJson(e.payload)],
};

/** A delivery joined with its event's type (`event_type`). */
export const deliveryFrom = (r: Row): WebhookDeliveryRecord => ({
  id: r.id,
  eventId: r.event_id,
  eventType: r.event_type,
  subscriptionId: r.subscription_id,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  lastStatus: r.last_status,
  deliveredAt: r.delivered_at,
  createdAt: r.created_at,
});

export const DELIVERY_SELECT = `SELECT d.*, e.type AS event_type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id`;

/** A claimed delivery joined with its event (`e_*`) and subscription (`s_*`) columns. */
export const CLAIMED_COLUMNS = `d.id, d.claim, d.attempts, e.id AS e_id, e.type AS e_type, e.at AS e_at, e.payload AS e_payload,
  s.id AS s_id, s.url AS s_url, s.format AS s_format, s.sealed_secret AS s_sealed_secret`;

export const claimedFrom = (r: Row, codec: ColumnCodec) => ({
  id: r.id as string,
  claim: r.claim as string,
  attempts: r.attempts as number,
  event: { id: r.e_id, type: r.e_type, at: r.e_at, payload: codec.readJson(r.e_payload) } as WebhookEventRecord,
  subscription: { id: r.s_id as string, url: r.s_url as string, format: r.s_format as string, sealedSecret: r.s_sealed_secret as string },
});
