/** Token signing keys (private halves sealed) and the one-use record of validated tokens. */
import type pg from 'pg';
import type { SigningKeyRecord, SigningKeyStore, UsedTokenStore } from '../store.js';

import { insertStatement } from '../rows/shape.js';
import { signingKeyRow } from '../rows/tokens.js';
import { postgresCodec, type Row } from './codec.js';

const insertKey = insertStatement(signingKeyRow, postgresCodec);

export class PostgresSigningKeys implements SigningKeyStore {
  constructor(private readonly pool: pg.Pool) {}

  async list(): Promise<SigningKeyRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM signing_keys ORDER BY created_at, kid');
    return rows.map((r: Row) => signingKeyRow.fromRow(r, postgresCodec));
  }

  async updateSealed(kid: string, sealedPrivateJwk: string): Promise<void> {
    await this.pool.query('UPDATE signing_keys SET sealed_private_jwk = $1 WHERE kid = $2', [sealedPrivateJwk, kid]);
  }

  async add(k: SigningKeyRecord): Promise<void> {
    await this.pool.query(insertKey, signingKeyRow.values(k, postgresCodec));
  }
}

export class PostgresUsedTokens implements UsedTokenStore {
  constructor(private readonly pool: pg.Pool) {}

  async markUsed(jti: string, expiresAt: string): Promise<boolean> {
    // A racing insert of the same jti waits for the first to commit, then does nothing: one wins.
    const { rowCount } = await this.pool.query('INSERT INTO used_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING', [jti, expiresAt]);
    return rowCount === 1;
  }

  async deleteExpired(before: string): Promise<number> {
    return (await this.pool.query('DELETE FROM used_tokens WHERE expires_at < $1', [before])).rowCount ?? 0;
  }
}
