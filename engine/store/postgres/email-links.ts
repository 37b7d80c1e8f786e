/** Single-use email links (email.link) in PostgreSQL: every guard is one statement, atomic across processes. */
import type pg from 'pg';
import type { EmailLinkRecord, EmailLinkStore } from '../store.js';
import { inTransaction } from './pool.js';

type Row = Record<string, any>;

export class PostgresEmailLinks implements EmailLinkStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(l: EmailLinkRecord): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM email_links WHERE session_id = $1 AND step_id = $2', [l.sessionId, l.stepId]);
      await client.query(
        `INSERT INTO email_links (id, token_hash, session_id, step_id, device_hash, code_hash, failures, created_at, expires_at, used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [l.id, l.tokenHash, l.sessionId, l.stepId, l.deviceHash, l.codeHash, l.failures, l.createdAt, l.expiresAt, l.usedAt],
      );
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

const toLink = (r: Row): EmailLinkRecord => ({
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
