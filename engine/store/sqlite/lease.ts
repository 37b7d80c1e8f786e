/**
 * A session's lease (SessionStore.claim): one UPDATE whose WHERE compares the revision and finds
 * no live lease; SQLite has one writer at a time, so exactly one of racing claims wins. Shared by
 * the claim on its own and the attempt reservation that carries a run's lease (issue #24).
 */
import type Database from 'better-sqlite3';
import type { LeaseClaim } from '../store.js';

/** The new revision, or null when the revision moved or another lease is live. */
export function claimSession(db: Database.Database, lease: LeaseClaim): number | null {
  const revision = db
    .prepare(
      `UPDATE sessions SET revision = revision + 1, lease_until = ?
        WHERE id = ? AND revision = ? AND (lease_until IS NULL OR lease_until < ?) RETURNING revision`,
    )
    .pluck()
    .all(lease.leaseUntil, lease.sessionId, lease.expectedRevision, lease.now)[0] as number | undefined;
  return revision ?? null;
}
