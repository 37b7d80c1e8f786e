/**
 * Sessions and their timelines. claim/save/release are single UPDATEs whose WHERE compares the
 * revision (and the lease): under READ COMMITTED a concurrent UPDATE of the same row waits, then
 * re-checks the WHERE against the row as committed, so exactly one of racing claims wins.
 */
import type pg from 'pg';
import type { ChangeRecords, SessionFunnel, WebhookEventRecord, SessionFilter, SessionRecord, SessionStore, SessionUpdate, StoreGuard, TimelineEvent, TimelineStore } from '../store.js';

import { sessionRow, timelineRunFrom } from '../rows/sessions.js';
import { insertStatement } from '../rows/shape.js';
import { funnelColumns, hasRecords, writeChangeRecords } from './change-records.js';
import { funnelIncrements, hourOf } from '../rows/funnel.js';
import { subscriptionMatches } from '../rows/webhooks.js';
import { json, postgresCodec, type Row } from './codec.js';
import { inTransaction, type Queryable } from './pool.js';
import { guardCtes, refuseFailedGuard, type GuardCtes } from './guards.js';
import { claimedCte, leaseClaimParams } from './lease.js';

const toSession = (r: Row): SessionRecord => sessionRow.fromRow(r, postgresCodec);

/**
 * Appends parameter $n (a run's events as one JSON array, or null for none) as one row to the
 * timeline of the session in CTE `source` (its `row_id`), numbered after the session's last run.
 * The session row is locked by the statement that made `source` (an INSERT or the UPDATE of a won
 * claim), so two runs of one session cannot take the same number.
 */
function insertRunFrom(source: string, n: number): string {
  return `INSERT INTO timeline_runs (session_row, run, events)
          SELECT ${source}.row_id, coalesce((SELECT max(run) + 1 FROM timeline_runs WHERE session_row = ${source}.row_id), 0), $${n}::json
            FROM ${source} WHERE $${n}::json IS NOT NULL`;
}

/** The run's lockout resets (parameter $n, a text array) as a CTE of a save: only when it won (CTE `updated`). */
function resetAttemptsIfSaved(n: number): string {
  return `resets AS (
         UPDATE credential_attempts SET failures = 0, locked_until = NULL
          WHERE key = ANY($${n}::text[]) AND EXISTS (SELECT 1 FROM updated))`;
}

/**
 * The save's compare-and-set over $1…$7 and $n: the outcome in $1…$5, the session and the revision
 * in $6, $7; $n is the save's time when the run took no lease (issue #24): then no other run's
 * lease may be live either.
 */
const updateSession = (n: number, required = ''): string => `
  UPDATE sessions SET status = $1, step_id = $2, user_id = $3, snapshot = $4, updated_at = $5, revision = revision + 1, lease_until = NULL
   WHERE id = $6 AND revision = $7 AND ($${n}::text IS NULL OR lease_until IS NULL OR lease_until < $${n}::text)${required} RETURNING id, row_id`;

/** The guards' CTEs placed around a save's: checks first, writes after `updated` (guards.ts). */
const withChecks = (g: GuardCtes): string => g.checks.map((check) => `${check},\n`).join('');
const withWrites = (g: GuardCtes): string => g.writes.map((write) => `,\n${write}`).join('');

/** The session and revision a save compares (and its time, when it takes the lease itself). */
interface SaveCas {
  id: string;
  revision: number;
  unclaimedAt: string | null;
}

/** A run's events as the parameter of insertRunFrom. */
const runEvents = (events: TimelineEvent[]): string | null => (events.length === 0 ? null : json(events));

const insertSession = insertStatement(sessionRow, postgresCodec);

export class PostgresSessions implements SessionStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(s: SessionRecord, events: TimelineEvent[] = [], records?: ChangeRecords): Promise<void> {
    const { started, ...others } = records ?? {};
    if (started && !hasRecords(others)) {
      // The common start (counted in its journey's analytics, nothing else): still one statement.
      const n = sessionRow.columns.length;
      await this.pool.query(
        `WITH created AS (
           ${insertSession} RETURNING id, row_id),
         events AS (${insertRunFrom('created', n + 1)}),
         counted AS (
           INSERT INTO journey_funnel AS f (journey_id, journey_version, hour, step_id, metric, key, count)
           SELECT $${n + 2}, $${n + 3}::int, $${n + 4}, '', 'started', '', 1 FROM created
           ON CONFLICT (journey_id, journey_version, hour, step_id, metric, key) DO UPDATE SET count = f.count + 1)
         SELECT 1`,
        [...sessionRow.values(s, postgresCodec), runEvents(events), started.journeyId, started.journeyVersion, hourOf(started.startedAt)],
      );
      return;
    }
    if (hasRecords(records)) {
      await inTransaction(this.pool, async (client) => {
        await this.createOn(client, s, events);
        await writeChangeRecords(client, records);
      });
      return;
    }
    await this.createOn(this.pool, s, events);
  }

  private async createOn(db: Queryable, s: SessionRecord, events: TimelineEvent[]): Promise<void> {
    // One statement: the session and its first events are written together or not at all.
    await db.query(
      `WITH created AS (
         ${insertSession} RETURNING id, row_id)
       ${insertRunFrom('created', sessionRow.columns.length + 1)}`,
      [...sessionRow.values(s, postgresCodec), runEvents(events)],
    );
  }

  async get(id: string): Promise<SessionRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM sessions WHERE id = $1', [id]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async claim(id: string, expectedRevision: number, leaseUntil: string, now: string): Promise<number | null> {
    const { rows } = await this.pool.query(`WITH ${claimedCte(1)} SELECT revision FROM claimed`, leaseClaimParams({ sessionId: id, expectedRevision, leaseUntil, now }));
    return rows[0] ? (rows[0].revision as number) : null;
  }

  async save(
    id: string,
    claimedRevision: number,
    u: SessionUpdate,
    events: TimelineEvent[] = [],
    records?: ChangeRecords,
    unclaimedAt?: string,
  ): Promise<boolean> {
    const { events: raised = [], funnel, attemptResets = [], guards = [], ...others } = records ?? {};
    const cas = { id, revision: claimedRevision, unclaimedAt: unclaimedAt ?? null };
    // One statement, guards included (guards.ts); GuardFailed when one of them found its row taken.
    const saveOnce = async (db: Queryable): Promise<boolean> => {
      const { saved, found } =
        raised.length || funnel ? await this.saveEnding(db, cas, u, events, raised, funnel, attemptResets, guards) : await this.saveOn(db, cas, u, events, attemptResets, guards);
      refuseFailedGuard(guards, found);
      return saved;
    };
    if (!hasRecords(others)) return saveOnce(this.pool);
    // Records the statement does not carry (an audit entry) join it in a transaction.
    return inTransaction(this.pool, async (client) => {
      if (!(await saveOnce(client))) return false;
      await writeChangeRecords(client, others);
      return true;
    });
  }

  /**
   * A final save as one statement: the session, its timeline events, its webhook events with their
   * deliveries, and its funnel (counted once: the increments are added only when this statement
   * marks the session counted), all written only when the compare-and-set on the revision wins.
   */
  private async saveEnding(
    db: Queryable,
    cas: SaveCas,
    u: SessionUpdate,
    events: TimelineEvent[],
    raised: WebhookEventRecord[],
    funnel: SessionFunnel | undefined,
    attemptResets: string[],
    guards: StoreGuard[] = [],
  ): Promise<{ saved: boolean; found: number[] }> {
    const columns = funnelColumns(funnelIncrements({ funnel }));
    const g = guardCtes(guards, 23);
    const { rows } = await db.query(
      `WITH ${withChecks(g)}updated AS (${updateSession(22, g.required)}),
       events AS (${insertRunFrom('updated', 8)} RETURNING 1),
       raised AS (
         INSERT INTO webhook_events (id, type, at, payload)
         SELECT e.id, e.type, e.at, e.payload FROM updated CROSS JOIN unnest($9::text[], $10::text[], $11::text[], $12::json[]) AS e(id, type, at, payload)
         RETURNING id, type, at),
       deliveries AS (
         INSERT INTO webhook_deliveries (id, event_id, subscription_id, status, attempts, next_attempt_at, created_at)
         SELECT r.id || ':' || s.id, r.id, s.id, 'pending', 0, r.at, r.at FROM raised r JOIN webhook_subscriptions s ON ${subscriptionMatches('r.type')}),
       counted AS (
         INSERT INTO funnel_counted_sessions (session_id, counted_at) SELECT id, $13 FROM updated WHERE $13::text IS NOT NULL
         ON CONFLICT DO NOTHING RETURNING 1),
       figures AS (
         INSERT INTO journey_funnel AS f (journey_id, journey_version, hour, step_id, metric, key, count)
         SELECT * FROM unnest($14::text[], $15::int[], $16::text[], $17::text[], $18::text[], $19::text[], $20::int[])
          WHERE EXISTS (SELECT 1 FROM counted) ORDER BY 1, 2, 3, 4, 5, 6
         ON CONFLICT (journey_id, journey_version, hour, step_id, metric, key) DO UPDATE SET count = f.count + excluded.count),
       ${resetAttemptsIfSaved(21)}${withWrites(g)}
       SELECT count(*)::int AS saved, ${g.found} AS found FROM updated`,
      [
        u.status,
        u.stepId,
        u.userId,
        json(u.snapshot),
        u.updatedAt,
        cas.id,
        cas.revision,
        runEvents(events),
        raised.map((e) => e.id),
        raised.map((e) => e.type),
        raised.map((e) => e.at),
        raised.map((e) => json(e.payload)),
        funnel?.countedAt ?? null,
        ...columns,
        attemptResets,
        cas.unclaimedAt,
        ...g.params,
      ],
    );
    return { saved: rows[0].saved === 1, found: rows[0].found };
  }

  private async saveOn(
    db: Queryable,
    cas: SaveCas,
    u: SessionUpdate,
    events: TimelineEvent[],
    attemptResets: string[] = [],
    guards: StoreGuard[] = [],
  ): Promise<{ saved: boolean; found: number[] }> {
    // One statement: the events, the run's lockout resets and its guards are written only when the compare-and-set on the revision wins.
    const g = guardCtes(guards, 11);
    const { rows } = await db.query(
      `WITH ${withChecks(g)}updated AS (${updateSession(10, g.required)}),
       events AS (${insertRunFrom('updated', 8)} RETURNING 1),
       ${resetAttemptsIfSaved(9)}${withWrites(g)}
       SELECT count(*)::int AS saved, ${g.found} AS found FROM updated`,
      [u.status, u.stepId, u.userId, json(u.snapshot), u.updatedAt, cas.id, cas.revision, runEvents(events), attemptResets, cas.unclaimedAt, ...g.params],
    );
    return { saved: rows[0].saved === 1, found: rows[0].found };
  }

  async release(id: string, claimedRevision: number): Promise<void> {
    await this.pool.query('UPDATE sessions SET revision = revision + 1, lease_until = NULL WHERE id = $1 AND revision = $2', [id, claimedRevision]);
  }

  async renewLease(id: string, claimedRevision: number, leaseUntil: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE sessions SET lease_until = $1 WHERE id = $2 AND revision = $3 AND lease_until IS NOT NULL', [leaseUntil, id, claimedRevision]);
    return rowCount === 1;
  }

  async list(filter: SessionFilter): Promise<SessionRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.journeyId) {
      params.push(filter.journeyId);
      where.push(`journey_id = $${params.length}`);
    }
    if (filter.status) {
      params.push(filter.status);
      where.push(`status = $${params.length}`);
    }
    params.push(filter.limit);
    const sql = `SELECT * FROM sessions ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id LIMIT $${params.length}`;
    return (await this.pool.query(sql, params)).rows.map(toSession);
  }

  async deleteExpired(before: string): Promise<number> {
    // One statement: the sessions and their timelines go together or not at all.
    const { rows } = await this.pool.query(
      `WITH gone AS (DELETE FROM sessions WHERE expires_at < $1 RETURNING id, row_id),
            events AS (DELETE FROM timeline_runs WHERE session_row IN (SELECT row_id FROM gone)),
            counted AS (DELETE FROM funnel_counted_sessions WHERE session_id IN (SELECT id FROM gone))
       SELECT count(*)::int AS removed FROM gone`,
      [before],
    );
    return rows[0].removed as number;
  }
}

export class PostgresTimelines implements TimelineStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Appends to an existing session's timeline (nothing is kept for an unknown session). */
  async append(sessionId: string, events: TimelineEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.pool.query(`WITH locked AS (SELECT row_id FROM sessions WHERE id = $1 FOR UPDATE) ${insertRunFrom('locked', 2)}`, [sessionId, runEvents(events)]);
  }

  async list(sessionId: string): Promise<TimelineEvent[]> {
    const { rows } = await this.pool.query(
      'SELECT t.events FROM sessions s JOIN timeline_runs t ON t.session_row = s.row_id WHERE s.id = $1 ORDER BY t.run',
      [sessionId],
    );
    return rows.flatMap((r: Row) => timelineRunFrom(r.events, postgresCodec));
  }
}
