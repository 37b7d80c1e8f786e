/**
 * How an event is written for a subscription's `format`, and the kind of secret it is signed
 * with: `standard` (Standard Webhooks: `{type, timestamp, data}`, signed per signing.ts) and
 * `authsignal` (authsignal-signing.ts), delivered from the same outbox.
 */
import type { WebhookEventRecord } from '../store/store.js';
import { newWebhookSecret, signatureHeaders } from './signing.js';
import { AUTHSIGNAL_SIGNATURE_HEADER, authsignalEventBody, authsignalSignatureHeader, newAuthsignalWebhookSecret } from './authsignal-signing.js';

export interface PayloadFormat {
  /** A new signing secret for a subscription in this format (answered once, stored sealed). */
  newSecret(): string;
  /** The request body and headers of one attempt at `at`. */
  render(event: WebhookEventRecord, secret: string, at: Date): { body: string; headers: Record<string, string> };
}

export const PAYLOAD_FORMATS: Record<string, PayloadFormat> = {
  standard: {
    newSecret: newWebhookSecret,
    render(event, secret, at) {
      const body = JSON.stringify({ type: event.type, timestamp: event.at, data: event.payload });
      return { body, headers: { 'content-type': 'application/json', ...signatureHeaders(secret, event.id, at, body) } };
    },
  },
  // Authsignal's envelope and x-signature-v2 (#22): what @authsignal/node's Webhook.constructEvent verifies.
  authsignal: {
    newSecret: newAuthsignalWebhookSecret,
    render(event, secret, at) {
      const body = authsignalEventBody(event);
      return { body, headers: { 'content-type': 'application/json', [AUTHSIGNAL_SIGNATURE_HEADER]: authsignalSignatureHeader(secret, at, body) } };
    },
  },
};
