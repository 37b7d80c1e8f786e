/**
 * Authenticators, failure counts with lockout, and recovery codes. The guards (time-step replay,
 * attempt limit, one-use codes) are each one statement.
 */
import type Database from 'better-sqlite3';
import type {
  AttemptState,
  AttemptStore,
  AuthenticatorRecord,
  AuthenticatorStore,
  ChangeRecords,
  LeaseClaim,
  RecoveryCodeRecord,
  RecoveryCodeStore,
} from '../store.js';
import { attemptFrom, authenticatorRow, recoveryCodeRow } from '../rows/credentials.js';
import { insertStatement } from '../rows/shape.js';
import { writeChangeRecords } from './change-records.js';
import { sqliteCodec, type Row } from './codec.js';
import { advanceTimeStepSql, consumeRecoveryCodeSql } from './guards.js';
import { claimSession } from './lease.js';
import type { JsonObject } from '../../json.js';

const insertAuthenticator = insertStatement(authenticatorRow, sqliteCodec);
const insertRecoveryCode = insertStatement(recoveryCodeRow, sqliteCodec);
const toAuthenticator = (r: Row): AuthenticatorRecord => authenticatorRow.fromRow(r, sqliteCodec);

export class SqliteAuthenticators implements AuthenticatorStore {
  constructor(private readonly db: Database.Database) {}

  async create(a: AuthenticatorRecord, records?: ChangeRecords): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare(insertAuthenticator).run(...authenticatorRow.values(a, sqliteCodec));
      writeChangeRecords(this.db, records);
    })();
  }

  async get(id: string): Promise<AuthenticatorRecord | null> {
    const r = this.db.prepare('SELECT * FROM authenticators WHERE id = ?').get(id) as Row | undefined;
    return r ? toAuthenticator(r) : null;
  }

  async listByUser(userId: string): Promise<AuthenticatorRecord[]> {
    return (this.db.prepare('SELECT * FROM authenticators WHERE user_id = ? ORDER BY created_at, id').all(userId) as Row[]).map(toAuthenticator);
  }

  async confirm(id: string, at: string): Promise<void> {
    this.db.prepare('UPDATE authenticators SET confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL').run(at, id);
  }

  async confirmEnrolment(
    id: string,
    userId: string,
    at: string,
    options: { replaceExisting: boolean; recoveryCodes?: RecoveryCodeRecord[]; records?: ChangeRecords },
  ): Promise<boolean> {
    // IMMEDIATE: the write lock is taken before the checks, so no other process confirms in between.
    return this.db.transaction(() => {
      const pending = this.db
        .prepare('SELECT type FROM authenticators WHERE id = ? AND user_id = ? AND confirmed_at IS NULL')
        .get(id, userId) as Row | undefined;
      if (!pending) return false;
      if (!options.replaceExisting) {
        const other = this.db
          .prepare('SELECT 1 FROM authenticators WHERE user_id = ? AND type = ? AND id <> ? AND confirmed_at IS NOT NULL LIMIT 1')
          .get(userId, pending.type, id);
        if (other) return false;
      }
      // Replacing: every other of the type goes; otherwise only the other pending ones (there is no confirmed one).
      this.db.prepare('DELETE FROM authenticators WHERE user_id = ? AND type = ? AND id <> ?').run(userId, pending.type, id);
      this.db.prepare('UPDATE authenticators SET confirmed_at = ? WHERE id = ?').run(at, id);
      if (options.recoveryCodes) {
        const insert = this.db.prepare(insertRecoveryCode);
        this.db.prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(userId);
        for (const c of options.recoveryCodes) insert.run(...recoveryCodeRow.values({ ...c, userId }, sqliteCodec));
      }
      writeChangeRecords(this.db, options.records);
      return true;
    }).immediate();
  }

  async advanceTimeStep(id: string, timeStep: number, at: string): Promise<boolean> {
    return this.db.prepare(advanceTimeStepSql).run(timeStep, at, id, timeStep).changes === 1;
  }

  async advanceSignCount(id: string, signCount: number, params: JsonObject, at: string): Promise<boolean> {
    const result = this.db
      .prepare(
        `UPDATE authenticators SET sign_count = @signCount, params = @params, last_used_at = @at
          WHERE id = @id AND (sign_count IS NULL OR sign_count < @signCount OR (sign_count = 0 AND @signCount = 0))`,
      )
      .run({ id, signCount, params: sqliteCodec.writeJson(params), at });
    return result.changes === 1;
  }

  async delete(userId: string, id: string, records?: ChangeRecords): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM authenticators WHERE id = ? AND user_id = ?').run(id, userId).changes !== 1) return false;
      writeChangeRecords(this.db, records);
      return true;
    })();
  }

  async listSealedNotUnder(keyId: string, limit: number): Promise<Array<{ id: string; sealedSecret: string }>> {
    const rows = this.db
      .prepare("SELECT id, sealed_secret FROM authenticators WHERE sealed_secret IS NOT NULL AND substr(sealed_secret, 1, ?) <> ? LIMIT ?")
      .all(`v1.${keyId}.`.length, `v1.${keyId}.`, limit) as Row[];
    return rows.map((r) => ({ id: r.id, sealedSecret: r.sealed_secret }));
  }

  async updateSealedSecret(id: string, sealedSecret: string): Promise<void> {
    this.db.prepare('UPDATE authenticators SET sealed_secret = ? WHERE id = ?').run(sealedSecret, id);
  }
}

export class SqliteAttempts implements AttemptStore {
  constructor(private readonly db: Database.Database) {}

  async reserve(
    key: string,
    meta: { kind: string; subject: string | null },
    maxFailures: number,
    now: string,
    lockUntil: string,
    onLock?: ChangeRecords,
  ): Promise<number | null> {
    return this.db.transaction(() => {
      const failures = this.reserveOne(key, meta, maxFailures, now, lockUntil);
      // The attempt that reaches the limit is the one that set the lock.
      if (failures !== null && failures >= maxFailures) writeChangeRecords(this.db, onLock);
      return failures;
    })();
  }

  async reserveWithLease(
    lease: LeaseClaim,
    key: string,
    meta: { kind: string; subject: string | null },
    maxFailures: number,
    now: string,
    lockUntil: string,
    onLock?: ChangeRecords,
  ): Promise<{ revision: number; failures: number | null } | null> {
    return this.db.transaction(() => {
      const revision = claimSession(this.db, lease);
      if (revision === null) return null;
      const failures = this.reserveOne(key, meta, maxFailures, now, lockUntil);
      if (failures !== null && failures >= maxFailures) writeChangeRecords(this.db, onLock);
      return { revision, failures };
    })();
  }

  private reserveOne(key: string, meta: { kind: string; subject: string | null }, maxFailures: number, now: string, lockUntil: string): number | null {
    // One statement: the count, the limit and the lock are decided atomically in the database.
    const failures = this.db
      .prepare(
        `INSERT INTO credential_attempts (key, kind, subject, failures, locked_until)
         VALUES (@key, @kind, @subject, 1, CASE WHEN 1 >= @max THEN @lockUntil ELSE NULL END)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failures + 1 END,
           locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failures + 1 END) >= @max
                               THEN @lockUntil ELSE NULL END
         WHERE locked_until IS NULL OR locked_until <= @now
         RETURNING failures`,
      )
      .pluck()
      .all({ key, kind: meta.kind, subject: meta.subject, max: maxFailures, now, lockUntil })[0] as number | undefined;
    return failures ?? null;
  }

  async reset(key: string): Promise<void> {
    this.db.prepare('UPDATE credential_attempts SET failures = 0, locked_until = NULL WHERE key = ?').run(key);
  }

  async get(key: string): Promise<AttemptState | null> {
    const r = this.db.prepare('SELECT * FROM credential_attempts WHERE key = ?').get(key) as Row | undefined;
    return r ? attemptFrom(r) : null;
  }

  async listBySubject(subject: string): Promise<AttemptState[]> {
    return (this.db.prepare('SELECT * FROM credential_attempts WHERE subject = ? ORDER BY key').all(subject) as Row[]).map(attemptFrom);
  }

  async clearSubject(subject: string, records?: ChangeRecords): Promise<number> {
    return this.db.transaction(() => {
      const cleared = this.db.prepare('DELETE FROM credential_attempts WHERE subject = ?').run(subject).changes;
      writeChangeRecords(this.db, records);
      return cleared;
    })();
  }
}

export class SqliteRecoveryCodes implements RecoveryCodeStore {
  constructor(private readonly db: Database.Database) {}

  async replace(userId: string, codes: RecoveryCodeRecord[]): Promise<void> {
    const insert = this.db.prepare(insertRecoveryCode);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(userId);
      for (const c of codes) insert.run(...recoveryCodeRow.values({ ...c, userId }, sqliteCodec));
    }).immediate();
  }

  async listUnused(userId: string): Promise<RecoveryCodeRecord[]> {
    const rows = this.db.prepare('SELECT * FROM recovery_codes WHERE user_id = ? AND used_at IS NULL ORDER BY id').all(userId) as Row[];
    return rows.map((r) => recoveryCodeRow.fromRow(r, sqliteCodec));
  }

  async consume(id: string, at: string): Promise<boolean> {
    return this.db.prepare(consumeRecoveryCodeSql).run(at, id).changes === 1;
  }
}
