/** Single-use email links (email.link) in SQLite: every guard is one statement. */
import type Database from 'better-sqlite3';
import type { EmailLinkRecord, EmailLinkStore } from '../store.js';
import type { Row } from './codec.js';

export class SqliteEmailLinks implements EmailLinkStore {
  constructor(private readonly db: Database.Database) {}

  async create(l: EmailLinkRecord): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM email_links WHERE session_id = ? AND step_id = ?').run(l.sessionId, l.stepId);
      this.db
        .prepare(
          `INSERT INTO email_links (id, token_hash, session_id, step_id, device_hash, code_hash, failures, created_at, expires_at, used_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(l.id, l.tokenHash, l.sessionId, l.stepId, l.deviceHash, l.codeHash, l.failures, l.createdAt, l.expiresAt, l.usedAt);
    }).immediate();
  }

  async get(id: string): Promise<EmailLinkRecord | null> {
    const r = this.db.prepare('SELECT * FROM email_links WHERE id = ?').get(id) as Row | undefined;
    return r ? toLink(r) : null;
  }

  async findByTokenHash(tokenHash: string): Promise<EmailLinkRecord | null> {
    const r = this.db.prepare('SELECT * FROM email_links WHERE token_hash = ?').get(tokenHash) as Row | undefined;
    return r ? toLink(r) : null;
  }

  async consume(id: string, now: string): Promise<boolean> {
    return this.db.prepare('UPDATE email_links SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?').run(now, id, now).changes === 1;
  }

  async recordFailure(id: string, maxFailures: number): Promise<number | null> {
    const failures = this.db
      .prepare('UPDATE email_links SET failures = failures + 1 WHERE id = ? AND used_at IS NULL AND failures < ? RETURNING failures')
      .pluck()
      .all(id, maxFailures)[0] as number | undefined;
    return failures ?? null;
  }

  async deleteExpired(before: string): Promise<number> {
    return this.db.prepare('DELETE FROM email_links WHERE expires_at < ?').run(before).changes;
  }
}

export const toLink = (r: Row): EmailLinkRecord => ({
  id: r.id,
  tokenHash: r.token_hash,
  sessionId: r.session_id,
  stepId: r.step_id,
  deviceHash: r.device_hash,
  codeHash: r.code_hash,
  failures: r.failures,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});
