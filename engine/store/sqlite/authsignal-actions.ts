/** Authsignal actions in SQLite: each guard (review, validate once, claim once) is one statement. */
import type Database from 'better-sqlite3';
import type { AuthsignalActionFilter, AuthsignalActionRecord, AuthsignalActionStore, ChangeRecords } from '../store.js';
import { writeChangeRecords } from './change-records.js';
import { authsignalActionRow } from '../rows/authsignal.js';
import { insertStatement } from '../rows/shape.js';
import { sqliteCodec, type Row } from './codec.js';

const insertAction = insertStatement(authsignalActionRow, sqliteCodec);
const toAction = (r: Row): AuthsignalActionRecord => authsignalActionRow.fromRow(r, sqliteCodec);

export class SqliteAuthsignalActions implements AuthsignalActionStore {
  constructor(private readonly db: Database.Database) {}

  async create(record: AuthsignalActionRecord): Promise<void> {
    this.db.prepare(insertAction).run(...authsignalActionRow.values(record, sqliteCodec));
  }

  async get(id: string): Promise<AuthsignalActionRecord | null> {
    const r = this.db.prepare('SELECT * FROM authsignal_actions WHERE id = ?').get(id) as Row | undefined;
    return r ? toAction(r) : null;
  }

  async listByUser(userId: string, filter: AuthsignalActionFilter): Promise<AuthsignalActionRecord[]> {
    const where = ['user_id = ?'];
    const params: unknown[] = [userId];
    if (filter.fromDate !== undefined) {
      where.push('created_at >= ?');
      params.push(filter.fromDate);
    }
    if (filter.actions?.length) {
      where.push(`action IN (${sqliteCodec.placeholders(filter.actions.length)})`);
      params.push(...filter.actions);
    }
    if (filter.state !== undefined) {
      where.push('state = ?');
      params.push(filter.state);
    }
    const rows = this.db.prepare(`SELECT * FROM authsignal_actions WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id LIMIT ?`).all(...params, filter.limit) as Row[];
    return rows.map(toAction);
  }

  async observe(id: string, state: string, verificationMethod: string | null, at: string): Promise<void> {
    this.db
      .prepare('UPDATE authsignal_actions SET state = ?, verification_method = ?, state_updated_at = ? WHERE id = ? AND reviewed_at IS NULL AND (state <> ? OR verification_method IS NOT ?)')
      .run(state, verificationMethod, at, id, state, verificationMethod);
  }

  async review(id: string, expected: string, state: string, at: string, records?: ChangeRecords): Promise<boolean> {
    return this.db.transaction(() => {
      const changed = this.db
        .prepare('UPDATE authsignal_actions SET state = ?, state_updated_at = ?, reviewed_at = ? WHERE id = ? AND state = ? AND reviewed_at IS NULL AND validated_at IS NULL')
        .run(state, at, at, id, expected).changes;
      if (changed !== 1) return false;
      writeChangeRecords(this.db, records);
      return true;
    }).immediate();
  }

  async markValidated(id: string, at: string): Promise<boolean> {
    return this.db.prepare('UPDATE authsignal_actions SET validated_at = ? WHERE id = ? AND validated_at IS NULL').run(at, id).changes === 1;
  }

  async claim(id: string, userId: string, at: string): Promise<boolean> {
    return this.db.prepare('UPDATE authsignal_actions SET user_id = ?, claimed_at = ? WHERE id = ? AND user_id IS NULL').run(userId, at, id).changes === 1;
  }
}
