import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sweepOnce } from '../../engine/runtime/sweeper.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { Store } from '../../engine/store/store.js';
import { waitingSession } from '../helpers/records.js';
import { tempDataDir } from '../helpers/test-server.js';

const session = (id: string, expiresAt: string) => waitingSession(id, '2026-01-01T00:00:00.000Z', { stepId: 's', tokenHash: 't', expiresAt });

describe('the sweeper', () => {
  let store: Store;
  afterEach(() => store?.close());

  it('removes sessions past TTL plus retention, with their timelines, and keeps the rest', async () => {
    store = openSqliteStore(join(tempDataDir(), 'db.sqlite'));
    await store.sessions.create(session('old', '2026-01-01T00:00:00.000Z'));
    await store.sessions.create(session('recent', '2026-01-02T06:00:00.000Z'));
    await store.timelines.append('old', [{ at: '2026-01-01T00:00:00.000Z', stepId: 's', type: 'form', event: 'entered' }]);
    // now = Jan 2 12:00, retention 12 h → the cut-off is Jan 2 00:00.
    const removed = await sweepOnce(store, new Date('2026-01-02T12:00:00.000Z'), 12 * 3600);
    expect(removed.sessions).toBe(1);
    expect(await store.sessions.get('old')).toBeNull();
    expect(await store.timelines.list('old')).toEqual([]);
    expect(await store.sessions.get('recent')).not.toBeNull();
  });

  it('forgets one-use token records once the token has expired', async () => {
    store = openSqliteStore(join(tempDataDir(), 'db.sqlite'));
    expect(await store.usedTokens.markUsed('a', '2026-01-01T00:05:00.000Z')).toBe(true);
    expect(await store.usedTokens.markUsed('b', '2026-01-03T00:00:00.000Z')).toBe(true);
    const removed = await sweepOnce(store, new Date('2026-01-02T00:00:00.000Z'), 0);
    expect(removed.tokens).toBe(1);
    // "b" is still remembered: a second use is still refused.
    expect(await store.usedTokens.markUsed('b', '2026-01-03T00:00:00.000Z')).toBe(false);
  });

  it('forgets counters whose window started more than a week ago', async () => {
    store = openSqliteStore(join(tempDataDir(), 'db.sqlite'));
    await store.counters.increment('old', 60, '2026-01-01T00:00:00.000Z');
    await store.counters.increment('fresh', 60, '2026-01-07T23:00:00.000Z');
    const removed = await sweepOnce(store, new Date('2026-01-08T12:00:00.000Z'), 0);
    expect(removed.counters).toBe(1);
    // "fresh" still counts within its window; "old" starts again at 1.
    expect(await store.counters.increment('fresh', 86400, '2026-01-08T12:00:00.000Z')).toBe(2);
    expect(await store.counters.increment('old', 60, '2026-01-08T12:00:00.000Z')).toBe(1);
  });

  // ---- OpenID Connect provider (#18) ----
  it("forgets the OpenID provider's artefacts once they have expired, keeping those without expiry", async () => {
    store = openSqliteStore(join(tempDataDir(), 'db.sqlite'));
    const artefact = (id: string, expiresAt: string | null) => ({ model: 'AccessToken', id, payload: {}, grantId: null, userCode: null, uid: null, expiresAt, consumedAt: null });
    await store.oidc.upsert(artefact('old', '2026-01-01T00:00:00.000Z'));
    await store.oidc.upsert(artefact('live', '2026-01-03T00:00:00.000Z'));
    await store.oidc.upsert(artefact('kept', null));
    const removed = await sweepOnce(store, new Date('2026-01-02T00:00:00.000Z'), 0);
    expect(removed.oidc).toBe(1);
    expect(await store.oidc.find('AccessToken', 'live', '2026-01-02T00:00:00.000Z')).not.toBeNull();
    expect(await store.oidc.find('AccessToken', 'kept', '2026-01-02T00:00:00.000Z')).not.toBeNull();
  });
});
