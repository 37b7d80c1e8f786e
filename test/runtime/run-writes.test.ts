/**
 * A run's write context (issue #24): inside a start or submit a success's lockout reset writes
 * nothing of its own, the save writes it when it wins and never otherwise; outside a run (admin
 * routes, tools) a reset is immediate as before. A submit's lease is taken once, by its first
 * write, and a refused lease makes every later write of the run a conflict.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectingRunWrites, RunLease, RunWrites } from '../../engine/runtime/run-writes.js';
import { leasedServices } from '../../engine/runtime/leased-services.js';
import { EngineError } from '../../engine/runtime/errors.js';
import type { StepServices } from '../../engine/steps/step-types.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { Store } from '../../engine/store/store.js';
import { waitingSession } from '../helpers/records.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();

/** The attempts a run's steps see (engine.ts builds the services through leasedServices too). */
const runAttempts = (attempts: Store['attempts']) => leasedServices({ credentials: { attempts } } as unknown as StepServices).credentials.attempts;

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
    const attempts = runAttempts(store.attempts);
    const update = { status: 'waiting' as const, stepId: 'next', userId: null, snapshot: {}, updatedAt: at(1) };

    await store.sessions.create(waitingSession('a', at(0)));
    const claimed = (await store.sessions.claim('a', 0, at(15), at(0)))!;
    const winning = new RunWrites(null);
    await collectingRunWrites(winning, () => attempts.reset('won'));
    expect((await store.attempts.get('won'))!.failures).toBe(3);
    const losing = new RunWrites(null);
    await collectingRunWrites(losing, () => attempts.reset('lost'));
    expect(await store.sessions.save('a', 0, update, [], losing.addTo(undefined))).toBe(false);
    expect((await store.attempts.get('lost'))!.failures).toBe(3);
    expect(await store.sessions.save('a', claimed, update, [], winning.addTo(undefined))).toBe(true);
    expect((await store.attempts.get('won'))!.failures).toBe(0);
  });

  it('the deferred resets and guards join the records the save already carries', () => {
    const writes = new RunWrites(null);
    expect(writes.addTo(undefined)).toBeUndefined();
    writes.resetAttempts('k1');
    writes.resetAttempts('k1');
    writes.resetAttempts('k2');
    const started = { journeyId: 'j', journeyVersion: 1, startedAt: at(0) };
    expect(writes.addTo({ started })).toEqual({ started, attemptResets: ['k1', 'k2'] });
    const guard = { op: 'recoveryCodes.consume' as const, id: 'rc', at: at(0) };
    writes.guard(guard);
    expect(writes.addTo(undefined)).toEqual({ attemptResets: ['k1', 'k2'], guards: [guard] });
  });

  it('outside a run a reset is written at once', async () => {
    const store = await storeWithFailures('admin');
    await runAttempts(store.attempts).reset('admin');
    expect((await store.attempts.get('admin'))!.failures).toBe(0);
  });

  it("a submit's reservation carries the lease; the run's next writes find it held", async () => {
    const store = await storeWithFailures();
    await store.sessions.create(waitingSession('a', at(0)));
    const attempts = runAttempts(store.attempts);
    const claims: number[] = [];
    const taken: number[] = [];
    const lease = new RunLease({ sessionId: 'a', expectedRevision: 0, leaseUntil: at(15), now: at(0) }, async (c) => {
      claims.push(1);
      return store.sessions.claim(c.sessionId, c.expectedRevision, c.leaseUntil, c.now);
    }, (revision) => taken.push(revision));
    await collectingRunWrites(new RunWrites(lease), async () => {
      // Overlapping writes of one run: one carries the lease, the other waits for it.
      const [first, second] = await Promise.all([
        attempts.reserve('k', { kind: 'totp', subject: null }, 5, at(0), at(900)),
        attempts.reserve('k', { kind: 'totp', subject: null }, 5, at(0), at(900)),
      ]);
      expect([first, second].sort()).toEqual([1, 2]);
      await lease.ensure();
    });
    expect(claims).toEqual([]);
    expect(taken).toEqual([1]);
    expect(lease.taken).toBe(1);
    expect(await store.sessions.get('a')).toMatchObject({ revision: 1, leaseUntil: at(15) });
  });

  it('a refused lease is a conflict, and so is every later write of the run; nothing is reserved', async () => {
    const store = await storeWithFailures();
    await store.sessions.create(waitingSession('a', at(0)));
    expect(await store.sessions.claim('a', 0, at(15), at(0))).toBe(1);
    const attempts = runAttempts(store.attempts);
    const lease = new RunLease({ sessionId: 'a', expectedRevision: 0, leaseUntil: at(20), now: at(5) }, (c) =>
      store.sessions.claim(c.sessionId, c.expectedRevision, c.leaseUntil, c.now), () => {
      throw new Error('not taken');
    });
    await collectingRunWrites(new RunWrites(lease), async () => {
      // The reservation answers "no attempt" (the submit is a conflict whatever the step does); any later write throws it.
      expect(await attempts.reserve('k', { kind: 'totp', subject: null }, 5, at(5), at(900))).toBeNull();
      await expect(lease.ensure()).rejects.toBeInstanceOf(EngineError);
      await expect(lease.ensure()).rejects.toMatchObject({ code: 'conflict' });
    });
    expect(lease.lost).toBe(true);
    expect(await store.attempts.get('k')).toBeNull();
  });
});
