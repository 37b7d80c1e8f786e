/**
 * Sessions and their timelines. claim/save/release are single UPDATEs whose WHERE compares the
 * revision (and the lease); SQLite has one writer at a time, so exactly one of racing claims wins.
 */
import type Database from 'better-sqlite3';
import type { ChangeRecords, SessionFilter, SessionRecord, SessionStore, SessionUpdate, TimelineEvent, TimelineStore } from '../store.js';
import { sessionRow, timelineEventFrom } from '../rows/sessions.js';
import { insertStatement } from '../rows/shape.js';
import { writeChangeRecords } from './change-records.js';
import { json, sqliteCodec, type Row } from './codec.js';

const insertSession = insertStatement(sessionRow, sqliteCodec);
const toSession = (r: Row): SessionRecord => sessionRow.fromRow(r, sqliteCodec);

export class SqliteSessions implements SessionStore {
  constructor(private readonly db: Database.Database) {}

  async create(s: SessionRecord, events: TimelineEvent[] = [], records?: ChangeRecords): Promise<void> {
    this.db.transaction(() => {
      this.insert(s);
      appendEvents(this.db, s.id, events);
      writeChangeRecords(this.db, records);
    })();
  }

  private insert(s: SessionRecord): void {
    this.db.prepare(insertSession).run(...sessionRow.values(s, sqliteCodec));
  }

  async get(id: string): Promise<SessionRecord | null> {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return r ? toSession(r) : null;
  }

  async claim(id: string, expectedRevision: number, leaseUntil: string, now: string): Promise<number | null> {
    const revision = this.db
      .prepare(
        `UPDATE sessions SET revision = revision + 1, lease_until = ?
          WHERE id = ? AND revision = ? AND (lease_until IS NULL OR lease_until < ?) RETURNING revision`,
      )
      .pluck()
      .all(leaseUntil, id, expectedRevision, now)[0] as number | undefined;
    return revision ?? null;
  }

  async save(id: string, claimedRevision: number, u: SessionUpdate, events: TimelineEvent[] = [], records?: ChangeRecords): Promise<boolean> {
    return this.db.transaction(() => {
      const result = this.db
        .prepare(
          `UPDATE sessions SET status = ?, step_id = ?, user_id = ?, snapshot = ?, updated_at = ?, revision = revision + 1,
             lease_until = NULL WHERE id = ? AND revision = ?`,
        )
        .run(u.status, u.stepId, u.userId, json(u.snapshot), u.updatedAt, id, claimedRevision);
      if (result.changes !== 1) return false;
      appendEvents(this.db, id, events);
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
      const ids = this.db.prepare('SELECT id FROM sessions WHERE expires_at < ?').pluck().all(before) as string[];
      const dropTimeline = this.db.prepare('DELETE FROM timeline_events WHERE session_id = ?');
      const dropCounted = this.db.prepare('DELETE FROM funnel_counted_sessions WHERE session_id = ?');
      for (const id of ids) {
        dropTimeline.run(id);
        dropCounted.run(id);
      }
      return this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(before).changes;
    }).immediate();
  }
}

/** One statement for a run's events: SQLite walks the JSON array in order, so `seq` keeps their order. */
function appendEvents(db: Database.Database, sessionId: string, events: TimelineEvent[]): void {
  if (events.length === 0) return;
  db.prepare('INSERT INTO timeline_events (session_id, event) SELECT ?, value FROM json_each(?) ORDER BY key').run(sessionId, json(events));
}

export class SqliteTimelines implements TimelineStore {
  constructor(private readonly db: Database.Database) {}

  async append(sessionId: string, events: TimelineEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.db.transaction(() => appendEvents(this.db, sessionId, events))();
  }

  async list(sessionId: string): Promise<TimelineEvent[]> {
    const rows = this.db.prepare('SELECT event FROM timeline_events WHERE session_id = ? ORDER BY seq').pluck().all(sessionId) as string[];
    return rows.map((text) => timelineEventFrom(text, sqliteCodec));
  }
}
