/**
 * The audit writer: the one way an admin change describes itself. A route builds the entry with
 * `auditRecords(by, action, target, details)` and hands the answer (ChangeRecords) to the store
 * operation that makes the change, which writes it in the same transaction, and only when the
 * change happens (docs/architecture.md, "Adding things").
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../json.js';
import type { AuditEntry, ChangeRecords } from '../store/store.js';

/** Who makes a change and from where: the key's name (never the key) and the client address. */
export interface AuditActor {
  actor: string;
  clientAddress: string | null;
}

/** Audited actions (docs/observability.md). */
export type AuditAction =
  | 'journey.saved'
  | 'journey.published'
  | 'journey.restored'
  | 'journey.deleted'
  | 'user.deleted'
  | 'user.unlocked'
  | 'authenticator.deleted'
  | 'webhook.created'
  | 'webhook.deleted'
  | 'webhook.delivery_retried'
  // Open for actions added by other admin routes (e.g. OIDC clients): `<target>.<verb>`.
  | `${string}.${string}`;

export function auditEntry(by: AuditActor, action: AuditAction, target: { type: string; id: string }, details: JsonObject, at: Date): AuditEntry {
  return {
    id: randomUUID(),
    at: at.toISOString(),
    actor: by.actor,
    action,
    targetType: target.type,
    targetId: target.id,
    clientAddress: by.clientAddress,
    details,
  };
}

/** The ChangeRecords of one audited change (add `events` to raise webhook events with it). */
export function auditRecords(by: AuditActor, action: AuditAction, target: { type: string; id: string }, details: JsonObject, at: Date): ChangeRecords {
  return { audit: auditEntry(by, action, target, details, at) };
}
