/** The dev outbox: messages a channel without a provider would have sent. */
import type pg from 'pg';
import type { OutboxMessage, OutboxStore } from '../store.js';

import { outboxRow } from '../rows/outbox.js';
import { insertStatement } from '../rows/shape.js';
import { postgresCodec, type Row } from './codec.js';

const insertMessage = insertStatement(outboxRow, postgresCodec);

export class PostgresOutbox implements OutboxStore {
  constructor(private readonly pool: pg.Pool) {}

  async add(m: OutboxMessage): Promise<void> {
    await this.pool.query(insertMessage, outboxRow.values(m, postgresCodec));
  }

  async list(filter: { sessionId?: string; to?: string; limit: number }): Promise<OutboxMessage[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.sessionId) {
      params.push(filter.sessionId);
      where.push(`session_id = $${params.length}`);
    }
    if (filter.to) {
      params.push(filter.to);
      where.push(`recipient = $${params.length}`);
    }
    params.push(filter.limit);
    // Newest first; seq (insertion order) breaks ties within a millisecond, as SQLite's rowid does.
    const sql = `SELECT * FROM outbox ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, seq DESC LIMIT $${params.length}`;
    return (await this.pool.query(sql, params)).rows.map((r: Row) => outboxRow.fromRow(r, postgresCodec));
  }
}
