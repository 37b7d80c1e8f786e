/**
 * The SQLite WAL stays bounded under a continuous writer with a second connection reading
 * between its writes (what two engine processes on one file do). This is the failure mode of the
 * reverted checkpoint worker (docs/benchmarks.md): checkpoints that never get to reset the WAL
 * let it grow with every write; any change to where checkpoints run must keep this test green.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { SessionRecord, Store } from '../../engine/store/store.js';
import { tempDataDir } from '../helpers/test-server.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
const PAGE = 4096;
/** SQLite's automatic checkpoint starts at 1000 pages; a commit in flight may add a few more. */
const BOUND = 1100 * PAGE;

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
    const padding = 'x'.repeat(6000);
    const session = (id: string): SessionRecord => ({
      id,
      journeyId: 'j',
      journeyVersion: 1,
      documentHash: 'h',
      status: 'waiting',
      stepId: 'ask',
      userId: null,
      snapshot: { padding },
      revision: 0,
      tokenHash: `t-${id}`,
      testRun: false,
      createdAt: at(0),
      updatedAt: at(0),
      expiresAt: at(900),
      leaseUntil: null,
    });
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
});
