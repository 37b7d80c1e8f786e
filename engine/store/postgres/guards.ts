/**
 * A change's guards (ChangeRecords.guards, issue #24): each the compare-and-set of the store
 * operation it names; the first that would change no row fails the change (GuardFailed) and it
 * writes nothing.
 *
 * In a session's save they are CTEs of the save's one statement (guardCtes), so a guarded save
 * stays one round trip that commits at once. Sibling CTEs share one snapshot, so each guard is
 * split in two: a check that locks the row it guards (`SELECT … FOR UPDATE`, which under READ
 * COMMITTED waits for a concurrent change and checks the condition again on the row as it was
 * committed) and which the session's compare-and-set requires, then the guard's write, made only
 * when that compare-and-set won. The lock held from the check to the commit means nobody can
 * change the row in between, so the write happens exactly when the session is saved. A save held
 * in a transaction instead (BEGIN, the guards, the save, COMMIT) kept the funnel's shared rows
 * locked for a round trip more, and logins queued behind each other's COMMIT (B4).
 * Elsewhere (runGuards) they run on an open transaction, one statement each.
 */
import { GuardFailed, type StoreGuard } from '../store.js';
import type { Queryable } from './pool.js';

// The same statements as PostgresAuthenticators.advanceTimeStep and PostgresRecoveryCodes.consume.
export const advanceTimeStepSql = `UPDATE authenticators SET last_time_step = $1, last_used_at = $2
  WHERE id = $3 AND (last_time_step IS NULL OR last_time_step < $1)`;
export const consumeRecoveryCodeSql = 'UPDATE recovery_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL';

/** Call on the client of an open transaction. */
export async function runGuards(client: Queryable, guards: StoreGuard[] | undefined): Promise<void> {
  for (const guard of guards ?? []) {
    const { rowCount } =
      guard.op === 'authenticators.advanceTimeStep'
        ? await client.query(advanceTimeStepSql, [guard.timeStep, guard.at, guard.id])
        : await client.query(consumeRecoveryCodeSql, [guard.at, guard.id]);
    if (rowCount !== 1) throw new GuardFailed(guard);
  }
}

/** A save's guards as CTEs, their parameters numbered from `first`; see the header. */
export interface GuardCtes {
  /** `gN_ok AS (…)`: the checks, each locking its row; to come before the session's UPDATE. */
  checks: string[];
  /** SQL the session's UPDATE adds to its WHERE: every check found its row. */
  required: string;
  /** `gN AS (…)`: the writes, after CTE `updated` (the session's compare-and-set). */
  writes: string[];
  /** An int[] expression: how many rows each check found (1, or 0 for the guard that failed). */
  found: string;
  params: unknown[];
}

export function guardCtes(guards: StoreGuard[], first: number): GuardCtes {
  const checks: string[] = [];
  const writes: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => `$${first + params.push(value) - 1}`;
  guards.forEach((guard, i) => {
    const id = param(guard.id);
    const at = param(guard.at);
    if (guard.op === 'authenticators.advanceTimeStep') {
      const step = param(guard.timeStep);
      checks.push(`g${i}_ok AS (SELECT id FROM authenticators WHERE id = ${id} AND (last_time_step IS NULL OR last_time_step < ${step}) FOR UPDATE)`);
      writes.push(`g${i} AS (UPDATE authenticators SET last_time_step = ${step}, last_used_at = ${at} WHERE id = ${id} AND EXISTS (SELECT 1 FROM updated) RETURNING 1)`);
    } else {
      checks.push(`g${i}_ok AS (SELECT id FROM recovery_codes WHERE id = ${id} AND used_at IS NULL FOR UPDATE)`);
      writes.push(`g${i} AS (UPDATE recovery_codes SET used_at = ${at} WHERE id = ${id} AND EXISTS (SELECT 1 FROM updated) RETURNING 1)`);
    }
  });
  return {
    checks,
    required: guards.map((_, i) => ` AND EXISTS (SELECT 1 FROM g${i}_ok)`).join(''),
    writes,
    found: `ARRAY[${guards.map((_, i) => `(SELECT count(*)::int FROM g${i}_ok)`).join(', ')}]::int[]`,
    params,
  };
}

/** Throws GuardFailed for the first guard whose check found no row (`found`, as guardCtes returns it). */
export function refuseFailedGuard(guards: StoreGuard[], found: number[]): void {
  const failed = found.findIndex((count) => count !== 1);
  if (failed >= 0) throw new GuardFailed(guards[failed]);
}
