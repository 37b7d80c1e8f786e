/** Token signing keys (private halves sealed) and the one-use record of validated tokens. */
import type Database from 'better-sqlite3';
import type { SigningKeyRecord, SigningKeyStore, UsedTokenStore } from '../store.js';
import { insertStatement } from '../rows/shape.js';
import { signingKeyRow } from '../rows/tokens.js';
import { sqliteCodec, type Row } from './codec.js';

const insertKey = insertStatement(signingKeyRow, sqliteCodec);

export class SqliteSigningKeys implements SigningKeyStore {
  constructor(private readonly db: Database.Database) {}

  async list(): Promise<SigningKeyRecord[]> {
    return (this.db.prepare('SELECT * FROM signing_keys ORDER BY created_at, kid').all() as Row[]).map((r) => signingKeyRow.fromRow(r, sqliteCodec));
  }

  async updateSealed(kid: string, sealedPrivateJwk: string): Promise<void> {
    this.db.prepare('UPDATE signing_keys SET sealed_private_jwk = ? WHERE kid = ?').run(sealedPrivateJwk, kid);
  }

  async add(k: SigningKeyRecord): Promise<void> {
    this.db.prepare(insertKey).run(...signingKeyRow.values(k, sqliteCodec));
  }
}

export class SqliteUsedTokens implements UsedTokenStore {
  constructor(private readonly db: Database.Database) {}

  async markUsed(jti: string, expiresAt: string): Promise<boolean> {
    return this.db.prepare('INSERT OR IGNORE INTO used_tokens (jti, expires_at) VALUES (?, ?)').run(jti, expiresAt).changes === 1;
  }

  async deleteExpired(before: string): Promise<number> {
    return this.db.prepare('DELETE FROM used_tokens WHERE expires_at < ?').run(before).changes;
  }
}
