/**
 * Authenticators, failure counts with lockout, and recovery codes. The guards (time-step replay,
 * attempt limit, one-use codes) are each one statement, atomic across processes.
 */
import type pg from 'pg';
import type {
  AttemptState,
  AttemptStore,
  AuthenticatorRecord,
  AuthenticatorStore,
  ChangeRecords,
  LeaseClaim,
  RecoveryCodeRecord,
  RecoveryCodeStore,
  WebhookEventRecord,
} from '../store.js';
import { attemptFrom, authenticatorRow, recoveryCodeRow } from '../rows/credentials.js';
import { insertStatement } from '../rows/shape.js';
import { hasRecords, writeChangeRecords } from './change-records.js';
import { postgresCodec, type Row } from './codec.js';
import type { JsonObject } from '../../json.js';
import { inTransaction, type Queryable } from './pool.js';
import { advanceTimeStepSql, consumeRecoveryCodeSql } from './guards.js';
import { claimedCte, leaseClaimParams } from './lease.js';
import { subscriptionMatches } from '../rows/webhooks.js';

const insertAuthenticator = insertStatement(authenticatorRow, postgresCodec);
const insertRecoveryCode = insertStatement(recoveryCodeRow, postgresCodec);
const toAuthenticator = (r: Row): AuthenticatorRecord => authenticatorRow.fromRow(r, postgresCodec);

export class PostgresAuthenticators implements AuthenticatorStore {
  constructor(private readonly pool: pg.Pool) {}

  async listSealedNotUnder(keyId: string, limit: number): Promise<Array<{ id: string; sealedSecret: string }>> {
    const prefix = `v1.${keyId}.`;
    const { rows } = await this.pool.query(
      'SELECT id, sealed_secret FROM authenticators WHERE sealed_secret IS NOT NULL AND substr(sealed_secret, 1, $1) <> $2 LIMIT $3',
      [prefix.length, prefix, limit],
    );
    return rows.map((r: { id: string; sealed_secret: string }) => ({ id: r.id, sealedSecret: r.sealed_secret }));
  }

  async updateSealedSecret(id: string, sealedSecret: string): Promise<void> {
    await this.pool.query('UPDATE authenticators SET sealed_secret = $1 WHERE id = $2', [sealedSecret, id]);
  }

  async create(a: AuthenticatorRecord, records?: ChangeRecords): Promise<void> {
    if (!hasRecords(records)) {
      await this.pool.query(insertAuthenticator, authenticatorRow.values(a, postgresCodec));
      return;
    }
    await inTransaction(this.pool, async (client) => {
      await client.query(insertAuthenticator, authenticatorRow.values(a, postgresCodec));
      await writeChangeRecords(client, records);
    });
  }

  async get(id: string): Promise<AuthenticatorRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM authenticators WHERE id = $1', [id]);
    return rows[0] ? toAuthenticator(rows[0]) : null;
  }

  async listByUser(userId: string): Promise<AuthenticatorRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM authenticators WHERE user_id = $1 ORDER BY created_at, id', [userId]);
    return rows.map(toAuthenticator);
  }

  async confirm(id: string, at: string): Promise<void> {
    await this.pool.query('UPDATE authenticators SET confirmed_at = $1 WHERE id = $2 AND confirmed_at IS NULL', [at, id]);
  }

  async confirmEnrolment(
    id: string,
    userId: string,
    at: string,
    options: { replaceExisting: boolean; recoveryCodes?: RecoveryCodeRecord[]; records?: ChangeRecords },
  ): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      // The user's row locked first: confirms of one user run one after another (two confirms of
      // different pending rows would otherwise both see "no other confirmed" under READ COMMITTED).
      // NO KEY UPDATE still lets rows referencing the user be inserted meanwhile.
      const locked = await client.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
      if (locked.rowCount !== 1) return false;
      // Each statement below reads what the previous holder of the lock committed.
      const { rows } = await client.query('SELECT type FROM authenticators WHERE id = $1 AND user_id = $2 AND confirmed_at IS NULL', [id, userId]);
      if (!rows[0]) return false;
      const type = rows[0].type as string;
      if (!options.replaceExisting) {
        const other = await client.query(
          'SELECT 1 FROM authenticators WHERE user_id = $1 AND type = $2 AND id <> $3 AND confirmed_at IS NOT NULL LIMIT 1',
          [userId, type, id],
        );
        if (other.rowCount) return false;
      }
      // Replacing: every other of the type goes; otherwise only the other pending ones (there is no confirmed one).
      await client.query('DELETE FROM authenticators WHERE user_id = $1 AND type = $2 AND id <> $3', [userId, type, id]);
      await client.query('UPDATE authenticators SET confirmed_at = $1 WHERE id = $2', [at, id]);
      if (options.recoveryCodes) {
        await client.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
        for (const c of options.recoveryCodes) {
          await client.query(insertRecoveryCode, recoveryCodeRow.values({ ...c, userId }, postgresCodec));
        }
      }
      await writeChangeRecords(client, options.records);
      return true;
    });
  }

  async advanceTimeStep(id: string, timeStep: number, at: string): Promise<boolean> {
    return (await this.pool.query(advanceTimeStepSql, [timeStep, at, id])).rowCount === 1;
  }

  async advanceSignCount(id: string, signCount: number, params: JsonObject, at: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE authenticators SET sign_count = $1, params = $2, last_used_at = $3
        WHERE id = $4 AND (sign_count IS NULL OR sign_count < $1 OR (sign_count = 0 AND $1 = 0))`,
      [signCount, postgresCodec.writeJson(params), at, id],
    );
    return rowCount === 1;
  }

  async delete(userId: string, id: string, records?: ChangeRecords): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      if ((await client.query('DELETE FROM authenticators WHERE id = $1 AND user_id = $2', [id, userId])).rowCount !== 1) return false;
      await writeChangeRecords(client, records);
      return true;
    });
  }
}

export class PostgresAttempts implements AttemptStore {
  constructor(private readonly pool: pg.Pool) {}

  async reserve(
    key: string,
    meta: { kind: string; subject: string | null },
    maxFailures: number,
    now: string,
    lockUntil: string,
    onLock?: ChangeRecords,
  ): Promise<number | null> {
    if (!hasRecords(onLock)) return this.reserveOn(this.pool, key, meta, maxFailures, now, lockUntil);
    return inTransaction(this.pool, async (client) => {
      const failures = await this.reserveOn(client, key, meta, maxFailures, now, lockUntil);
      // The attempt that reaches the limit is the one that set the lock.
      if (failures !== null && failures >= maxFailures) await writeChangeRecords(client, onLock);
      return failures;
    });
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
    // The lock's webhook events (all a step's lock carries) ride in the statement too; other records need a transaction.
    const { events = [], ...others } = onLock ?? {};
    if (!hasRecords(others)) return this.reserveWithLeaseOn(this.pool, lease, key, meta, maxFailures, now, lockUntil, events);
    return inTransaction(this.pool, async (client) => {
      const taken = await this.reserveWithLeaseOn(client, lease, key, meta, maxFailures, now, lockUntil, []);
      if (taken?.failures != null && taken.failures >= maxFailures) await writeChangeRecords(client, onLock);
      return taken;
    });
  }

  /**
   * The lease and the attempt in one statement: the attempt is reserved only from a won claim
   * (`FROM claimed`), and both commit together. Same upsert as reserveOn. `lockEvents` (webhook
   * events, with their deliveries) are written only by the attempt that sets the lock.
   */
  private async reserveWithLeaseOn(
    db: Queryable,
    lease: LeaseClaim,
    key: string,
    meta: { kind: string; subject: string | null },
    maxFailures: number,
    now: string,
    lockUntil: string,
    lockEvents: WebhookEventRecord[],
  ): Promise<{ revision: number; failures: number | null } | null> {
    const { rows } = await db.query(
      `WITH ${claimedCte(7)},
       reserved AS (
         INSERT INTO credential_attempts AS a (key, kind, subject, failures, locked_until)
         SELECT $1, $2, $3, 1, CASE WHEN 1 >= $4::int THEN $6::text ELSE NULL END FROM claimed
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN a.locked_until IS NOT NULL THEN 1 ELSE a.failures + 1 END,
           locked_until = CASE WHEN (CASE WHEN a.locked_until IS NOT NULL THEN 1 ELSE a.failures + 1 END) >= $4::int
                               THEN $6::text ELSE NULL END
         WHERE a.locked_until IS NULL OR a.locked_until <= $5::text
         RETURNING failures),
       raised AS (
         INSERT INTO webhook_events (id, type, at, payload)
         SELECT e.id, e.type, e.at, e.payload FROM reserved CROSS JOIN unnest($11::text[], $12::text[], $13::text[], $14::json[]) AS e(id, type, at, payload)
          WHERE reserved.failures >= $4::int
         RETURNING id, type, at),
       deliveries AS (
         INSERT INTO webhook_deliveries (id, event_id, subscription_id, status, attempts, next_attempt_at, created_at)
         SELECT r.id || ':' || s.id, r.id, s.id, 'pending', 0, r.at, r.at FROM raised r JOIN webhook_subscriptions s ON ${subscriptionMatches('r.type')})
       SELECT (SELECT revision FROM claimed) AS revision, (SELECT failures FROM reserved) AS failures`,
      [
        key,
        meta.kind,
        meta.subject,
        maxFailures,
        now,
        lockUntil,
        ...leaseClaimParams(lease),
        lockEvents.map((e) => e.id),
        lockEvents.map((e) => e.type),
        lockEvents.map((e) => e.at),
        lockEvents.map((e) => JSON.stringify(e.payload)),
      ],
    );
    const { revision, failures } = rows[0] as { revision: number | null; failures: number | null };
    return revision === null ? null : { revision, failures };
  }

  private async reserveOn(db: Queryable, key: string, meta: { kind: string; subject: string | null }, maxFailures: number, now: string, lockUntil: string): Promise<number | null> {
    // One statement: the count, the limit and the lock are decided atomically in the database. A
    // conflicting upsert locks the row and re-reads it, so racing reserves count one after another;
    // while the lock holds, the DO UPDATE's WHERE is false and no row comes back (null).
    const { rows } = await db.query(
      `INSERT INTO credential_attempts AS a (key, kind, subject, failures, locked_until)
       VALUES ($1, $2, $3, 1, CASE WHEN 1 >= $4::int THEN $6::text ELSE NULL END)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN a.locked_until IS NOT NULL THEN 1 ELSE a.failures + 1 END,
         locked_until = CASE WHEN (CASE WHEN a.locked_until IS NOT NULL THEN 1 ELSE a.failures + 1 END) >= $4::int
                             THEN $6::text ELSE NULL END
       WHERE a.locked_until IS NULL OR a.locked_until <= $5::text
       RETURNING failures`,
      [key, meta.kind, meta.subject, maxFailures, now, lockUntil],
    );
    return rows[0] ? (rows[0].failures as number) : null;
  }

  async reset(key: string): Promise<void> {
    await this.pool.query('UPDATE credential_attempts SET failures = 0, locked_until = NULL WHERE key = $1', [key]);
  }

  async get(key: string): Promise<AttemptState | null> {
    const { rows } = await this.pool.query('SELECT * FROM credential_attempts WHERE key = $1', [key]);
    return rows[0] ? attemptFrom(rows[0]) : null;
  }

  async listBySubject(subject: string): Promise<AttemptState[]> {
    const { rows } = await this.pool.query('SELECT * FROM credential_attempts WHERE subject = $1 ORDER BY key', [subject]);
    return rows.map(attemptFrom);
  }

  async clearSubject(subject: string, records?: ChangeRecords): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const cleared = (await client.query('DELETE FROM credential_attempts WHERE subject = $1', [subject])).rowCount ?? 0;
      await writeChangeRecords(client, records);
      return cleared;
    });
  }
}

export class PostgresRecoveryCodes implements RecoveryCodeStore {
  constructor(private readonly pool: pg.Pool) {}

  async replace(userId: string, codes: RecoveryCodeRecord[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      for (const c of codes) {
        await client.query(insertRecoveryCode, recoveryCodeRow.values({ ...c, userId }, postgresCodec));
      }
    });
  }

  async listUnused(userId: string): Promise<RecoveryCodeRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL ORDER BY id', [userId]);
    return rows.map((r: Row) => recoveryCodeRow.fromRow(r, postgresCodec));
  }

  async consume(id: string, at: string): Promise<boolean> {
    return (await this.pool.query(consumeRecoveryCodeSql, [at, id])).rowCount === 1;
  }
}
