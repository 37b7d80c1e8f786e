/**
 * Writes a change's ChangeRecords (store.ts) inside the transaction of the change: its audit
 * entry, its webhook events with one queued delivery per matching subscription, and its analytics
 * rollup increments. Every SQLite operation that takes ChangeRecords calls this inside its
 * `db.transaction`, after the change itself succeeded.
 */
import type Database from 'better-sqlite3';
import type { ChangeRecords } from '../store.js';
import { auditRow } from '../rows/audit.js';
import { funnelIncrements } from '../rows/funnel.js';
import { insertStatement } from '../rows/shape.js';
import { eventRow, subscriptionMatches } from '../rows/webhooks.js';
import { sqliteCodec } from './codec.js';
import { runGuards } from './guards.js';

const insertAudit = insertStatement(auditRow, sqliteCodec);
const insertEvent = insertStatement(eventRow, sqliteCodec);
const queueDeliveries = `INSERT INTO webhook_deliveries (id, event_id, subscription_id, status, attempts, next_attempt_at, created_at)
  SELECT ? || ':' || s.id, ?, s.id, 'pending', 0, ?, ? FROM webhook_subscriptions s WHERE ${subscriptionMatches('?')}`;
// One statement for all of a session's increments (a JSON array of rows); `WHERE true` lets
// SQLite read the ON CONFLICT of an INSERT … SELECT.
const addFunnel = `INSERT INTO journey_funnel (journey_id, journey_version, hour, step_id, metric, key, count)
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6 FROM json_each(?) WHERE true
  ON CONFLICT (journey_id, journey_version, hour, step_id, metric, key) DO UPDATE SET count = count + excluded.count`;

// AttemptStore.reset for several keys in one statement.
const resetAttempts = 'UPDATE credential_attempts SET failures = 0, locked_until = NULL WHERE key IN (SELECT value FROM json_each(?))';

/** Call inside a transaction. */
export function writeChangeRecords(db: Database.Database, records: ChangeRecords | undefined): void {
  if (!records) return;
  // First: a guard that fails rolls back the change before anything else is written.
  runGuards(db, records.guards);
  if (records.audit) db.prepare(insertAudit).run(...auditRow.values(records.audit, sqliteCodec));
  for (const event of records.events ?? []) {
    db.prepare(insertEvent).run(...eventRow.values(event, sqliteCodec));
    db.prepare(queueDeliveries).run(event.id, event.id, event.at, event.at, event.type);
  }
  // A session is counted once: a second ending (an expiry racing a late save) adds nothing.
  const counted =
    !records.funnel ||
    db.prepare('INSERT INTO funnel_counted_sessions (session_id, counted_at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(records.funnel.sessionId, records.funnel.countedAt).changes === 1;
  const increments = funnelIncrements(counted ? records : { started: records.started });
  if (increments.length) db.prepare(addFunnel).run(JSON.stringify(increments));
  if (records.attemptResets?.length) db.prepare(resetAttempts).run(JSON.stringify(records.attemptResets));
}
