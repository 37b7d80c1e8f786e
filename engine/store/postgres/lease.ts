/**
 * A session's lease (SessionStore.claim) as one UPDATE whose WHERE compares the revision and finds
 * no live lease: under READ COMMITTED a concurrent UPDATE of the row waits, then re-checks the
 * WHERE against the row as committed, so exactly one of racing claims wins. Written as a CTE
 * (`claimed`, returning the new revision) so the attempt reservation that carries a run's lease
 * takes both in one statement (issue #24).
 */
import type { LeaseClaim } from '../store.js';

/** CTE `claimed` over parameters $n…$n+3 (leaseClaimParams). */
export const claimedCte = (n: number): string => `claimed AS (
  UPDATE sessions SET revision = revision + 1, lease_until = $${n}::text
   WHERE id = $${n + 1} AND revision = $${n + 2}::int AND (lease_until IS NULL OR lease_until < $${n + 3}::text) RETURNING revision)`;

export const leaseClaimParams = (lease: LeaseClaim): unknown[] => [lease.leaseUntil, lease.sessionId, lease.expectedRevision, lease.now];
