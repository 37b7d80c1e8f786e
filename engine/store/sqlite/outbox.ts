/** The dev outbox: messages a channel without a provider would have sent. */
import type Database from 'better-sqlite3';
import type { OutboxMessage, OutboxStore } from '../store.js';
import { outboxRow } from '../rows/outbox.js';
import { insertStatement } from '../rows/shape.js';
import { sqliteCodec, type Row } from './codec.js';

const insertMessage = insertStatement(outboxRow, sqliteCodec);

export class SqliteOutbox implements OutboxStore {
  constructor(private readonly db: Database.Database) {}

  async add(m: OutboxMessage): Promise<void> {
    this.db.prepare(insertMessage).run(...outboxRow.values(m, sqliteCodec));
  }

  async list(filter: { sessionId?: string; to?: string; limit: number }): Promise<OutboxMessage[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.sessionId) {
      where.push('session_id = ?');
      params.push(filter.sessionId);
    }
    if (filter.to) {
      where.push('recipient = ?');
      params.push(filter.to);
    }
    const sql = `SELECT * FROM outbox ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, filter.limit) as Row[]).map((r) => outboxRow.fromRow(r, sqliteCodec));
  }
}
