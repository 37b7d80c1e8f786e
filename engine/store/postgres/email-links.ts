/** Single-use email links (email.link) in PostgreSQL: every guard is one statement, atomic across processes. */
import type pg from 'pg';
import type { EmailLinkRecord, EmailLinkStore } from '../store.js';
import { emailLinkRow } from '../rows/email-links.js';
import { insertStatement } from '../rows/shape.js';
import { postgresCodec, type Row } from './codec.js';
import { inTransaction } from './pool.js';

const insertLink = insertStatement(emailLinkRow, postgresCodec);
const toLink = (r: Row): EmailLinkRecord => emailLinkRow.fromRow(r, postgresCodec);

export class PostgresEmailLinks implements EmailLinkStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(l: EmailLinkRecord): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM email_links WHERE session_id = $1 AND step_id = $2', [l.sessionId, l.stepId]);
      await client.query(insertLink, emailLinkRow.values(l, postgresCodec));
    });
  }

  async get(id: string): Promise<EmailLinkRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM email_links WHERE id = $1', [id]);
    return rows[0] ? toLink(rows[0]) : null;
  }

  async findByTokenHash(tokenHash: string): Promise<EmailLinkRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM email_links WHERE token_hash = $1', [tokenHash]);
    return rows[0] ? toLink(rows[0]) : null;
  }

  async consume(id: string, now: string): Promise<boolean> {
    // A racing update waits for the first to commit, then re-checks used_at: one wins.
    const { rowCount } = await this.pool.query('UPDATE email_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1', [now, id]);
    return rowCount === 1;
  }

  async recordFailure(id: string, maxFailures: number): Promise<number | null> {
    const { rows } = await this.pool.query(
      'UPDATE email_links SET failures = failures + 1 WHERE id = $1 AND used_at IS NULL AND failures < $2::int RETURNING failures',
      [id, maxFailures],
    );
    return rows[0] ? (rows[0].failures as number) : null;
  }

  async deleteExpired(before: string): Promise<number> {
    return (await this.pool.query('DELETE FROM email_links WHERE expires_at < $1', [before])).rowCount ?? 0;
  }
}
