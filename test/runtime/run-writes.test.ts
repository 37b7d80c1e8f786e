/**
 * A run's lockout resets commit with its session's save (issue #24): inside a start or submit a
 * success's reset writes nothing of its own; the save writes it when it wins and never otherwise;
 * outside a run (admin routes, tools) a reset is immediate as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectingRunWrites, RunLease, RunWrites } from '../../engine/runtime/run-writes.js';
import { leasedServices } from '../../engine/runtime/leased-services.js';
import type { StepServices } from '../../engine/steps/step-types.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { Store } from '../../engine/store/store.js';
import { waitingSession } from '../helpers/records.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();

/** The attempts a run's steps see (engine.ts builds them the same way through leasedServices). */
const attemptsResetOnSave = (attempts: Store['attempts']) => leasedServices({ credentials: { attempts } } as unknown as StepServices).credentials.attempts;
/** A start's write context (no lease to take). */
const SaveWrites = class extends RunWrites {
  constructor() {
    super(null);
  }
};
const collectingSaveWrites = collectingRunWrites;

describe('lockout resets committed with the session', () => {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  async function storeWithFailures(...keys: string[]): Promise<Store> {
    const store = openSqliteStore(':memory:');
    stores.push(store);
    for (const key of keys) {
      for (let i = 0; i < 3; i++) await store.attempts.reserve(key, { kind: 'totp', subject: null }, 5, at(0), at(900));
    }
    return store;
  }

  it('inside a run, a reset waits for the save, which clears the count only when it wins', async () => {
    const store = await storeWithFailures('won', 'lost');
    const attempts = attemptsResetOnSave(store.attempts);
    const update = { status: 'waiting' as const, stepId: 'next', userId: null, snapshot: {}, updatedAt: at(1) };

    await store.sessions.create(waitingSession('a', at(0)));
    const claimed = (await store.sessions.claim('a', 0, at(15), at(0)))!;
    const winning = new SaveWrites();
    await collectingSaveWrites(winning, () => attempts.reset('won'));
    expect((await store.attempts.get('won'))!.failures).toBe(3);
    const losing = new SaveWrites();
    await collectingSaveWrites(losing, () => attempts.reset('lost'));
    expect(await store.sessions.save('a', 0, update, [], losing.addTo(undefined))).toBe(false);
    expect((await store.attempts.get('lost'))!.failures).toBe(3);
    expect(await store.sessions.save('a', claimed, update, [], winning.addTo(undefined))).toBe(true);
    expect((await store.attempts.get('won'))!.failures).toBe(0);
  });

  it('the deferred resets join the records the save already carries', () => {
    const writes = new SaveWrites();
    expect(writes.addTo(undefined)).toBeUndefined();
    writes.resetAttempts('k1');
    writes.resetAttempts('k1');
    writes.resetAttempts('k2');
    const started = { journeyId: 'j', journeyVersion: 1, startedAt: at(0) };
    expect(writes.addTo({ started })).toEqual({ started, attemptResets: ['k1', 'k2'] });
  });

  it('outside a run a reset is written at once', async () => {
    const store = await storeWithFailures('admin');
    await attemptsResetOnSave(store.attempts).reset('admin');
    expect((await store.attempts.get('admin'))!.failures).toBe(0);
  });
});
