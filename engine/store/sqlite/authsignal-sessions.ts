/** Authsignal app sessions in SQLite: rotation and revocation are single guarded statements. */
import type Database from 'better-sqlite3';
import type { AuthsignalSessionRecord, AuthsignalSessionStore } from '../store.js';
import { authsignalSessionRow } from '../rows/authsignal.js';
import { insertStatement } from '../rows/shape.js';
import { sqliteCodec, type Row } from './codec.js';

const insertSession = insertStatement(authsignalSessionRow, sqliteCodec);
const toSession = (r: Row): AuthsignalSessionRecord => authsignalSessionRow.fromRow(r, sqliteCodec);

export class SqliteAuthsignalSessions implements AuthsignalSessionStore {
  constructor(private readonly db: Database.Database) {}

  async create(record: AuthsignalSessionRecord): Promise<void> {
    this.db.prepare(insertSession).run(...authsignalSessionRow.values(record, sqliteCodec));
  }

  async get(id: string): Promise<AuthsignalSessionRecord | null> {
    const r = this.db.prepare('SELECT * FROM authsignal_sessions WHERE id = ?').get(id) as Row | undefined;
    return r ? toSession(r) : null;
  }

  async findByRefreshTokenHash(hash: string): Promise<AuthsignalSessionRecord | null> {
    const r = this.db.prepare('SELECT * FROM authsignal_sessions WHERE refresh_token_hash = ?').get(hash) as Row | undefined;
    return r ? toSession(r) : null;
  }

  async rotate(id: string, expectedHash: string, newHash: string, expiresAt: string, now: string): Promise<boolean> {
    return (
      this.db
        .prepare('UPDATE authsignal_sessions SET refresh_token_hash = ?, expires_at = ? WHERE id = ? AND refresh_token_hash = ? AND revoked_at IS NULL AND expires_at > ?')
        .run(newHash, expiresAt, id, expectedHash, now).changes === 1
    );
  }

  async revoke(id: string, at: string): Promise<boolean> {
    return this.db.prepare('UPDATE authsignal_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes === 1;
  }

  async revokeByUser(userId: string, at: string): Promise<number> {
    return this.db.prepare('UPDATE authsignal_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(at, userId).changes;
  }
}
