/**
 * WAL checkpoints run in a worker thread, not inside a request's commit: while a store is open
 * and written to, pages reach the database file without the serving connection checkpointing,
 * and closing the store leaves no WAL behind.
 */
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type Checkpointer } from '../../engine/store/sqlite/checkpointer.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { SessionRecord, Store } from '../../engine/store/store.js';
import { tempDataDir } from '../helpers/test-server.js';

function session(id: string): SessionRecord {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    id,
    journeyId: 'journey-a',
    journeyVersion: 1,
    documentHash: 'hash-1',
    status: 'waiting',
    stepId: 'ask',
    userId: null,
    snapshot: { context: { padding: 'x'.repeat(2000) } },
    revision: 0,
    tokenHash: `token-of-${id}`,
    testRun: false,
    createdAt: at,
    updatedAt: at,
    expiresAt: at,
    leaseUntil: null,
  };
}

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('the SQLite checkpointer', () => {
  let store: Store | undefined;
  let raw: Database.Database | undefined;
  let checkpointer: Checkpointer | undefined;
  afterEach(async () => {
    await checkpointer?.stop();
    raw?.close();
    await store?.close();
    store = raw = checkpointer = undefined;
  });

  it('copies written pages into the database file from its worker, and closing leaves no WAL', async () => {
    const path = join(tempDataDir(), 'db.sqlite');
    store = openSqliteStore(path);
    const before = statSync(path).size;
    // ~600 rows of 2 kB: far below the 1000-page automatic checkpoint, which is off anyway.
    for (let i = 0; i < 600; i++) await store.sessions.create(session(`s-${i}`));
    expect(await eventually(() => statSync(path).size > before + 600 * 2000)).toBe(true);
    await store.close();
    store = undefined;
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('turns the serving connection’s automatic checkpoints off while it runs, and back on when it stops', async () => {
    const path = join(tempDataDir(), 'db.sqlite');
    raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    checkpointer = startCheckpointer(raw, path, { intervalMs: 20 });
    expect(await eventually(() => raw!.pragma('wal_autocheckpoint', { simple: true }) === 0)).toBe(true);
    raw.exec('CREATE TABLE t (v TEXT)');
    const before = statSync(path).size;
    const insert = raw.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 300; i++) insert.run('y'.repeat(4000));
    expect(await eventually(() => statSync(path).size > before + 300 * 4000)).toBe(true);
    await checkpointer.stop();
    checkpointer = undefined;
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });
});
