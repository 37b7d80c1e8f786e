/**
 * The SQLite AttemptStore (failure counting and lockout, decided atomically in the database) and
 * AuthenticatorStore.advanceTimeStep (the compare-and-set that makes a TOTP code single use),
 * including races over several connections and several processes on one file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { AuthenticatorRecord, Store } from '../../engine/store/store.js';
import { tempDataDir } from '../helpers/test-server.js';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./fixtures/store-worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const NOW = '2026-01-15T10:00:00.000Z';
const LOCK_UNTIL = '2026-01-15T10:15:00.000Z';
const JUST_BEFORE_UNLOCK = '2026-01-15T10:14:59.999Z';
const AFTER_UNLOCK = '2026-01-15T10:15:00.001Z';
const LATER_LOCK = '2026-01-15T10:30:00.000Z';
const meta = (subject: string | null = 'user-1') => ({ kind: 'totp', subject });

const stores: Store[] = [];
const dirs: string[] = [];
let dbPath = '';

function open(path?: string): Store {
  if (!path) {
    const dir = tempDataDir();
    dirs.push(dir);
    dbPath = join(dir, 'db.sqlite');
  }
  const store = openSqliteStore(path ?? dbPath);
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs `processes` workers (separate Node processes) against the current file, all starting together. */
async function inProcesses(processes: number, args: (index: number) => string[], count: number): Promise<unknown[]> {
  const startAt = String(Date.now() + 2500);
  const outputs = await Promise.all(
    Array.from({ length: processes }, (_, i) =>
      run(process.execPath, ['--import', 'tsx', WORKER, dbPath, ...args(i), String(count), startAt], { cwd: ROOT, timeout: 20_000 }),
    ),
  );
  return outputs.flatMap(({ stdout }) => JSON.parse(stdout) as unknown[]);
}

describe('AttemptStore.reserve', () => {
  it('counts up to the limit, answering the count including this attempt', async () => {
    const store = open();
    expect(await store.attempts.reserve('k', meta(), 5, NOW, LOCK_UNTIL)).toBe(1);
    expect(await store.attempts.reserve('k', meta(), 5, NOW, LOCK_UNTIL)).toBe(2);
    expect(await store.attempts.reserve('k', meta(), 5, NOW, LOCK_UNTIL)).toBe(3);
    expect(await store.attempts.get('k')).toEqual({ key: 'k', kind: 'totp', subject: 'user-1', failures: 3, lockedUntil: null });
  });

  it('the attempt that reaches the limit is taken and sets the lock at once', async () => {
    const store = open();
    expect(await store.attempts.reserve('k', meta(), 3, NOW, LOCK_UNTIL)).toBe(1);
    expect(await store.attempts.reserve('k', meta(), 3, NOW, LOCK_UNTIL)).toBe(2);
    expect((await store.attempts.get('k'))?.lockedUntil).toBeNull();
    expect(await store.attempts.reserve('k', meta(), 3, NOW, LOCK_UNTIL)).toBe(3);
    // Locked by that very attempt: nothing else (a success, a later failure) is needed.
    expect(await store.attempts.get('k')).toMatchObject({ failures: 3, lockedUntil: LOCK_UNTIL });
    expect(await store.attempts.reserve('k', meta(), 3, NOW, LOCK_UNTIL)).toBeNull();
  });

  it('a limit of 1 locks on the first attempt', async () => {
    const store = open();
    expect(await store.attempts.reserve('k', meta(), 1, NOW, LOCK_UNTIL)).toBe(1);
    expect((await store.attempts.get('k'))?.lockedUntil).toBe(LOCK_UNTIL);
    expect(await store.attempts.reserve('k', meta(), 1, NOW, LOCK_UNTIL)).toBeNull();
  });

  it('while locked: answers null, does not count, does not extend the lock', async () => {
    const store = open();
    for (let i = 0; i < 3; i++) await store.attempts.reserve('k', meta(), 3, NOW, LOCK_UNTIL);
    for (const at of [NOW, '2026-01-15T10:10:00.000Z', JUST_BEFORE_UNLOCK]) {
      expect(await store.attempts.reserve('k', meta(), 3, at, LATER_LOCK)).toBeNull();
    }
    expect(await store.attempts.get('k')).toMatchObject({ failures: 3, lockedUntil: LOCK_UNTIL });
  });

  it('after lockUntil passes, counting restarts at 1 and the lock is lifted', async () => {
    const store = open();
    for (let i = 0; i < 3; i++) await store.attempts.reserve('k', meta(), 3, NOW, LOCK_UNTIL);
    expect(await store.attempts.reserve('k', meta(), 3, AFTER_UNLOCK, LATER_LOCK)).toBe(1);
    expect(await store.attempts.get('k')).toMatchObject({ failures: 1, lockedUntil: null });
    expect(await store.attempts.reserve('k', meta(), 3, AFTER_UNLOCK, LATER_LOCK)).toBe(2);
    // And a full new round locks again, until the new lockUntil.
    expect(await store.attempts.reserve('k', meta(), 3, AFTER_UNLOCK, LATER_LOCK)).toBe(3);
    expect((await store.attempts.get('k'))?.lockedUntil).toBe(LATER_LOCK);
    expect(await store.attempts.reserve('k', meta(), 3, '2026-01-15T10:20:00.000Z', LATER_LOCK)).toBeNull();
  });

  it('with a limit of 1, an expired lock gives one new attempt and locks again', async () => {
    const store = open();
    expect(await store.attempts.reserve('k', meta(), 1, NOW, LOCK_UNTIL)).toBe(1);
    expect(await store.attempts.reserve('k', meta(), 1, AFTER_UNLOCK, LATER_LOCK)).toBe(1);
    expect((await store.attempts.get('k'))?.lockedUntil).toBe(LATER_LOCK);
    expect(await store.attempts.reserve('k', meta(), 1, AFTER_UNLOCK, LATER_LOCK)).toBeNull();
  });

  it('reset clears failures and lock: the next attempt counts 1 even before lockUntil', async () => {
    const store = open();
    for (let i = 0; i < 3; i++) await store.attempts.reserve('k', meta(), 3, NOW, LOCK_UNTIL);
    await store.attempts.reset('k');
    expect(await store.attempts.get('k')).toMatchObject({ failures: 0, lockedUntil: null });
    expect(await store.attempts.reserve('k', meta(), 3, NOW, LOCK_UNTIL)).toBe(1);
    // Partial counts are cleared too.
    await store.attempts.reserve('k', meta(), 3, NOW, LOCK_UNTIL);
    await store.attempts.reset('k');
    expect(await store.attempts.reserve('k', meta(), 3, NOW, LOCK_UNTIL)).toBe(1);
  });

  it('reset of an unknown key is harmless', async () => {
    const store = open();
    await store.attempts.reset('nobody');
    expect(await store.attempts.get('nobody')).toBeNull();
  });

  it('keys are counted and locked independently', async () => {
    const store = open();
    for (let i = 0; i < 3; i++) await store.attempts.reserve('a', meta(), 3, NOW, LOCK_UNTIL);
    expect(await store.attempts.reserve('a', meta(), 3, NOW, LOCK_UNTIL)).toBeNull();
    expect(await store.attempts.reserve('b', meta(), 3, NOW, LOCK_UNTIL)).toBe(1);
    expect((await store.attempts.get('b'))?.lockedUntil).toBeNull();
  });

  it('50 concurrent reserve() calls with a limit of 5: exactly 5 are taken, counting 1..5', async () => {
    const store = open();
    const results = await Promise.all(Array.from({ length: 50 }, () => store.attempts.reserve('k', meta(), 5, NOW, LOCK_UNTIL)));
    const taken = results.filter((r) => r !== null);
    expect(taken).toHaveLength(5);
    expect([...taken].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await store.attempts.get('k')).toMatchObject({ failures: 5, lockedUntil: LOCK_UNTIL });
  });

  it('50 concurrent reserve() calls over two store instances on one file: exactly 5 are taken', async () => {
    const a = open();
    const b = open(dbPath);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).attempts.reserve('k', meta(), 5, NOW, LOCK_UNTIL)),
    );
    const taken = results.filter((r) => r !== null);
    expect(taken).toHaveLength(5);
    expect([...taken].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await a.attempts.get('k')).toMatchObject({ failures: 5, lockedUntil: LOCK_UNTIL });
  });

  it('reserve() racing from 4 separate processes (20 each) with a limit of 5: exactly 5 are taken', async () => {
    const store = open(); // creates and migrates the file first
    const results = await inProcesses(4, () => ['reserve', 'k', '5', NOW, LOCK_UNTIL], 20);
    expect(results).toHaveLength(80);
    const taken = results.filter((r) => r !== null);
    expect(taken).toHaveLength(5);
    expect([...taken].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await store.attempts.get('k')).toMatchObject({ failures: 5, lockedUntil: LOCK_UNTIL });
  }, 30_000);
});

describe('AttemptStore subjects', () => {
  it('listBySubject answers the states of one subject, ordered by key', async () => {
    const store = open();
    await store.attempts.reserve('totp:user:u1:b', meta('u1'), 5, NOW, LOCK_UNTIL);
    for (let i = 0; i < 2; i++) await store.attempts.reserve('totp:user:u1:a', meta('u1'), 2, NOW, LOCK_UNTIL);
    await store.attempts.reserve('totp:user:u2', meta('u2'), 5, NOW, LOCK_UNTIL);
    await store.attempts.reserve('totp:unknown:mallory', meta(null), 5, NOW, LOCK_UNTIL);
    expect(await store.attempts.listBySubject('u1')).toEqual([
      { key: 'totp:user:u1:a', kind: 'totp', subject: 'u1', failures: 2, lockedUntil: LOCK_UNTIL },
      { key: 'totp:user:u1:b', kind: 'totp', subject: 'u1', failures: 1, lockedUntil: null },
    ]);
    expect((await store.attempts.listBySubject('u2')).map((s) => s.key)).toEqual(['totp:user:u2']);
    expect(await store.attempts.listBySubject('nobody')).toEqual([]);
  });

  it('clearSubject removes every row of the subject (and only those), answering how many', async () => {
    const store = open();
    for (let i = 0; i < 2; i++) await store.attempts.reserve('u1:a', meta('u1'), 2, NOW, LOCK_UNTIL);
    await store.attempts.reserve('u1:b', meta('u1'), 5, NOW, LOCK_UNTIL);
    await store.attempts.reserve('u2:a', meta('u2'), 5, NOW, LOCK_UNTIL);
    await store.attempts.reserve('anon', meta(null), 5, NOW, LOCK_UNTIL);
    expect(await store.attempts.clearSubject('u1')).toBe(2);
    expect(await store.attempts.listBySubject('u1')).toEqual([]);
    expect(await store.attempts.get('u1:a')).toBeNull();
    expect(await store.attempts.get('u1:b')).toBeNull();
    expect(await store.attempts.get('u2:a')).toMatchObject({ failures: 1 });
    expect(await store.attempts.get('anon')).toMatchObject({ failures: 1, subject: null });
    // The admin unlock works: the locked credential takes attempts again at once.
    expect(await store.attempts.reserve('u1:a', meta('u1'), 2, NOW, LOCK_UNTIL)).toBe(1);
    expect(await store.attempts.clearSubject('nobody')).toBe(0);
  });
});

describe('AuthenticatorStore.advanceTimeStep', () => {
  async function withAuthenticator(store: Store, lastTimeStep: number | null = null): Promise<AuthenticatorRecord> {
    await store.users.create({ id: 'user-1', username: 'alice', attributes: {}, createdAt: NOW });
    const record: AuthenticatorRecord = {
      id: 'auth-1',
      userId: 'user-1',
      type: 'totp',
      sealedSecret: 'sealed',
      params: { algorithm: 'SHA1', digits: 6, period: 30 },
      confirmedAt: NOW,
      createdAt: NOW,
      lastUsedAt: null,
      lastTimeStep,
    };
    await store.authenticators.create(record);
    return record;
  }

  it('accepts a first step, then only larger ones; marks the use only when it accepts', async () => {
    const store = open();
    await withAuthenticator(store);
    expect(await store.authenticators.advanceTimeStep('auth-1', 1000, '2026-01-15T10:00:01.000Z')).toBe(true);
    expect(await store.authenticators.get('auth-1')).toMatchObject({ lastTimeStep: 1000, lastUsedAt: '2026-01-15T10:00:01.000Z' });

    expect(await store.authenticators.advanceTimeStep('auth-1', 1000, '2026-01-15T10:00:02.000Z')).toBe(false);
    expect(await store.authenticators.advanceTimeStep('auth-1', 999, '2026-01-15T10:00:03.000Z')).toBe(false);
    expect(await store.authenticators.get('auth-1')).toMatchObject({ lastTimeStep: 1000, lastUsedAt: '2026-01-15T10:00:01.000Z' });

    expect(await store.authenticators.advanceTimeStep('auth-1', 1001, '2026-01-15T10:00:31.000Z')).toBe(true);
    expect(await store.authenticators.get('auth-1')).toMatchObject({ lastTimeStep: 1001, lastUsedAt: '2026-01-15T10:00:31.000Z' });
  });

  it('step 0 is accepted once on a fresh authenticator', async () => {
    const store = open();
    await withAuthenticator(store);
    expect(await store.authenticators.advanceTimeStep('auth-1', 0, NOW)).toBe(true);
    expect(await store.authenticators.advanceTimeStep('auth-1', 0, NOW)).toBe(false);
  });

  it('respects a stored last step', async () => {
    const store = open();
    await withAuthenticator(store, 56_666_667);
    expect(await store.authenticators.advanceTimeStep('auth-1', 56_666_667, NOW)).toBe(false);
    expect(await store.authenticators.advanceTimeStep('auth-1', 56_666_668, NOW)).toBe(true);
  });

  it('is false for an unknown authenticator', async () => {
    const store = open();
    expect(await store.authenticators.advanceTimeStep('nope', 5, NOW)).toBe(false);
  });

  it('20 concurrent calls with the same step: exactly one is true', async () => {
    const store = open();
    await withAuthenticator(store, 100);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.authenticators.advanceTimeStep('auth-1', 101, NOW)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await store.authenticators.get('auth-1'))?.lastTimeStep).toBe(101);
  });

  it('20 concurrent calls with the same step over two store instances on one file: exactly one is true', async () => {
    const a = open();
    const b = open(dbPath);
    await withAuthenticator(a);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).authenticators.advanceTimeStep('auth-1', 7, NOW)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('the same step from 4 separate processes (5 calls each): exactly one is true', async () => {
    const store = open();
    await withAuthenticator(store, 100);
    const results = await inProcesses(4, () => ['advance', 'auth-1', '101', NOW], 5);
    expect(results).toHaveLength(20);
    expect(results.filter((r) => r === true)).toHaveLength(1);
    expect((await store.authenticators.get('auth-1'))?.lastTimeStep).toBe(101);
  }, 30_000);
});
