/**
 * The SQLite WAL stays bounded under a continuous writer with a second connection reading
 * between its writes (what two engine processes on one file do). This is the failure mode of the
 * reverted checkpoint worker (docs/benchmarks.md): checkpoints that never get to reset the WAL
 * let it grow with every write; any change to where checkpoints run must keep this test green.
 */
import Database from 'better-sqlite3';
import { readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { Store } from '../../engine/store/store.js';
import { waitingSession } from '../helpers/records.js';
import { tempDataDir } from '../helpers/test-server.js';
import { runProcess } from '../helpers/cli-process.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
const PAGE = 4096;
/** SQLite's automatic checkpoint starts at 1000 pages; a commit in flight may add a few more. */
const BOUND = 1100 * PAGE;
/**
 * With writers on two connections, a writer's automatic checkpoint finds the checkpoint lock held
 * now and then (by the other connection's or a checkpoint thread's copy) and is tried again at
 * its next commit: the WAL then passes the threshold by what is written meanwhile, bounded all the
 * same (growing without bound, the failure this suite guards, reached 129 MB here).
 */
const SHARED_BOUND = 1500 * PAGE;
const padding = 'x'.repeat(6000);
const session = (id: string) => waitingSession(id, at(0), { snapshot: { padding } });

/** Writes a new revision of a stored session through `writer`, as a submit does. */
async function resave(writer: Store, id: string, i: number): Promise<boolean> {
  const current = (await writer.sessions.get(id))!;
  const claimed = (await writer.sessions.claim(id, current.revision, at(15), at(0)))!;
  const update = { status: 'waiting' as const, stepId: 'ask', userId: null, snapshot: { padding, i }, updatedAt: at(1) };
  return writer.sessions.save(id, claimed, update, [{ at: at(1), stepId: 'ask', type: 'form', event: 'submitted' }]);
}
const walSize = (path: string) => statSync(`${path}-wal`).size;
/**
 * Frames in the WAL and frames already copied into the database, read from the WAL-index header
 * in the -shm file (https://sqlite.org/walformat.html: mxFrame at byte 16, nBackfill at 96), so
 * looking runs no checkpoint of its own.
 */
function walIndex(path: string): { frames: number; copied: number } {
  const shm = readFileSync(`${path}-shm`);
  return { frames: shm.readUInt32LE(16), copied: shm.readUInt32LE(96) };
}
/** Waits (a thread starting on a loaded machine can take a while) until every frame is copied. */
async function untilCopied(path: string): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 20_000; await sleep(50)) {
    const { frames, copied } = walIndex(path);
    if (frames > 0 && copied === frames) return;
  }
  throw new Error(`the WAL of ${path} was not copied within 20 s: ${JSON.stringify(walIndex(path))}`);
}
/** Frames in the WAL, read by a separate connection (its passive checkpoint copies, never resets). */
function walFrames(path: string): number {
  const db = new Database(path);
  try {
    return (db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;
  } finally {
    db.close();
  }
}

describe('SQLite WAL under a continuous writer', () => {
  const stores: Store[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it('never grows past the checkpoint threshold, however much is written', async () => {
    const path = join(tempDataDir(), 'wal.sqlite');
    const writer = openSqliteStore(path);
    const reader = openSqliteStore(path);
    stores.push(writer, reader);
    let largest = 0;
    let written = 0;
    for (let i = 0; i < 3000; i++) {
      const id = `s${i % 200}`;
      if (i < 200) await writer.sessions.create(session(id), [{ at: at(0), stepId: 'ask', type: 'form', event: 'entered' }]);
      else {
        const current = (await reader.sessions.get(id))!;
        const claimed = (await writer.sessions.claim(id, current.revision, at(15), at(0)))!;
        const update = { status: 'waiting' as const, stepId: 'ask', userId: null, snapshot: { padding, i }, updatedAt: at(1) };
        expect(await writer.sessions.save(id, claimed, update, [{ at: at(1), stepId: 'ask', type: 'form', event: 'submitted' }])).toBe(true);
      }
      written += padding.length;
      if (i % 50 === 0) largest = Math.max(largest, statSync(`${path}-wal`).size);
    }
    // Far more than the bound went through the WAL (18 MB of snapshots alone), yet it stayed under it.
    expect(written).toBeGreaterThan(3 * BOUND);
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThanOrEqual(BOUND);
    expect(await reader.timelines.list('s7')).toHaveLength(15);
  });

  it('checkpoints beside the requests: the WAL resets long before the automatic threshold', async () => {
    const path = join(tempDataDir(), 'wal-timer.sqlite');
    const writer = openSqliteStore(path);
    stores.push(writer);
    for (let i = 0; i < 120; i++) await writer.sessions.create(session(`s${i}`), [{ at: at(0), stepId: 'ask', type: 'form', event: 'entered' }]);
    // Hundreds of frames, fewer than the automatic checkpoint's 1000: only the checkpoint thread copies them.
    expect(walSize(path)).toBeGreaterThan(250 * PAGE);
    expect(walIndex(path).copied).toBe(0);
    await untilCopied(path);
    // Every frame was copied, so this write starts the WAL over.
    expect(await resave(writer, 's1', 1)).toBe(true);
    expect(walFrames(path)).toBeLessThan(20);
  });

  it('copies the WAL on another thread: a blocked event loop does not stop it', async () => {
    const path = join(tempDataDir(), 'wal-thread.sqlite');
    const writer = openSqliteStore(path);
    stores.push(writer);
    for (let i = 0; i < 120; i++) await writer.sessions.create(session(`s${i}`), [{ at: at(0), stepId: 'ask', type: 'form', event: 'entered' }]);
    await untilCopied(path); // the WAL showed traffic: the thread is running
    expect(await resave(writer, 's1', 1)).toBe(true);
    for (let i = 0; i < 120; i++) expect(await resave(writer, `s${i}`, i)).toBe(true);
    expect(walIndex(path).frames).toBeGreaterThan(250);
    // Nothing on this thread runs while it spins: only the worker can copy the frames meanwhile.
    const until = Date.now() + 3000;
    while (Date.now() < until && walIndex(path).copied < walIndex(path).frames);
    expect(walIndex(path).copied).toBe(walIndex(path).frames);
    expect(await resave(writer, 's2', 2)).toBe(true);
    expect(walFrames(path)).toBeLessThan(20);
  });

  it('never refuses a write while two connections write and check point side by side', async () => {
    const path = join(tempDataDir(), 'wal-two.sqlite');
    const a = openSqliteStore(path);
    const b = openSqliteStore(path);
    stores.push(a, b);
    for (let i = 0; i < 50; i++) await a.sessions.create(session(`s${i}`), [{ at: at(0), stepId: 'ask', type: 'form', event: 'entered' }]);
    let largest = 0;
    for (let i = 0; i < 1500; i++) {
      // Each connection saves its own sessions; yielding lets both checkpointers' timers run.
      expect(await resave(i % 2 ? a : b, `s${i % 50}`, i)).toBe(true);
      if (i % 25 === 0) {
        largest = Math.max(largest, walSize(path));
        await sleep(1);
      }
    }
    expect(largest).toBeLessThanOrEqual(SHARED_BOUND);
  });

  it('a long reader holds the WAL past the bound only while it reads; it shrinks back after', async () => {
    const path = join(tempDataDir(), 'wal-reader.sqlite');
    const writer = openSqliteStore(path);
    stores.push(writer);
    for (let i = 0; i < 20; i++) await writer.sessions.create(session(`s${i}`), [{ at: at(0), stepId: 'ask', type: 'form', event: 'entered' }]);
    const reader = new Database(path);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM sessions').get();
    try {
      // The reader's snapshot pins every frame written after it: no checkpoint may reset the WAL.
      for (let i = 0; i < 1200; i++) {
        expect(await resave(writer, `s${i % 20}`, i)).toBe(true);
        if (i % 100 === 0) await sleep(1);
      }
      expect(walSize(path)).toBeGreaterThan(BOUND);
    } finally {
      reader.exec('COMMIT');
      reader.close();
    }
    await untilCopied(path);
    for (let i = 0; i < 5; i++) expect(await resave(writer, `s${i}`, i)).toBe(true);
    // Copied by the checkpoint thread, restarted by the next write, and truncated back to the bound.
    expect(walSize(path)).toBeLessThanOrEqual(BOUND);
    expect(walFrames(path)).toBeLessThan(100);
  });

  it('closing a store whose checkpoint thread runs returns, and lets the process end', async () => {
    // The thread is unreferenced so that it never keeps a process alive; a close that waited for
    // it without holding it made Node end the process mid-close (exit code 13) instead.
    const run = await runProcess('npx', ['tsx', 'test/store/fixtures/close-with-checkpoint-thread.ts', join(tempDataDir(), 'close.sqlite')]);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('closed');
    expect(run.code).toBe(0);
  }, 60_000);
});
