/**
 * A change's guards (ChangeRecords.guards, issue #24): each the compare-and-set of the store
 * operation it names, run on the change's transaction; the first that changes no row throws
 * GuardFailed, which rolls the transaction back (inTransaction).
 *
 * Why a transaction and not a CTE of the session's save statement: sibling CTEs share one snapshot
 * and cannot depend on each other both ways. The session UPDATE can wait for a guard's RETURNING,
 * but the guard's own UPDATE then commits even when the session's compare-and-set loses (a run
 * whose lease ran out), consuming a code for a login that never happened; only an error raised
 * inside the statement (a PL/pgSQL function: a migration) could undo it.
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
