/**
 * The events webhook subscribers receive, built here once: their types and payloads. A payload
 * names what happened and to whom (ids, types, statuses, error codes), never a secret, a token,
 * a session's result or a user's attributes.
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../json.js';
import type { WebhookEventRecord } from '../store/store.js';
import { WEBHOOK_EVENT_TYPE_NAMES } from '../http/contract/schemas.js';

/** The event types: the contract's list (what a subscription may name). */
export const WEBHOOK_EVENT_TYPES = WEBHOOK_EVENT_TYPE_NAMES;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A new event; its id is the Standard Webhooks `webhook-id` every delivery attempt repeats. */
export function webhookEvent(type: WebhookEventType, data: JsonObject, at: Date): WebhookEventRecord {
  return { id: `msg_${randomUUID().replaceAll('-', '')}`, type, at: at.toISOString(), payload: data };
}

export function sessionEnded(
  session: { id: string; journeyId: string; journeyVersion: number | null; userId: string | null },
  status: 'completed' | 'rejected' | 'failed',
  error: { code: string } | null,
  at: Date,
): WebhookEventRecord {
  return webhookEvent(
    `session.${status}`,
    {
      sessionId: session.id,
      journeyId: session.journeyId,
      journeyVersion: session.journeyVersion,
      userId: session.userId,
      status,
      ...(error ? { errorCode: error.code } : {}),
    },
    at,
  );
}

export function authenticatorAdded(a: { id: string; userId: string; type: string }, at: Date): WebhookEventRecord {
  return webhookEvent('authenticator.added', { userId: a.userId, authenticatorId: a.id, authenticatorType: a.type }, at);
}

export function authenticatorRemoved(a: { id: string; userId: string; type: string }, by: string, at: Date): WebhookEventRecord {
  return webhookEvent('authenticator.removed', { userId: a.userId, authenticatorId: a.id, authenticatorType: a.type, removedBy: by }, at);
}

export function userLocked(lock: { userId: string; kind: string; lockedUntil: string }, at: Date): WebhookEventRecord {
  return webhookEvent('user.locked', { userId: lock.userId, credential: lock.kind, lockedUntil: lock.lockedUntil }, at);
}

export function journeyPublished(v: { journeyId: string; version: number; documentHash: string }, by: string, at: Date): WebhookEventRecord {
  return webhookEvent('journey.published', { journeyId: v.journeyId, version: v.version, documentHash: v.documentHash, publishedBy: by }, at);
}
