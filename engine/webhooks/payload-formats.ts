/**
 * How an event is written for a subscription's `format`. One format today, `standard` (Standard
 * Webhooks: `{type, timestamp, data}`, signed per signing.ts); another (say an Authsignal-style
 * body) is one more entry here, delivered from the same outbox.
 */
import type { WebhookEventRecord } from '../store/store.js';
import { signatureHeaders } from './signing.js';
import { AUTHSIGNAL_SIGNATURE_HEADER, authsignalEventBody, authsignalSignatureHeader } from './authsignal-signing.js';

export interface PayloadFormat {
  /** The request body and headers of one attempt at `at`. */
  render(event: WebhookEventRecord, secret: string, at: Date): { body: string; headers: Record<string, string> };
}

export const PAYLOAD_FORMATS: Record<string, PayloadFormat> = {
  standard: {
    render(event, secret, at) {
      const body = JSON.stringify({ type: event.type, timestamp: event.at, data: event.payload });
      return { body, headers: { 'content-type': 'application/json', ...signatureHeaders(secret, event.id, at, body) } };
    },
  },
  // Authsignal's envelope and x-signature-v2 (#22): what @authsignal/node's Webhook.constructEvent verifies.
  authsignal: {
    render(event, secret, at) {
      const body = authsignalEventBody(event);
      return { body, headers: { 'content-type': 'application/json', [AUTHSIGNAL_SIGNATURE_HEADER]: authsignalSignatureHeader(secret, at, body) } };
    },
  },
};
