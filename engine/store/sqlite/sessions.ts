/**
 * Sessions and their timelines. claim/save/release are single UPDATEs whose WHERE compares the
 * revision (and the lease); SQLite has one writer at a time, so exactly one of racing claims wins.
 */
import type Database from 'better-sqlite3';
import type { ChangeRecords, SessionFilter, SessionRecord, SessionStore, SessionUpdate, TimelineEvent, TimelineStore } from '../store.js';
import { sessionRow, timelineRunFrom } from '../rows/sessions.js';
import { insertStatement } from '../rows/shape.js';
import { writeChangeRecords } from './change-records.js';
import { json, sqliteCodec, type Row } from './codec.js';
import { claimSession } from './lease.js';

const insertSession = insertStatement(sessionRow, sqliteCodec);
const toSession = (r: Row): SessionRecord => sessionRow.fromRow(r, sqliteCodec);

export class SqliteSessions implements SessionStore {
  constructor(private readonly db: Database.Database) {}

  async create(s: SessionRecord, events: TimelineEvent[] = [], records?: ChangeRecords): Promise<void> {
    this.db.transaction(() => {
      const row = this.insert(s);
      if (events.length > 0) this.db.prepare('INSERT INTO timeline_runs (session_row, run, events) VALUES (?, 0, ?)').run(row, json(events));
      writeChangeRecords(this.db, records);
    })();
  }

  /** The new session's row id (`row_id` is an INTEGER PRIMARY KEY: SQLite's rowid). */
  private insert(s: SessionRecord): number {
    return Number(this.db.prepare(insertSession).run(...sessionRow.values(s, sqliteCodec)).lastInsertRowid);
  }

  async get(id: string): Promise<SessionRecord | null> {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return r ? toSession(r) : null;
  }

  async claim(id: string, expectedRevision: number, leaseUntil: string, now: string): Promise<number | null> {
    return claimSession(this.db, { sessionId: id, expectedRevision, leaseUntil, now });
  }

  async save(id: string, claimedRevision: number, u: SessionUpdate, events: TimelineEvent[] = [], records?: ChangeRecords, unclaimedAt?: string): Promise<boolean> {
    return this.db.transaction(() => {
      // A run that took no lease takes it here: no other run's lease may be live (issue #24).
      const row = this.db
        .prepare(
          `UPDATE sessions SET status = ?, step_id = ?, user_id = ?, snapshot = ?, updated_at = ?, revision = revision + 1,
             lease_until = NULL WHERE id = ? AND revision = ? AND (? IS NULL OR lease_until IS NULL OR lease_until < ?) RETURNING row_id`,
        )
        .pluck()
        .get(u.status, u.stepId, u.userId, json(u.snapshot), u.updatedAt, id, claimedRevision, unclaimedAt ?? null, unclaimedAt ?? null) as number | undefined;
      if (row === undefined) return false;
      appendRun(this.db, row, events);
      writeChangeRecords(this.db, records);
      return true;
    })();
  }

  async release(id: string, claimedRevision: number): Promise<void> {
    this.db
      .prepare('UPDATE sessions SET revision = revision + 1, lease_until = NULL WHERE id = ? AND revision = ?')
      .run(id, claimedRevision);
  }

  async renewLease(id: string, claimedRevision: number, leaseUntil: string): Promise<boolean> {
    return this.db.prepare('UPDATE sessions SET lease_until = ? WHERE id = ? AND revision = ? AND lease_until IS NOT NULL').run(leaseUntil, id, claimedRevision).changes === 1;
  }

  async list(filter: SessionFilter): Promise<SessionRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.journeyId) {
      where.push('journey_id = ?');
      params.push(filter.journeyId);
    }
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    const sql = `SELECT * FROM sessions ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id LIMIT ?`;
    return (this.db.prepare(sql).all(...params, filter.limit) as Row[]).map(toSession);
  }

  async deleteExpired(before: string): Promise<number> {
    return this.db.transaction(() => {
      const gone = this.db.prepare('SELECT id, row_id FROM sessions WHERE expires_at < ?').all(before) as Array<{ id: string; row_id: number }>;
      const dropTimeline = this.db.prepare('DELETE FROM timeline_runs WHERE session_row = ?');
      const dropCounted = this.db.prepare('DELETE FROM funnel_counted_sessions WHERE session_id = ?');
      for (const session of gone) {
        dropTimeline.run(session.row_id);
        dropCounted.run(session.id);
      }
      return this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(before).changes;
    }).immediate();
  }
}

/**
 * A run's events as one row, numbered after the session's last run (the primary key's last entry
 * for the session: one index step). Callers hold the write lock, so numbers cannot collide.
 */
function appendRun(db: Database.Database, sessionRow: number, events: TimelineEvent[]): void {
  if (events.length === 0) return;
  db.prepare('INSERT INTO timeline_runs (session_row, run, events) SELECT ?, coalesce(max(run) + 1, 0), ? FROM timeline_runs WHERE session_row = ?').run(
    sessionRow,
    json(events),
    sessionRow,
  );
}

export class SqliteTimelines implements TimelineStore {
  constructor(private readonly db: Database.Database) {}

  /** Appends to an existing session's timeline (nothing is kept for an unknown session). */
  async append(sessionId: string, events: TimelineEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT row_id FROM sessions WHERE id = ?').pluck().get(sessionId) as number | undefined;
      if (row !== undefined) appendRun(this.db, row, events);
    }).immediate();
  }

  async list(sessionId: string): Promise<TimelineEvent[]> {
    const runs = this.db
      .prepare('SELECT t.events FROM sessions s JOIN timeline_runs t ON t.session_row = s.row_id WHERE s.id = ? ORDER BY t.run')
      .pluck()
      .all(sessionId) as string[];
    return runs.flatMap((text) => timelineRunFrom(text, sqliteCodec));
  }
}
