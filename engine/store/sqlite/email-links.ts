/** Single-use email links (email.link) in SQLite: every guard is one statement. */
import type Database from 'better-sqlite3';
import type { EmailLinkRecord, EmailLinkStore } from '../store.js';
import { emailLinkRow } from '../rows/email-links.js';
import { insertStatement } from '../rows/shape.js';
import { sqliteCodec, type Row } from './codec.js';

const insertLink = insertStatement(emailLinkRow, sqliteCodec);
const toLink = (r: Row): EmailLinkRecord => emailLinkRow.fromRow(r, sqliteCodec);

export class SqliteEmailLinks implements EmailLinkStore {
  constructor(private readonly db: Database.Database) {}

  async create(l: EmailLinkRecord): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM email_links WHERE session_id = ? AND step_id = ?').run(l.sessionId, l.stepId);
      this.db.prepare(insertLink).run(...emailLinkRow.values(l, sqliteCodec));
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
