/** The dev outbox: messages a channel without a provider would have sent. */
import type Database from 'better-sqlite3';
import type { OutboxMessage, OutboxStore } from '../store.js';
import type { Row } from './codec.js';

export class SqliteOutbox implements OutboxStore {
  constructor(private readonly db: Database.Database) {}

  async add(m: OutboxMessage): Promise<void> {
    this.db
      .prepare('INSERT INTO outbox (id, channel, recipient, body, session_id, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(m.id, m.channel, m.to, m.body, m.sessionId, m.createdAt);
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
    return (this.db.prepare(sql).all(...params, filter.limit) as Row[]).map((r) => ({
      id: r.id,
      channel: r.channel,
      to: r.recipient,
      body: r.body,
      sessionId: r.session_id,
      createdAt: r.created_at,
    }));
  }
}
