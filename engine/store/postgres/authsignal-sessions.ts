/** Authsignal app sessions in PostgreSQL: rotation and revocation are single guarded statements. */
import type pg from 'pg';
import type { AuthsignalSessionRecord, AuthsignalSessionStore } from '../store.js';
import { authsignalSessionRow } from '../rows/authsignal.js';
import { insertStatement } from '../rows/shape.js';
import { postgresCodec, type Row } from './codec.js';

const insertSession = insertStatement(authsignalSessionRow, postgresCodec);
const toSession = (r: Row): AuthsignalSessionRecord => authsignalSessionRow.fromRow(r, postgresCodec);

export class PostgresAuthsignalSessions implements AuthsignalSessionStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(record: AuthsignalSessionRecord): Promise<void> {
    await this.pool.query(insertSession, authsignalSessionRow.values(record, postgresCodec));
  }

  async get(id: string): Promise<AuthsignalSessionRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM authsignal_sessions WHERE id = $1', [id]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async findByRefreshTokenHash(hash: string): Promise<AuthsignalSessionRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM authsignal_sessions WHERE refresh_token_hash = $1', [hash]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async rotate(id: string, expectedHash: string, newHash: string, expiresAt: string, now: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE authsignal_sessions SET refresh_token_hash = $1, expires_at = $2 WHERE id = $3 AND refresh_token_hash = $4 AND revoked_at IS NULL AND expires_at > $5',
      [newHash, expiresAt, id, expectedHash, now],
    );
    return rowCount === 1;
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE authsignal_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
    return rowCount === 1;
  }

  async revokeByUser(userId: string, at: string): Promise<number> {
    const { rowCount } = await this.pool.query('UPDATE authsignal_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL', [at, userId]);
    return rowCount ?? 0;
  }
}
