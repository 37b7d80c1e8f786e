/**
 * A change's guards (ChangeRecords.guards, issue #24): each the compare-and-set of the store
 * operation it names, run inside the change's transaction; the first that changes no row throws
 * GuardFailed, which rolls the whole transaction back.
 */
import type Database from 'better-sqlite3';
import { GuardFailed, type StoreGuard } from '../store.js';

// The same statements as SqliteAuthenticators.advanceTimeStep and SqliteRecoveryCodes.consume.
export const advanceTimeStepSql = `UPDATE authenticators SET last_time_step = ?, last_used_at = ?
  WHERE id = ? AND (last_time_step IS NULL OR last_time_step < ?)`;
export const consumeRecoveryCodeSql = 'UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at IS NULL';

/** Call inside a transaction. */
export function runGuards(db: Database.Database, guards: StoreGuard[] | undefined): void {
  for (const guard of guards ?? []) {
    const changes =
      guard.op === 'authenticators.advanceTimeStep'
        ? db.prepare(advanceTimeStepSql).run(guard.timeStep, guard.at, guard.id, guard.timeStep).changes
        : db.prepare(consumeRecoveryCodeSql).run(guard.at, guard.id).changes;
    if (changes !== 1) throw new GuardFailed(guard);
  }
}
