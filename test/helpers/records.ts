/** Stored records as store-level suites write them directly (no engine run behind them). */
import type { SessionRecord } from '../../engine/store/store.js';

/** A session of journey `j` v1 waiting at its first step, made at `createdAt` and due to expire 15 minutes later. */
export function waitingSession(id: string, createdAt: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    journeyId: 'j',
    journeyVersion: 1,
    documentHash: 'h',
    status: 'waiting',
    stepId: 'ask',
    userId: null,
    snapshot: {},
    revision: 0,
    tokenHash: `t-${id}`,
    testRun: false,
    createdAt,
    updatedAt: createdAt,
    expiresAt: new Date(Date.parse(createdAt) + 900_000).toISOString(),
    leaseUntil: null,
    ...overrides,
  };
}
