/** Rows of `authenticators`, `credential_attempts` and `recovery_codes`. */
import type { AttemptState, AuthenticatorRecord, RecoveryCodeRecord } from '../store.js';
import type { Row } from './codec.js';
import type { RowShape } from './shape.js';

export const authenticatorRow: RowShape<AuthenticatorRecord> = {
  table: 'authenticators',
  columns: ['id', 'user_id', 'type', 'sealed_secret', 'params', 'confirmed_at', 'created_at', 'last_used_at', 'last_time_step', 'sign_count'],
  fromRow: (r, codec) => {
    const signCount = codec.readBigInteger(r.sign_count);
    return {
      id: r.id,
      userId: r.user_id,
      type: r.type,
      sealedSecret: r.sealed_secret,
      params: codec.readJson(r.params),
      confirmedAt: r.confirmed_at,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
      lastTimeStep: codec.readBigInteger(r.last_time_step),
      // Only passkeys keep a signature counter: other authenticators read back as they were written.
      ...(signCount === null ? {} : { signCount }),
    };
  },
  values: (a, codec) => [a.id, a.userId, a.type, a.sealedSecret, codec.writeJson(a.params), a.confirmedAt, a.createdAt, a.lastUsedAt, a.lastTimeStep, a.signCount ?? null],
};

/** Attempts are written by one dialect-specific upsert each; only reading is shared. */
export const attemptFrom = (r: Row): AttemptState => ({
  key: r.key,
  kind: r.kind,
  subject: r.subject,
  failures: r.failures,
  lockedUntil: r.locked_until,
});

export const recoveryCodeRow: RowShape<RecoveryCodeRecord> = {
  table: 'recovery_codes',
  columns: ['id', 'user_id', 'salt', 'hash', 'created_at', 'used_at'],
  fromRow: (r) => ({ id: r.id, userId: r.user_id, salt: r.salt, hash: r.hash, createdAt: r.created_at, usedAt: r.used_at }),
  values: (c) => [c.id, c.userId, c.salt, c.hash, c.createdAt, c.usedAt],
};
