/**
 * Writes a change's ChangeRecords (store.ts) inside the transaction of the change: its audit
 * entry, its webhook events with one queued delivery per matching subscription, and its analytics
 * rollup increments. Every PostgreSQL operation that takes ChangeRecords calls this on the
 * transaction's client, after the change itself succeeded.
 */
import type { ChangeRecords } from '../store.js';
import { auditRow } from '../rows/audit.js';
import { funnelIncrements, type FunnelIncrement } from '../rows/funnel.js';
import { insertStatement } from '../rows/shape.js';
import { eventRow, subscriptionMatches } from '../rows/webhooks.js';
import { postgresCodec } from './codec.js';
import type { Queryable } from './pool.js';
import { runGuards } from './guards.js';

const insertAudit = insertStatement(auditRow, postgresCodec);
const insertEvent = insertStatement(eventRow, postgresCodec);
const queueDeliveries = `INSERT INTO webhook_deliveries (id, event_id, subscription_id, status, attempts, next_attempt_at, created_at)
  SELECT $1 || ':' || s.id, $1, s.id, 'pending', 0, $2, $2 FROM webhook_subscriptions s WHERE ${subscriptionMatches('$3::text')}`;
// One statement for all of a session's increments, in a fixed order (the primary key's), so
// concurrent sessions of one journey lock the shared rows in the same order and never deadlock.
const addFunnel = `INSERT INTO journey_funnel AS f (journey_id, journey_version, hour, step_id, metric, key, count)
  SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (journey_id, journey_version, hour, step_id, metric, key) DO UPDATE SET count = f.count + excluded.count`;

// AttemptStore.reset for several keys in one statement.
const resetAttempts = 'UPDATE credential_attempts SET failures = 0, locked_until = NULL WHERE key = ANY($1::text[])';

/** Call on the client of an open transaction (a pool only when the records are a single statement's). */
export async function writeChangeRecords(client: Queryable, records: ChangeRecords | undefined): Promise<void> {
  if (!records) return;
  // First: a guard that fails rolls back the change before anything else is written.
  await runGuards(client, records.guards);
  if (records.audit) await client.query(insertAudit, auditRow.values(records.audit, postgresCodec));
  for (const event of records.events ?? []) {
    await client.query(insertEvent, eventRow.values(event, postgresCodec));
    await client.query(queueDeliveries, [event.id, event.at, event.type]);
  }
  // A session is counted once: a second ending (an expiry racing a late save) adds nothing.
  const counted =
    !records.funnel ||
    (await client.query('INSERT INTO funnel_counted_sessions (session_id, counted_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [records.funnel.sessionId, records.funnel.countedAt]))
      .rowCount === 1;
  const increments = funnelIncrements(counted ? records : { started: records.started });
  if (increments.length) await client.query(addFunnel, funnelColumns(increments));
  if (records.attemptResets?.length) await client.query(resetAttempts, [records.attemptResets]);
}

/** Funnel increments as the seven column arrays `unnest` takes. */
export const funnelColumns = (increments: FunnelIncrement[]): unknown[][] =>
  [0, 1, 2, 3, 4, 5, 6].map((i) => increments.map((row) => row[i]));

/** True when there is something to write (a plain single-statement path can be kept otherwise). */
export const hasRecords = (records: ChangeRecords | undefined): records is ChangeRecords =>
  !!records && !!(records.audit || records.events?.length || records.started || records.funnel || records.attemptResets?.length || records.guards?.length);
