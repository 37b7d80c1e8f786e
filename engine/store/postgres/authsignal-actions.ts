/** Authsignal actions in PostgreSQL: each guard (review, validate once, claim once) is one statement, atomic across processes. */
import type pg from 'pg';
import type { AuthsignalActionFilter, AuthsignalActionRecord, AuthsignalActionStore, ChangeRecords } from '../store.js';
import { writeChangeRecords } from './change-records.js';
import { inTransaction } from './pool.js';
import { authsignalActionRow } from '../rows/authsignal.js';
import { insertStatement } from '../rows/shape.js';
import { postgresCodec, type Row } from './codec.js';

const insertAction = insertStatement(authsignalActionRow, postgresCodec);
const toAction = (r: Row): AuthsignalActionRecord => authsignalActionRow.fromRow(r, postgresCodec);

export class PostgresAuthsignalActions implements AuthsignalActionStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(record: AuthsignalActionRecord): Promise<void> {
    await this.pool.query(insertAction, authsignalActionRow.values(record, postgresCodec));
  }

  async get(id: string): Promise<AuthsignalActionRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM authsignal_actions WHERE id = $1', [id]);
    return rows[0] ? toAction(rows[0]) : null;
  }

  async listByUser(userId: string, filter: AuthsignalActionFilter): Promise<AuthsignalActionRecord[]> {
    const where = ['user_id = $1'];
    const params: unknown[] = [userId];
    if (filter.fromDate !== undefined) {
      params.push(filter.fromDate);
      where.push(`created_at >= $${params.length}`);
    }
    if (filter.actions?.length) {
      params.push(filter.actions);
      where.push(`action = ANY($${params.length}::text[])`);
    }
    if (filter.state !== undefined) {
      params.push(filter.state);
      where.push(`state = $${params.length}`);
    }
    params.push(filter.limit);
    const { rows } = await this.pool.query(`SELECT * FROM authsignal_actions WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id LIMIT $${params.length}`, params);
    return rows.map(toAction);
  }

  async observe(id: string, state: string, verificationMethod: string | null, at: string): Promise<void> {
    await this.pool.query(
      'UPDATE authsignal_actions SET state = $1, verification_method = $2, state_updated_at = $3 WHERE id = $4 AND reviewed_at IS NULL AND (state <> $1 OR verification_method IS DISTINCT FROM $2)',
      [state, verificationMethod, at, id],
    );
  }

  async review(id: string, expected: string, state: string, at: string, records?: ChangeRecords): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        'UPDATE authsignal_actions SET state = $1, state_updated_at = $2, reviewed_at = $2 WHERE id = $3 AND state = $4 AND reviewed_at IS NULL AND validated_at IS NULL',
        [state, at, id, expected],
      );
      if (rowCount !== 1) return false;
      await writeChangeRecords(client, records);
      return true;
    });
  }

  async markValidated(id: string, at: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE authsignal_actions SET validated_at = $1 WHERE id = $2 AND validated_at IS NULL', [at, id]);
    return rowCount === 1;
  }

  async claim(id: string, userId: string, at: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE authsignal_actions SET user_id = $1, claimed_at = $2 WHERE id = $3 AND user_id IS NULL', [userId, at, id]);
    return rowCount === 1;
  }
}
