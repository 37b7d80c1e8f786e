/**
 * The EmailLinkStore contract (store.ts), on SQLite (a temp file per test) and PostgreSQL (a fresh
 * schema, emptied between tests). Races use several store instances on one database, as several
 * server processes would: a guard kept in process memory would fail them on PostgreSQL.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../engine/runtime/sweeper.js';
import { openPostgresStore } from '../../engine/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { EmailLinkRecord, Store } from '../../engine/store/store.js';
import { describePostgres, freshSchema } from '../helpers/postgres.js';
import { tempDataDir } from '../helpers/test-server.js';

const T0 = Date.parse('2026-01-15T10:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

function link(id: string, over: Partial<EmailLinkRecord> = {}): EmailLinkRecord {
  return {
    id,
    tokenHash: `hash-of-${id}`,
    sessionId: 'session-1',
    stepId: 'link',
    deviceHash: `device-${id}`,
    codeHash: null,
    failures: 0,
    createdAt: at(0),
    expiresAt: at(600),
    usedAt: null,
    ...over,
  };
}

interface Backend {
  open(): Promise<Store>;
  another(): Promise<Store>;
}

function linkContract(backend: Backend): void {
  const opened: Store[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  const open = async () => {
    const store = await backend.open();
    opened.push(store);
    return store;
  };
  const several = async (count: number) => {
    const stores = [await open()];
    for (let i = 1; i < count; i++) {
      const store = await backend.another();
      opened.push(store);
      stores.push(store);
    }
    return stores;
  };

  it('create, get and findByTokenHash round-trip every field; unknown ids and hashes answer null', async () => {
    const store = await open();
    const a = link('a', { codeHash: 'k1.code', deviceHash: null });
    await store.links.create(a);
    expect(await store.links.get('a')).toEqual(a);
    expect(await store.links.findByTokenHash('hash-of-a')).toEqual(a);
    expect(await store.links.get('nope')).toBeNull();
    expect(await store.links.findByTokenHash('hash-of-nope')).toBeNull();
  });

  it("a new link replaces its session step's earlier links, and only those", async () => {
    const store = await open();
    await store.links.create(link('a'));
    await store.links.create(link('other-step', { stepId: 'second' }));
    await store.links.create(link('other-session', { sessionId: 'session-2' }));
    await store.links.create(link('b'));
    expect(await store.links.get('a')).toBeNull();
    expect(await store.links.findByTokenHash('hash-of-a')).toBeNull();
    expect(await store.links.get('b')).not.toBeNull();
    expect(await store.links.get('other-step')).not.toBeNull();
    expect(await store.links.get('other-session')).not.toBeNull();
  });

  it('consume succeeds once, only before expiry; it sets usedAt and nothing else', async () => {
    const store = await open();
    await store.links.create(link('a'));
    await store.links.create(link('late', { sessionId: 'session-2' }));
    expect(await store.links.consume('late', at(600))).toBe(false);
    expect(await store.links.consume('a', at(599))).toBe(true);
    expect(await store.links.consume('a', at(599))).toBe(false);
    expect(await store.links.get('a')).toEqual(link('a', { usedAt: at(599) }));
    expect(await store.links.get('late')).toEqual(link('late', { sessionId: 'session-2' }));
    expect(await store.links.consume('nope', at(1))).toBe(false);
  });

  it('recordFailure counts up to the limit, then answers null; a used link takes no attempts', async () => {
    const store = await open();
    await store.links.create(link('a'));
    expect(await store.links.recordFailure('a', 3)).toBe(1);
    expect(await store.links.recordFailure('a', 3)).toBe(2);
    expect(await store.links.recordFailure('a', 3)).toBe(3);
    expect(await store.links.recordFailure('a', 3)).toBeNull();
    expect((await store.links.get('a'))!.failures).toBe(3);

    await store.links.create(link('b', { sessionId: 'session-2' }));
    expect(await store.links.consume('b', at(1))).toBe(true);
    expect(await store.links.recordFailure('b', 3)).toBeNull();
    expect(await store.links.recordFailure('nope', 3)).toBeNull();
  });

  it('20 concurrent consumes from several processes: exactly one is true', async () => {
    const stores = await several(4);
    await stores[0].links.create(link('a'));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % stores.length].links.consume('a', at(10 + i))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('30 concurrent failures from several processes with a limit of 3: exactly 3 are taken, counting 1..3', async () => {
    const stores = await several(4);
    await stores[0].links.create(link('a'));
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % stores.length].links.recordFailure('a', 3)));
    expect(results.filter((r) => r !== null).sort()).toEqual([1, 2, 3]);
  });

  it('deleteExpired removes links that expired before the cut-off, used or not; the sweeper keeps them for the retention', async () => {
    const store = await open();
    await store.links.create(link('old', { sessionId: 's-old', expiresAt: at(100) }));
    await store.links.create(link('used', { sessionId: 's-used', expiresAt: at(200), usedAt: at(50) }));
    await store.links.create(link('fresh', { sessionId: 's-fresh', expiresAt: at(1000) }));
    expect(await store.links.deleteExpired(at(200))).toBe(1);
    expect(await store.links.get('old')).toBeNull();
    expect(await store.links.get('used')).not.toBeNull();

    // now = 1300 s, retention 1000 s: the cut-off is 300 s, so "used" goes and "fresh" stays.
    const removed = await sweepOnce(store, new Date(T0 + 1300_000), 1000);
    expect(removed.links).toBe(1);
    expect(await store.links.get('used')).toBeNull();
    expect(await store.links.get('fresh')).not.toBeNull();
  });
}

describe('SQLite email link store', () => {
  const dirs: string[] = [];
  let path = '';
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  linkContract({
    async open() {
      const dir = tempDataDir();
      dirs.push(dir);
      path = join(dir, 'db.sqlite');
      return openSqliteStore(path);
    },
    async another() {
      return openSqliteStore(path);
    },
  });
});

describePostgres('PostgreSQL email link store', (url) => {
  const schema = freshSchema(url);
  afterAll(() => schema.drop());
  linkContract({
    async open() {
      const store = await openPostgresStore(schema.url);
      await schema.truncate();
      return store;
    },
    async another() {
      return openPostgresStore(schema.url);
    },
  });
});
