/**
 * Store writes a run may leave to the transaction that saves its session (Node only): a success's
 * lockout reset costs no write of its own on the hot path (issue #24), it commits with the session.
 *
 * Only writes that may be lost safely are deferred. A reset that never commits (the process dies,
 * the run fails, another process took the session over) leaves the attempt counted as a failure:
 * the credential is at worst locked sooner, never opened. The guards themselves (the attempt's
 * reservation, a code's compare-and-set) stay immediate statements, since they decide the outcome.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AttemptStore, ChangeRecords } from '../store/store.js';

const current = new AsyncLocalStorage<SaveWrites>();

export class SaveWrites {
  private readonly resets = new Set<string>();

  resetAttempts(key: string): void {
    this.resets.add(key);
  }

  /** `records` with this run's deferred writes added (for the session's create or save). */
  addTo(records: ChangeRecords | undefined): ChangeRecords | undefined {
    if (this.resets.size === 0) return records;
    return { ...records, attemptResets: [...(records?.attemptResets ?? []), ...this.resets] };
  }
}

/** Runs a start's or submit's steps with `writes` collecting what its save will commit. */
export function collectingSaveWrites<T>(writes: SaveWrites, run: () => Promise<T>): Promise<T> {
  return current.run(writes, run);
}

/**
 * Attempts whose reset, inside a run, is written by the session's save; outside one (admin
 * routes, offline tools) at once, as before.
 */
export function attemptsResetOnSave(store: AttemptStore): AttemptStore {
  return {
    reserve: (...args) => store.reserve(...args),
    get: (key) => store.get(key),
    listBySubject: (subject) => store.listBySubject(subject),
    clearSubject: (subject, records) => store.clearSubject(subject, records),
    reset: async (key) => {
      const writes = current.getStore();
      if (writes) writes.resetAttempts(key);
      else await store.reset(key);
    },
  };
}
