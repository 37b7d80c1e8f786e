/**
 * Authsignal-format webhooks (#22): what @authsignal/node's `Webhook.constructEvent(body,
 * signature)` checks. The body is Authsignal's event envelope (`version`, `type`, `id`, `source`,
 * `time`, `tenantId`, `data`); the `x-signature-v2` header is `t=<unix seconds>,v2=<signature>`, the
 * signature being HMAC-SHA256 keyed with the secret (as text) over `${t}.${body}`, base64 without
 * its padding. The receiver holds the secret answered when the subscription was created.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { WebhookEventRecord } from '../store/store.js';

export const AUTHSIGNAL_SIGNATURE_HEADER = 'x-signature-v2';
/** Where the events say they come from (Authsignal's `source`). */
const SOURCE = 'journey-engine';

/** A new signing secret for an Authsignal-format subscription: 32 random bytes, URL-safe text. */
export function newAuthsignalWebhookSecret(): string {
  return `aswh_${randomBytes(32).toString('base64url')}`;
}

export function authsignalEventBody(event: WebhookEventRecord): string {
  return JSON.stringify({ version: 1, type: event.type, id: event.id, source: SOURCE, time: event.at, tenantId: SOURCE, data: event.payload });
}

export function authsignalSignatureHeader(secret: string, at: Date, body: string): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('base64').replace(/=+$/, '');
  return `t=${timestamp},v2=${signature}`;
}
