/**
 * One contract for every Store (store.ts): the same cases run against SQLite (a temp file per
 * test) and PostgreSQL (a fresh schema per run, emptied between tests, dropped afterwards). Races
 * use several store instances on one database, each with its own connections, as several server
 * processes would; a guard kept in process memory would fail them on PostgreSQL.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../engine/store/open-store.js';
import { parsePostgresUrl } from '../../engine/store/postgres/pool.js';
import { openPostgresStore } from '../../engine/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import {
  RevisionConflictError,
  GuardFailed,
  type AuthenticatorRecord,
  type AuthsignalActionRecord,
  type AuthsignalSessionRecord,
  type OutboxMessage,
  type RecoveryCodeRecord,
  type SessionRecord,
  type SessionUpdate,
  type SigningKeyRecord,
  type OidcClientRecord,
  type OidcModelRecord,
  type Store,
  type StoredUser,
  type TimelineEvent,
  type SessionFunnel,
  type AuditEntry,
} from '../../engine/store/store.js';
import { describePostgres, freshSchema, query } from '../helpers/postgres.js';
import { tempDataDir } from '../helpers/test-server.js';

interface Backend {
  /** A store on an empty database. */
  open(): Promise<Store>;
  /** One more store on the database of the last open(): another process's connections. */
  another(): Promise<Store>;
}

const T0 = Date.parse('2026-01-15T10:00:00.000Z');
/** The ISO time `seconds` after T0, as the engine writes times (milliseconds, Z). */
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

function sessionRecord(id: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    journeyId: 'journey-a',
    journeyVersion: 1,
    documentHash: 'hash-1',
    status: 'waiting',
    stepId: 'ask',
    userId: null,
    snapshot: { context: { variables: { n: 1 } } },
    revision: 0,
    tokenHash: `token-of-${id}`,
    testRun: false,
    createdAt: at(0),
    updatedAt: at(0),
    expiresAt: at(900),
    leaseUntil: null,
    ...over,
  };
}

function user(id: string, username: string | null, createdAt = at(0)): StoredUser {
  return { id, username, attributes: { email: `${id}@example.test`, profile: { plan: 'free', tags: ['a', 'b'] } }, createdAt };
}

function authenticator(id: string, userId: string, over: Partial<AuthenticatorRecord> = {}): AuthenticatorRecord {
  return {
    id,
    userId,
    type: 'totp',
    sealedSecret: `sealed-${id}`,
    params: { algorithm: 'SHA1', digits: 6, period: 30 },
    confirmedAt: null,
    createdAt: at(0),
    lastUsedAt: null,
    lastTimeStep: null,
    ...over,
  };
}

function recoveryCode(id: string, userId: string, usedAt: string | null = null): RecoveryCodeRecord {
  return { id, userId, salt: `salt-${id}`, hash: `hash-${id}`, createdAt: at(0), usedAt };
}

function message(id: string, createdAt: string, sessionId: string | null, to: string): OutboxMessage {
  return { id, channel: 'sms', to, body: `body of ${id}`, sessionId, createdAt };
}

function storeContract(backend: Backend): void {
  const opened: Store[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  const track = (store: Store): Store => {
    opened.push(store);
    return store;
  };
  const open = async (): Promise<Store> => track(await backend.open());
  /** `count` stores on one fresh database, as `count` processes. */
  const several = async (count: number): Promise<Store[]> => {
    const stores = [await open()];
    for (let i = 1; i < count; i++) stores.push(track(await backend.another()));
    return stores;
  };
  /** `n` calls spread round-robin over the stores, all started together. */
  const race = <T>(stores: Store[], n: number, call: (store: Store, i: number) => Promise<T>): Promise<T[]> =>
    Promise.all(Array.from({ length: n }, (_, i) => call(stores[i % stores.length], i)));

  describe('journeys', () => {
    it('saves drafts with increasing revisions; getDraft answers the latest', async () => {
      const store = await open();
      const first = { name: 'First', start: 'a', steps: {} };
      expect(await store.journeys.saveDraft('j1', first, at(0))).toEqual({ id: 'j1', document: first, revision: 1, updatedAt: at(0) });
      const second = { name: 'Second', start: 'b', steps: { b: { type: 'complete' } } };
      expect((await store.journeys.saveDraft('j1', second, at(1))).revision).toBe(2);
      expect(await store.journeys.getDraft('j1')).toEqual({ id: 'j1', document: second, revision: 2, updatedAt: at(1) });
      expect(await store.journeys.getDraft('nope')).toBeNull();
    });

    it('with expectedRevision, a stale save throws RevisionConflictError and changes nothing', async () => {
      const store = await open();
      expect((await store.journeys.saveDraft('j', { v: 1 }, at(0), 0)).revision).toBe(1);
      await expect(store.journeys.saveDraft('j', { v: 2 }, at(1), 0)).rejects.toBeInstanceOf(RevisionConflictError);
      await expect(store.journeys.saveDraft('j', { v: 2 }, at(1), 2)).rejects.toBeInstanceOf(RevisionConflictError);
      expect(await store.journeys.getDraft('j')).toEqual({ id: 'j', document: { v: 1 }, revision: 1, updatedAt: at(0) });
      expect((await store.journeys.saveDraft('j', { v: 2 }, at(1), 1)).revision).toBe(2);
      // A revision other than 0 for a draft that does not exist is stale too.
      await expect(store.journeys.saveDraft('new', { v: 1 }, at(0), 3)).rejects.toBeInstanceOf(RevisionConflictError);
      expect(await store.journeys.getDraft('new')).toBeNull();
    });

    it('ten saves expecting the same revision from several processes: exactly one wins', async () => {
      const stores = await several(3);
      await stores[0].journeys.saveDraft('j', { v: 0 }, at(0));
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => stores[i % 3].journeys.saveDraft('j', { v: i + 1 }, at(1), 1)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(RevisionConflictError);
      expect((await stores[1].journeys.getDraft('j'))?.revision).toBe(2);
    });

    it('list answers drafts by id, named by document.name (else the id), with the latest live version', async () => {
      const store = await open();
      await store.journeys.saveDraft('b', { name: 'Bee' }, at(1));
      await store.journeys.saveDraft('a', { start: 'x' }, at(2));
      await store.journeys.publish('b', 'hb1', { name: 'Bee' }, at(3));
      await store.journeys.publish('b', 'hb2', { name: 'Bee' }, at(4));
      // Versions without a draft are not listed.
      await store.journeys.publish('c', 'hc1', { name: 'Sea' }, at(5));
      expect(await store.journeys.list()).toEqual([
        { id: 'a', name: 'a', updatedAt: at(2), latestVersion: null },
        { id: 'b', name: 'Bee', updatedAt: at(1), latestVersion: 2 },
      ]);
    });

    it('publish numbers versions 1, 2, 3…; after delete, versions are hidden and numbers never reused', async () => {
      const store = await open();
      await store.journeys.saveDraft('j', { name: 'J' }, at(0));
      for (let n = 1; n <= 3; n++) {
        expect(await store.journeys.publish('j', `h${n}`, { n }, at(n))).toEqual({ journeyId: 'j', version: n, documentHash: `h${n}`, publishedAt: at(n) });
      }
      expect((await store.journeys.listVersions('j')).map((v) => v.version)).toEqual([1, 2, 3]);
      expect(await store.journeys.getVersion('j', 2)).toEqual({ journeyId: 'j', version: 2, documentHash: 'h2', publishedAt: at(2) });
      expect(await store.journeys.getLatestVersion('j')).toEqual({ journeyId: 'j', version: 3, documentHash: 'h3', publishedAt: at(3) });

      expect(await store.journeys.delete('j')).toBe(true);
      expect(await store.journeys.getDraft('j')).toBeNull();
      expect(await store.journeys.listVersions('j')).toEqual([]);
      expect(await store.journeys.getVersion('j', 2)).toBeNull();
      expect(await store.journeys.getLatestVersion('j')).toBeNull();
      expect(await store.journeys.list()).toEqual([]);
      expect(await store.journeys.isKnown('j')).toBe(true);
      // Sessions keep their documents.
      expect(await store.journeys.getDocument('h2')).toEqual({ n: 2 });

      await store.journeys.saveDraft('j', { name: 'J again' }, at(10));
      expect((await store.journeys.publish('j', 'h4', { n: 4 }, at(11))).version).toBe(4);
      expect((await store.journeys.listVersions('j')).map((v) => v.version)).toEqual([4]);
      expect((await store.journeys.getLatestVersion('j'))?.version).toBe(4);
      expect(await store.journeys.getVersion('j', 3)).toBeNull();
      expect(await store.journeys.list()).toEqual([{ id: 'j', name: 'J again', updatedAt: at(10), latestVersion: 4 }]);
    });

    it('publishes racing from several processes get distinct, consecutive numbers', async () => {
      const stores = await several(3);
      const versions = await race(stores, 12, (store, i) => store.journeys.publish('j', `h${i % 2}`, { i: i % 2 }, at(i)));
      expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(await stores[0].journeys.listVersions('j')).toHaveLength(12);
    });

    it('isKnown: never-seen ids are not; published ids stay known after delete; a deleted draft-only id is forgotten', async () => {
      const store = await open();
      expect(await store.journeys.isKnown('nope')).toBe(false);
      await store.journeys.saveDraft('draft-only', {}, at(0));
      expect(await store.journeys.isKnown('draft-only')).toBe(true);
      await store.journeys.publish('published', 'h', {}, at(0));
      expect(await store.journeys.isKnown('published')).toBe(true);
      await store.journeys.delete('published');
      expect(await store.journeys.isKnown('published')).toBe(true);
      // As the SQLite reference does: only a published version (its counter) outlives delete.
      await store.journeys.delete('draft-only');
      expect(await store.journeys.isKnown('draft-only')).toBe(false);
    });

    it('delete answers whether there was a draft or a live version', async () => {
      const store = await open();
      expect(await store.journeys.delete('nope')).toBe(false);
      await store.journeys.saveDraft('d', {}, at(0));
      expect(await store.journeys.delete('d')).toBe(true);
      expect(await store.journeys.delete('d')).toBe(false);
      await store.journeys.publish('v', 'h', {}, at(0));
      expect(await store.journeys.delete('v')).toBe(true);
      expect(await store.journeys.delete('v')).toBe(false);
    });

    it('documents by hash: the first write wins; shape and key order are kept exactly', async () => {
      const store = await open();
      const document = { z: 1, a: { y: [1, { c: null, b: 'x' }], x: true }, m: 'ünïcödé ✓', n: -0.5, e: {}, l: [] };
      await store.journeys.putDocument('h', document);
      await store.journeys.putDocument('h', { other: true });
      const read = await store.journeys.getDocument('h');
      expect(read).toEqual(document);
      expect(JSON.stringify(read)).toBe(JSON.stringify(document));
      expect(await store.journeys.getDocument('missing')).toBeNull();
      await store.journeys.publish('j', 'published-hash', { id: 'j', start: 's' }, at(0));
      expect(await store.journeys.getDocument('published-hash')).toEqual({ id: 'j', start: 's' });
      // Publishing a document already stored keeps the stored one.
      await store.journeys.publish('j', 'h', { different: true }, at(1));
      expect(await store.journeys.getDocument('h')).toEqual(document);
    });
  });

  describe('sessions', () => {
    it('create and get round-trip every field', async () => {
      const store = await open();
      const full = sessionRecord('s1', {
        journeyVersion: null,
        status: 'completed',
        stepId: null,
        userId: 'u1',
        snapshot: { context: { list: [1, 'two', { three: 3 }], nothing: null }, flag: true },
        revision: 7,
        testRun: true,
        leaseUntil: at(30),
      });
      await store.sessions.create(full);
      await store.sessions.create(sessionRecord('s2'));
      expect(await store.sessions.get('s1')).toEqual(full);
      expect(await store.sessions.get('s2')).toEqual(sessionRecord('s2'));
      expect(await store.sessions.get('nope')).toBeNull();
    });

    it('claim succeeds once per revision: bumps the revision and sets the lease', async () => {
      const store = await open();
      await store.sessions.create(sessionRecord('s'));
      expect(await store.sessions.claim('s', 0, at(150), at(0))).toBe(1);
      expect(await store.sessions.get('s')).toMatchObject({ revision: 1, leaseUntil: at(150) });
      expect(await store.sessions.claim('s', 0, at(150), at(200))).toBeNull();
      expect(await store.sessions.claim('nope', 0, at(150), at(0))).toBeNull();
    });

    it('20 concurrent claims of one revision from several processes: exactly one succeeds', async () => {
      const stores = await several(4);
      await stores[0].sessions.create(sessionRecord('s', { revision: 5 }));
      const results = await race(stores, 20, (store) => store.sessions.claim('s', 5, at(150), at(0)));
      expect(results.filter((r) => r !== null)).toEqual([6]);
      expect((await stores[1].sessions.get('s'))?.revision).toBe(6);
    });

    it('a live lease blocks claims until it has expired, then the session can be taken over', async () => {
      const store = await open();
      await store.sessions.create(sessionRecord('s'));
      expect(await store.sessions.claim('s', 0, at(150), at(0))).toBe(1);
      expect(await store.sessions.claim('s', 1, at(300), at(10))).toBeNull();
      // The lease holds up to and including its instant.
      expect(await store.sessions.claim('s', 1, at(300), at(150))).toBeNull();
      expect(await store.sessions.claim('s', 1, at(300.001), at(150.001))).toBe(2);
      expect(await store.sessions.get('s')).toMatchObject({ revision: 2, leaseUntil: at(300.001) });
    });

    it('save writes the outcome only with the claimed revision, bumps it and clears the lease', async () => {
      const store = await open();
      await store.sessions.create(sessionRecord('s'));
      const claimed = await store.sessions.claim('s', 0, at(150), at(0));
      const update: SessionUpdate = { status: 'completed', stepId: null, userId: 'u1', snapshot: { done: { yes: true } }, updatedAt: at(5) };
      expect(await store.sessions.save('s', 0, update)).toBe(false);
      expect(await store.sessions.save('s', 2, update)).toBe(false);
      expect(await store.sessions.get('s')).toMatchObject({ status: 'waiting', revision: 1 });
      expect(await store.sessions.save('s', claimed!, update)).toBe(true);
      expect(await store.sessions.get('s')).toEqual({
        ...sessionRecord('s'),
        status: 'completed',
        stepId: null,
        userId: 'u1',
        snapshot: { done: { yes: true } },
        updatedAt: at(5),
        revision: 2,
        leaseUntil: null,
      });
      expect(await store.sessions.save('s', claimed!, update)).toBe(false);
    });

    it('create and save write their timeline events with the session, and a lost claim writes none', async () => {
      const store = await open();
      const event = (n: number) => ({ at: at(n), stepId: 'a', type: 'form', event: 'entered' as const });
      await store.sessions.create(sessionRecord('s'), [event(0), event(1)]);
      expect(await store.timelines.list('s')).toEqual([event(0), event(1)]);
      const claimed = await store.sessions.claim('s', 0, at(150), at(0));
      const update: SessionUpdate = { status: 'waiting', stepId: 'b', userId: null, snapshot: {}, updatedAt: at(2) };
      expect(await store.sessions.save('s', 0, update, [event(9)])).toBe(false);
      expect(await store.timelines.list('s')).toEqual([event(0), event(1)]);
      expect(await store.sessions.save('s', claimed!, update, [event(2), event(3)])).toBe(true);
      expect(await store.timelines.list('s')).toEqual([event(0), event(1), event(2), event(3)]);
    });

    it('a save clears the attempt counts of its run (attemptResets) only when it wins, whatever else it writes', async () => {
      const store = await open();
      const meta = { kind: 'totp', subject: null };
      const failures = async (key: string) => (await store.attempts.get(key))?.failures;
      for (const key of ['plain', 'ending', 'other', 'lost']) {
        await store.attempts.reserve(key, meta, 5, at(0), at(900));
        await store.attempts.reserve(key, meta, 5, at(0), at(900));
      }
      // A waiting save (the single-statement path) and a final save with its webhook event and funnel.
      await store.sessions.create(sessionRecord('s'));
      await store.sessions.create(sessionRecord('t'));
      const update: SessionUpdate = { status: 'waiting', stepId: 'b', userId: null, snapshot: {}, updatedAt: at(2) };
      let claimed = (await store.sessions.claim('s', 0, at(150), at(0)))!;
      expect(await store.sessions.save('s', 0, update, [], { attemptResets: ['lost'] })).toBe(false);
      expect(await failures('lost')).toBe(2);
      expect(await store.sessions.save('s', claimed, update, [], { attemptResets: ['plain'] })).toBe(true);
      expect(await failures('plain')).toBe(0);
      expect(await failures('other')).toBe(2);
      claimed = (await store.sessions.claim('t', 0, at(150), at(0)))!;
      const funnel: SessionFunnel = { sessionId: 't', journeyId: 'journey-a', journeyVersion: 1, startedAt: at(0), status: 'completed', countedAt: at(3), entered: [], visits: [] };
      expect(await store.sessions.save('t', claimed, { ...update, status: 'completed' }, [], { funnel, attemptResets: ['ending'] })).toBe(true);
      expect(await failures('ending')).toBe(0);
      expect(await failures('other')).toBe(2);
      // With an audit entry (the transactional path) too.
      await store.sessions.create(sessionRecord('u'));
      claimed = (await store.sessions.claim('u', 0, at(150), at(0)))!;
      const audit: AuditEntry = { id: 'audit-1', at: at(4), actor: 'admin', action: 'session.test', targetType: 'session', targetId: 'u', clientAddress: null, details: {} };
      expect(await store.sessions.save('u', claimed, update, [], { audit, attemptResets: ['other'] })).toBe(true);
      expect(await failures('other')).toBe(0);
    });

    it('renewLease extends a held claim only', async () => {
      const store = await open();
      await store.sessions.create(sessionRecord('s'));
      const claimed = await store.sessions.claim('s', 0, at(15), at(0));
      expect(await store.sessions.renewLease('s', claimed!, at(30))).toBe(true);
      expect(await store.sessions.get('s')).toMatchObject({ leaseUntil: at(30), revision: claimed });
      // Still held at 20 s thanks to the renewal.
      expect(await store.sessions.claim('s', claimed!, at(40), at(20))).toBeNull();
      expect(await store.sessions.renewLease('s', claimed! - 1, at(60))).toBe(false);
      await store.sessions.release('s', claimed!);
      expect(await store.sessions.renewLease('s', claimed! + 1, at(60))).toBe(false);
    });

    it('a claim taken over after its lease expired can no longer save', async () => {
      const store = await open();
      await store.sessions.create(sessionRecord('s'));
      const slow = await store.sessions.claim('s', 0, at(150), at(0));
      const takeover = await store.sessions.claim('s', slow!, at(400), at(200));
      expect(takeover).toBe(2);
      const update: SessionUpdate = { status: 'failed', stepId: null, userId: null, snapshot: {}, updatedAt: at(201) };
      expect(await store.sessions.save('s', slow!, update)).toBe(false);
      expect(await store.sessions.save('s', takeover!, update)).toBe(true);
    });

    it('release gives a claim back: revision bumped, lease cleared, nothing else changed', async () => {
      const store = await open();
      await store.sessions.create(sessionRecord('s'));
      expect(await store.sessions.claim('s', 0, at(150), at(0))).toBe(1);
      await store.sessions.release('s', 0); // not the claim: ignored
      expect(await store.sessions.get('s')).toMatchObject({ revision: 1, leaseUntil: at(150) });
      await store.sessions.release('s', 1);
      expect(await store.sessions.get('s')).toEqual({ ...sessionRecord('s'), revision: 2, leaseUntil: null });
      expect(await store.sessions.claim('s', 2, at(160), at(10))).toBe(3);
      await store.sessions.release('nope', 0);
    });

    it('list filters by journey and status, newest first (ties by id), limited', async () => {
      const store = await open();
      await store.sessions.create(sessionRecord('s1', { journeyId: 'a', status: 'waiting', createdAt: at(1) }));
      await store.sessions.create(sessionRecord('s2', { journeyId: 'a', status: 'completed', createdAt: at(2) }));
      await store.sessions.create(sessionRecord('s3', { journeyId: 'b', status: 'completed', createdAt: at(3) }));
      await store.sessions.create(sessionRecord('s5', { journeyId: 'a', status: 'completed', createdAt: at(4) }));
      await store.sessions.create(sessionRecord('s4', { journeyId: 'b', status: 'rejected', createdAt: at(4) }));
      const ids = async (filter: Parameters<Store['sessions']['list']>[0]) => (await store.sessions.list(filter)).map((s) => s.id);
      expect(await ids({ limit: 10 })).toEqual(['s4', 's5', 's3', 's2', 's1']);
      expect(await ids({ journeyId: 'a', limit: 10 })).toEqual(['s5', 's2', 's1']);
      expect(await ids({ status: 'completed', limit: 10 })).toEqual(['s5', 's3', 's2']);
      expect(await ids({ journeyId: 'a', status: 'completed', limit: 10 })).toEqual(['s5', 's2']);
      expect(await ids({ limit: 2 })).toEqual(['s4', 's5']);
      expect(await ids({ journeyId: 'none', limit: 10 })).toEqual([]);
      expect((await store.sessions.list({ journeyId: 'b', status: 'rejected', limit: 1 }))[0]).toEqual(
        sessionRecord('s4', { journeyId: 'b', status: 'rejected', createdAt: at(4) }),
      );
    });

    it('deleteExpired removes sessions that expired before the cut-off, with their timelines', async () => {
      const store = await open();
      const cutoff = at(1000);
      await store.sessions.create(sessionRecord('old', { expiresAt: at(10) }));
      await store.sessions.create(sessionRecord('older', { expiresAt: at(999.999) }));
      await store.sessions.create(sessionRecord('edge', { expiresAt: cutoff }));
      await store.sessions.create(sessionRecord('recent', { expiresAt: at(2000) }));
      const event: TimelineEvent = { at: at(0), stepId: 'ask', type: 'form', event: 'entered' };
      for (const id of ['old', 'edge', 'recent']) await store.timelines.append(id, [event]);
      expect(await store.sessions.deleteExpired(cutoff)).toBe(2);
      expect(await store.sessions.get('old')).toBeNull();
      expect(await store.sessions.get('older')).toBeNull();
      expect(await store.timelines.list('old')).toEqual([]);
      expect(await store.sessions.get('edge')).not.toBeNull();
      expect(await store.timelines.list('edge')).toEqual([event]);
      expect(await store.timelines.list('recent')).toEqual([event]);
      expect(await store.sessions.deleteExpired(cutoff)).toBe(0);
    });
  });

  describe('timelines', () => {
    it('answer the events of a session in the order appended, exactly as given', async () => {
      const store = await open();
      const e1: TimelineEvent = { at: at(0), stepId: 'ask', type: 'form', event: 'entered' };
      const e2: TimelineEvent = {
        at: at(1),
        stepId: 'ask',
        type: 'form',
        event: 'submitted',
        option: 'go',
        durationMs: 12,
        variables: { answer: { name: 'x' } },
        data: { name: 'x' },
      };
      const e3: TimelineEvent = { at: at(1), stepId: 'check', type: 'condition', event: 'branch', branch: 'true' };
      const e4: TimelineEvent = { at: at(2), stepId: null, type: null, event: 'error', error: { code: 'boom', message: 'it broke' } };
      await store.sessions.create(sessionRecord('s'));
      await store.sessions.create(sessionRecord('other'));
      await store.timelines.append('s', [e1, e2]);
      await store.timelines.append('s', []);
      await store.timelines.append('other', [e3]);
      await store.timelines.append('s', [e3, e4]);
      expect(await store.timelines.list('s')).toEqual([e1, e2, e3, e4]);
      expect(await store.timelines.list('other')).toEqual([e3]);
      // Timelines belong to sessions (kept per run under the session's row): none for a stranger.
      await store.timelines.append('none', [e1]);
      expect(await store.timelines.list('none')).toEqual([]);
    });

    it('keep runs in order across create, saves and appends, each run with its own events', async () => {
      const store = await open();
      const ev = (n: number): TimelineEvent => ({ at: at(n), stepId: `step-${n}`, type: 'form', event: 'entered' });
      await store.sessions.create(sessionRecord('first'), [ev(0), ev(1)]);
      await store.sessions.create(sessionRecord('second'), [ev(100)]);
      let revision = 0;
      for (let run = 1; run <= 3; run++) {
        const claimed = (await store.sessions.claim('first', revision, at(5000), at(run)))!;
        expect(await store.sessions.save('first', claimed, { status: 'waiting', stepId: 'ask', userId: null, snapshot: {}, updatedAt: at(run) }, run === 2 ? [] : [ev(run * 10), ev(run * 10 + 1)])).toBe(true);
        revision = claimed + 1;
        await store.timelines.append('second', [ev(100 + run)]);
      }
      await store.timelines.append('first', [ev(99)]);
      expect(await store.timelines.list('first')).toEqual([ev(0), ev(1), ev(10), ev(11), ev(30), ev(31), ev(99)]);
      expect(await store.timelines.list('second')).toEqual([ev(100), ev(101), ev(102), ev(103)]);
    });
  });

  describe('users', () => {
    it('create answers the user; found by id, and by username compared normalised (NFC, lower case)', async () => {
      const store = await open();
      const zoe = user('u1', 'Zoë');
      expect(await store.users.create(zoe)).toEqual(zoe);
      expect(await store.users.findById('u1')).toEqual(zoe);
      expect(await store.users.findByUsername('ZOË')).toEqual(zoe);
      expect(await store.users.findByUsername('zoe\u0308')).toEqual(zoe); // decomposed ë
      expect(await store.users.findByUsername('zoe')).toBeNull();
      expect(await store.users.findById('nope')).toBeNull();
    });

    it('a taken normalised username answers the existing user and stores nothing', async () => {
      const store = await open();
      const alice = user('u1', 'Alice');
      await store.users.create(alice);
      expect(await store.users.create(user('u2', 'ALICE', at(5)))).toEqual(alice);
      expect(await store.users.findById('u2')).toBeNull();
      expect(await store.users.list({ limit: 10 })).toEqual([alice]);
    });

    it('a taken id answers the existing user', async () => {
      const store = await open();
      const alice = user('u1', 'alice');
      await store.users.create(alice);
      expect(await store.users.create(user('u1', 'bob'))).toEqual(alice);
      expect(await store.users.findByUsername('bob')).toBeNull();
    });

    it('users without a username may be many', async () => {
      const store = await open();
      await store.users.create(user('u1', null));
      await store.users.create(user('u2', null));
      expect((await store.users.list({ limit: 10 })).map((u) => u.id)).toEqual(['u1', 'u2']);
    });

    it('creates of one username racing from several processes: one user, every caller answered with it', async () => {
      const stores = await several(4);
      const results = await race(stores, 12, (store, i) => store.users.create(user(`u${i}`, i % 2 ? 'Carol' : 'CAROL')));
      const ids = new Set(results.map((u) => u.id));
      expect(ids.size).toBe(1);
      expect(await stores[0].users.list({ limit: 100 })).toEqual([results[0]]);
    });

    it('list: oldest first (ties by id), limited; or the one user of a username', async () => {
      const store = await open();
      await store.users.create(user('u3', 'carol', at(2)));
      await store.users.create(user('u2', 'bob', at(1)));
      await store.users.create(user('u1', 'alice', at(2)));
      expect((await store.users.list({ limit: 10 })).map((u) => u.id)).toEqual(['u2', 'u1', 'u3']);
      expect((await store.users.list({ limit: 2 })).map((u) => u.id)).toEqual(['u2', 'u1']);
      expect(await store.users.list({ username: 'BOB', limit: 10 })).toEqual([user('u2', 'bob', at(1))]);
      expect(await store.users.list({ username: 'dave', limit: 10 })).toEqual([]);
    });

    it('delete erases the user and everything about them: authenticators, recovery codes, attempts, sessions with their timelines and outbox', async () => {
      const store = await open();
      const event: TimelineEvent = { at: at(0), stepId: 'ask', type: 'form', event: 'entered' };
      for (const id of ['u1', 'u2']) {
        await store.users.create(user(id, `name-${id}`));
        await store.authenticators.create(authenticator(`auth-${id}`, id));
        await store.recoveryCodes.replace(id, [recoveryCode(`rc-${id}`, id)]);
        await store.attempts.reserve(`totp:${id}`, { kind: 'totp', subject: id }, 5, at(0), at(900));
        await store.sessions.create(sessionRecord(`session-${id}`, { userId: id }));
        await store.timelines.append(`session-${id}`, [event]);
        await store.outbox.add(message(`msg-${id}`, at(0), `session-${id}`, '+15550100'));
      }
      await store.outbox.add(message('msg-none', at(0), null, '+15550100'));

      expect(await store.users.delete('u1')).toBe(true);
      expect(await store.users.findById('u1')).toBeNull();
      expect(await store.users.findByUsername('name-u1')).toBeNull();
      expect(await store.authenticators.get('auth-u1')).toBeNull();
      expect(await store.authenticators.listByUser('u1')).toEqual([]);
      expect(await store.recoveryCodes.listUnused('u1')).toEqual([]);
      expect(await store.attempts.get('totp:u1')).toBeNull();
      expect(await store.sessions.get('session-u1')).toBeNull();
      expect(await store.timelines.list('session-u1')).toEqual([]);
      expect(await store.outbox.list({ sessionId: 'session-u1', limit: 10 })).toEqual([]);

      // Nothing of anyone else.
      expect(await store.users.findById('u2')).not.toBeNull();
      expect(await store.authenticators.listByUser('u2')).toHaveLength(1);
      expect(await store.recoveryCodes.listUnused('u2')).toHaveLength(1);
      expect(await store.attempts.get('totp:u2')).not.toBeNull();
      expect(await store.sessions.get('session-u2')).not.toBeNull();
      expect(await store.timelines.list('session-u2')).toEqual([event]);
      expect((await store.outbox.list({ limit: 10 })).map((m) => m.id).sort()).toEqual(['msg-none', 'msg-u2']);

      // The username is free again.
      expect((await store.users.create(user('u9', 'NAME-U1'))).id).toBe('u9');
      expect(await store.users.delete('u1')).toBe(false);
    });
  });

  describe('authenticators', () => {
    it('create, get, list by user (oldest first), confirm once, delete only by the owner', async () => {
      const store = await open();
      await store.users.create(user('u1', 'alice'));
      await store.users.create(user('u2', 'bob'));
      const b = authenticator('b', 'u1', { createdAt: at(1), lastTimeStep: 56_666_667, lastUsedAt: at(1) });
      const a = authenticator('a', 'u1', { createdAt: at(2), params: { algorithm: 'SHA256', digits: 8, period: 60, label: 'Phone' } });
      const c = authenticator('c', 'u2');
      for (const record of [a, b, c]) await store.authenticators.create(record);
      expect(await store.authenticators.get('a')).toEqual(a);
      expect(await store.authenticators.get('nope')).toBeNull();
      expect(await store.authenticators.listByUser('u1')).toEqual([b, a]);

      await store.authenticators.confirm('a', at(10));
      await store.authenticators.confirm('a', at(20));
      expect((await store.authenticators.get('a'))?.confirmedAt).toBe(at(10));

      expect(await store.authenticators.delete('u2', 'a')).toBe(false);
      expect(await store.authenticators.delete('u1', 'a')).toBe(true);
      expect(await store.authenticators.delete('u1', 'a')).toBe(false);
      expect(await store.authenticators.listByUser('u1')).toEqual([b]);
    });

    it('belong to an existing user', async () => {
      const store = await open();
      await expect(store.authenticators.create(authenticator('a', 'ghost'))).rejects.toThrow();
    });

    it('advanceTimeStep accepts only a later step (time steps beyond 32 bits too) and marks the use when it accepts', async () => {
      const store = await open();
      await store.users.create(user('u1', 'alice'));
      await store.authenticators.create(authenticator('a', 'u1'));
      expect(await store.authenticators.advanceTimeStep('a', 0, at(1))).toBe(true);
      expect(await store.authenticators.advanceTimeStep('a', 0, at(2))).toBe(false);
      expect(await store.authenticators.get('a')).toMatchObject({ lastTimeStep: 0, lastUsedAt: at(1) });
      const big = 2 ** 33;
      expect(await store.authenticators.advanceTimeStep('a', big, at(3))).toBe(true);
      expect(await store.authenticators.advanceTimeStep('a', big - 1, at(4))).toBe(false);
      expect(await store.authenticators.get('a')).toMatchObject({ lastTimeStep: big, lastUsedAt: at(3) });
      expect(await store.authenticators.advanceTimeStep('nope', 5, at(5))).toBe(false);
    });

    // Passkeys (issue 17).
    it('advanceSignCount accepts a higher counter or 0 after 0, stores the params and marks the use; a stalled counter changes nothing', async () => {
      const store = await open();
      await store.users.create(user('u1', 'alice'));
      await store.authenticators.create(authenticator('p', 'u1', { type: 'passkey', signCount: 0 }));
      expect(await store.authenticators.get('p')).toMatchObject({ signCount: 0 });
      expect(await store.authenticators.advanceSignCount('p', 0, { backedUp: false }, at(1))).toBe(true);
      expect(await store.authenticators.advanceSignCount('p', 0, { backedUp: true }, at(2))).toBe(true);
      expect(await store.authenticators.get('p')).toMatchObject({ signCount: 0, params: { backedUp: true }, lastUsedAt: at(2) });
      expect(await store.authenticators.advanceSignCount('p', 7, { n: 7 }, at(3))).toBe(true);
      for (const stale of [7, 6, 0]) expect(await store.authenticators.advanceSignCount('p', stale, { n: stale }, at(4))).toBe(false);
      expect(await store.authenticators.get('p')).toMatchObject({ signCount: 7, params: { n: 7 }, lastUsedAt: at(3) });
      expect(await store.authenticators.advanceSignCount('nope', 9, {}, at(5))).toBe(false);
    });

    it('20 concurrent advanceSignCount calls with one counter from several processes: exactly one is true', async () => {
      const stores = await several(4);
      await stores[0].users.create(user('u1', 'alice'));
      await stores[0].authenticators.create(authenticator('p', 'u1', { type: 'passkey', signCount: 5 }));
      const results = await race(stores, 20, (store) => store.authenticators.advanceSignCount('p', 6, {}, at(1)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('20 concurrent advanceTimeStep calls with one step from several processes: exactly one is true', async () => {
      const stores = await several(4);
      await stores[0].users.create(user('u1', 'alice'));
      await stores[0].authenticators.create(authenticator('a', 'u1', { lastTimeStep: 100 }));
      const results = await race(stores, 20, (store) => store.authenticators.advanceTimeStep('a', 101, at(1)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await stores[2].authenticators.get('a'))?.lastTimeStep).toBe(101);
    });

    describe('confirmEnrolment', () => {
      const codes = (userId: string, ...ids: string[]) => ids.map((id) => recoveryCode(id, userId));
      const idsOf = async (store: Store, userId: string) => (await store.authenticators.listByUser(userId)).map((a) => [a.id, a.confirmedAt]);

      it('confirms a pending one, removes the other pending ones of its type only, and replaces the recovery codes', async () => {
        const store = await open();
        await store.users.create(user('u1', 'alice'));
        await store.users.create(user('u2', 'bob'));
        await store.authenticators.create(authenticator('p1', 'u1', { createdAt: at(1) }));
        await store.authenticators.create(authenticator('p2', 'u1', { createdAt: at(2) }));
        await store.authenticators.create(authenticator('sms', 'u1', { type: 'sms', createdAt: at(3), confirmedAt: at(3) }));
        await store.authenticators.create(authenticator('mail', 'u1', { type: 'email', createdAt: at(4) }));
        await store.authenticators.create(authenticator('bob', 'u2', { createdAt: at(5) }));
        await store.recoveryCodes.replace('u1', codes('u1', 'old'));
        await store.recoveryCodes.replace('u2', codes('u2', 'bobs'));

        expect(await store.authenticators.confirmEnrolment('p2', 'u1', at(10), { replaceExisting: false, recoveryCodes: codes('u1', 'new-a', 'new-b') })).toBe(true);
        expect(await idsOf(store, 'u1')).toEqual([
          ['p2', at(10)],
          ['sms', at(3)],
          ['mail', null],
        ]);
        expect(await store.authenticators.get('p2')).toEqual(authenticator('p2', 'u1', { createdAt: at(2), confirmedAt: at(10) }));
        expect(await store.recoveryCodes.listUnused('u1')).toEqual(codes('u1', 'new-a', 'new-b'));
        // Another user is untouched.
        expect(await idsOf(store, 'u2')).toEqual([['bob', null]]);
        expect(await store.recoveryCodes.listUnused('u2')).toEqual(codes('u2', 'bobs'));
      });

      it('without recovery codes keeps the user’s codes', async () => {
        const store = await open();
        await store.users.create(user('u1', 'alice'));
        await store.authenticators.create(authenticator('p1', 'u1'));
        await store.recoveryCodes.replace('u1', codes('u1', 'kept'));
        expect(await store.authenticators.confirmEnrolment('p1', 'u1', at(10), { replaceExisting: false })).toBe(true);
        expect(await store.recoveryCodes.listUnused('u1')).toEqual(codes('u1', 'kept'));
      });

      it('refuses while another of the type is confirmed: nothing changes, not even the other pending ones or the codes', async () => {
        const store = await open();
        await store.users.create(user('u1', 'alice'));
        await store.authenticators.create(authenticator('owner', 'u1', { createdAt: at(1), confirmedAt: at(1) }));
        await store.authenticators.create(authenticator('p1', 'u1', { createdAt: at(2) }));
        await store.authenticators.create(authenticator('p2', 'u1', { createdAt: at(3) }));
        await store.recoveryCodes.replace('u1', codes('u1', 'owners'));

        expect(await store.authenticators.confirmEnrolment('p1', 'u1', at(10), { replaceExisting: false, recoveryCodes: codes('u1', 'attackers') })).toBe(false);
        expect(await idsOf(store, 'u1')).toEqual([
          ['owner', at(1)],
          ['p1', null],
          ['p2', null],
        ]);
        expect(await store.recoveryCodes.listUnused('u1')).toEqual(codes('u1', 'owners'));
      });

      it('replaceExisting deletes the confirmed ones of the type too', async () => {
        const store = await open();
        await store.users.create(user('u1', 'alice'));
        await store.authenticators.create(authenticator('old', 'u1', { createdAt: at(1), confirmedAt: at(1) }));
        await store.authenticators.create(authenticator('p1', 'u1', { createdAt: at(2) }));
        await store.authenticators.create(authenticator('p2', 'u1', { createdAt: at(3) }));
        await store.authenticators.create(authenticator('sms', 'u1', { type: 'sms', createdAt: at(4), confirmedAt: at(4) }));
        expect(await store.authenticators.confirmEnrolment('p2', 'u1', at(10), { replaceExisting: true, recoveryCodes: codes('u1', 'fresh') })).toBe(true);
        expect(await idsOf(store, 'u1')).toEqual([
          ['p2', at(10)],
          ['sms', at(4)],
        ]);
        expect(await store.recoveryCodes.listUnused('u1')).toEqual(codes('u1', 'fresh'));
      });

      it('refuses an authenticator that is not pending, not the user’s, or gone', async () => {
        const store = await open();
        await store.users.create(user('u1', 'alice'));
        await store.users.create(user('u2', 'bob'));
        await store.authenticators.create(authenticator('done', 'u1', { confirmedAt: at(1) }));
        await store.authenticators.create(authenticator('bobs', 'u2'));
        await store.recoveryCodes.replace('u1', codes('u1', 'kept'));
        const options = { replaceExisting: true, recoveryCodes: codes('u1', 'never') };
        expect(await store.authenticators.confirmEnrolment('done', 'u1', at(10), options)).toBe(false);
        expect(await store.authenticators.confirmEnrolment('bobs', 'u1', at(10), options)).toBe(false);
        expect(await store.authenticators.confirmEnrolment('nope', 'u1', at(10), options)).toBe(false);
        expect(await store.authenticators.confirmEnrolment('bobs', 'ghost', at(10), options)).toBe(false);
        expect((await store.authenticators.get('done'))?.confirmedAt).toBe(at(1));
        expect((await store.authenticators.get('bobs'))?.confirmedAt).toBeNull();
        expect(await store.recoveryCodes.listUnused('u1')).toEqual(codes('u1', 'kept'));
      });

      it('10 pending ones of one user confirmed at once from several processes: exactly one wins, with its codes', async () => {
        const stores = await several(4);
        await stores[0].users.create(user('u1', 'alice'));
        for (let i = 0; i < 10; i++) await stores[0].authenticators.create(authenticator(`p${i}`, 'u1', { createdAt: at(i) }));
        const results = await race(stores, 10, (store, i) =>
          store.authenticators.confirmEnrolment(`p${i}`, 'u1', at(20), { replaceExisting: false, recoveryCodes: codes('u1', `code-of-p${i}`) }),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await idsOf(stores[1], 'u1')).toEqual([[`p${winner}`, at(20)]]);
        expect(await stores[2].recoveryCodes.listUnused('u1')).toEqual(codes('u1', `code-of-p${winner}`));
      });
    });
  });

  describe('attempts', () => {
    const LOCK = at(900);
    const meta = (subject: string | null = 'u1') => ({ kind: 'totp', subject });

    it('count up to the limit; the attempt that reaches it is taken and locks at once', async () => {
      const store = await open();
      expect(await store.attempts.reserve('k', meta(), 3, at(0), LOCK)).toBe(1);
      expect(await store.attempts.reserve('k', meta(), 3, at(0), LOCK)).toBe(2);
      expect(await store.attempts.get('k')).toEqual({ key: 'k', kind: 'totp', subject: 'u1', failures: 2, lockedUntil: null });
      expect(await store.attempts.reserve('k', meta(), 3, at(0), LOCK)).toBe(3);
      expect(await store.attempts.get('k')).toMatchObject({ failures: 3, lockedUntil: LOCK });
      expect(await store.attempts.get('nope')).toBeNull();
    });

    it('a limit of 1 locks on the first attempt', async () => {
      const store = await open();
      expect(await store.attempts.reserve('k', meta(), 1, at(0), LOCK)).toBe(1);
      expect(await store.attempts.reserve('k', meta(), 1, at(0), LOCK)).toBeNull();
      expect((await store.attempts.get('k'))?.lockedUntil).toBe(LOCK);
    });

    it('while locked: null, not counted, the lock not extended; from lockUntil on, counting restarts at 1', async () => {
      const store = await open();
      for (let i = 0; i < 3; i++) await store.attempts.reserve('k', meta(), 3, at(0), LOCK);
      for (const now of [at(0), at(600), at(899.999)]) expect(await store.attempts.reserve('k', meta(), 3, now, at(2000))).toBeNull();
      expect(await store.attempts.get('k')).toMatchObject({ failures: 3, lockedUntil: LOCK });
      expect(await store.attempts.reserve('k', meta(), 3, LOCK, at(2000))).toBe(1);
      expect(await store.attempts.get('k')).toMatchObject({ failures: 1, lockedUntil: null });
      expect(await store.attempts.reserve('k', meta(), 3, at(901), at(2000))).toBe(2);
      expect(await store.attempts.reserve('k', meta(), 3, at(902), at(2000))).toBe(3);
      expect((await store.attempts.get('k'))?.lockedUntil).toBe(at(2000));
    });

    it('reset clears failures and lock; resetting an unknown key is harmless', async () => {
      const store = await open();
      for (let i = 0; i < 3; i++) await store.attempts.reserve('k', meta(), 3, at(0), LOCK);
      await store.attempts.reset('k');
      expect(await store.attempts.get('k')).toMatchObject({ failures: 0, lockedUntil: null });
      expect(await store.attempts.reserve('k', meta(), 3, at(0), LOCK)).toBe(1);
      await store.attempts.reset('nobody');
      expect(await store.attempts.get('nobody')).toBeNull();
    });

    it('listBySubject (by key) and clearSubject (answering how many) touch one subject only', async () => {
      const store = await open();
      await store.attempts.reserve('u1:b', meta('u1'), 5, at(0), LOCK);
      for (let i = 0; i < 2; i++) await store.attempts.reserve('u1:a', meta('u1'), 2, at(0), LOCK);
      await store.attempts.reserve('u2:a', meta('u2'), 5, at(0), LOCK);
      await store.attempts.reserve('anon', meta(null), 5, at(0), LOCK);
      expect(await store.attempts.listBySubject('u1')).toEqual([
        { key: 'u1:a', kind: 'totp', subject: 'u1', failures: 2, lockedUntil: LOCK },
        { key: 'u1:b', kind: 'totp', subject: 'u1', failures: 1, lockedUntil: null },
      ]);
      expect(await store.attempts.clearSubject('u1')).toBe(2);
      expect(await store.attempts.listBySubject('u1')).toEqual([]);
      expect(await store.attempts.reserve('u1:a', meta('u1'), 2, at(0), LOCK)).toBe(1);
      expect(await store.attempts.get('u2:a')).toMatchObject({ failures: 1 });
      expect(await store.attempts.get('anon')).toMatchObject({ failures: 1, subject: null });
      expect(await store.attempts.clearSubject('nobody')).toBe(0);
    });

    it('50 concurrent reserves from several processes with a limit of 5: exactly 5 are taken, counting 1..5', async () => {
      const stores = await several(4);
      const results = await race(stores, 50, (store) => store.attempts.reserve('k', meta(), 5, at(0), LOCK));
      const taken = results.filter((r) => r !== null);
      expect([...taken].sort()).toEqual([1, 2, 3, 4, 5]);
      expect(await stores[3].attempts.get('k')).toMatchObject({ failures: 5, lockedUntil: LOCK });
    });
  });

  describe('recovery codes', () => {
    it('replace swaps the whole set; listUnused answers unused codes by id', async () => {
      const store = await open();
      await store.users.create(user('u1', 'alice'));
      await store.users.create(user('u2', 'bob'));
      await store.recoveryCodes.replace('u1', [recoveryCode('old-1', 'u1'), recoveryCode('old-2', 'u1')]);
      await store.recoveryCodes.replace('u2', [recoveryCode('other', 'u2')]);
      await store.recoveryCodes.replace('u1', [recoveryCode('new-b', 'u1'), recoveryCode('new-a', 'u1'), recoveryCode('new-c', 'u1', at(5))]);
      expect(await store.recoveryCodes.listUnused('u1')).toEqual([recoveryCode('new-a', 'u1'), recoveryCode('new-b', 'u1')]);
      expect(await store.recoveryCodes.listUnused('u2')).toEqual([recoveryCode('other', 'u2')]);
      await store.recoveryCodes.replace('u1', []);
      expect(await store.recoveryCodes.listUnused('u1')).toEqual([]);
    });

    it('a code is consumed once; unknown codes are not', async () => {
      const store = await open();
      await store.users.create(user('u1', 'alice'));
      await store.recoveryCodes.replace('u1', [recoveryCode('a', 'u1'), recoveryCode('b', 'u1')]);
      expect(await store.recoveryCodes.consume('a', at(1))).toBe(true);
      expect(await store.recoveryCodes.consume('a', at(2))).toBe(false);
      expect(await store.recoveryCodes.consume('nope', at(2))).toBe(false);
      expect(await store.recoveryCodes.listUnused('u1')).toEqual([recoveryCode('b', 'u1')]);
    });

    it('20 concurrent consumes of one code from several processes: exactly one is true', async () => {
      const stores = await several(4);
      await stores[0].users.create(user('u1', 'alice'));
      await stores[0].recoveryCodes.replace('u1', [recoveryCode('a', 'u1')]);
      const results = await race(stores, 20, (store, i) => store.recoveryCodes.consume('a', at(i)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await stores[1].recoveryCodes.listUnused('u1')).toEqual([]);
    });
  });

  describe('counters', () => {
    it('count hits within the window; the first hit once the window has passed starts a new one', async () => {
      const store = await open();
      expect(await store.counters.increment('k', 60, at(0))).toBe(1);
      expect(await store.counters.increment('k', 60, at(30))).toBe(2);
      expect(await store.counters.increment('k', 60, at(59.999))).toBe(3);
      expect(await store.counters.increment('other', 60, at(59.999))).toBe(1);
      expect(await store.counters.increment('k', 60, at(60))).toBe(1);
      expect(await store.counters.increment('k', 60, at(61))).toBe(2);
      expect(await store.counters.increment('k', 60, at(119.999))).toBe(3);
      expect(await store.counters.increment('k', 60, at(500))).toBe(1);
    });

    // Passkeys (issue 17): a reserved attempt that succeeded is given back.
    it('decrement gives back one hit of the current window, never below 0, nothing once the window passed', async () => {
      const store = await open();
      expect(await store.counters.increment('k', 60, at(0))).toBe(1);
      expect(await store.counters.increment('k', 60, at(1))).toBe(2);
      await store.counters.decrement('k', 60, at(2));
      expect(await store.counters.increment('k', 60, at(3))).toBe(2);
      await store.counters.decrement('k', 60, at(4));
      await store.counters.decrement('k', 60, at(4));
      await store.counters.decrement('k', 60, at(4));
      expect(await store.counters.increment('k', 60, at(5))).toBe(1);
      await store.counters.decrement('nope', 60, at(5));
      // The window started at 0 has passed: nothing to give back, the next hit starts a new one.
      await store.counters.decrement('k', 60, at(61));
      expect(await store.counters.increment('k', 60, at(62))).toBe(1);
    });

    it('30 concurrent hits from several processes each count once', async () => {
      const stores = await several(3);
      const counts = await race(stores, 30, (store) => store.counters.increment('k', 60, at(1)));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    });
  });

  describe('outbox', () => {
    it('lists newest first (same instant: last added first), filtered by session and recipient, limited', async () => {
      const store = await open();
      const m1 = message('m1', at(0), 's1', 'alice@example.test');
      const m2 = message('m2', at(5), 's1', '+15550100');
      const m3 = message('m3', at(5), 's2', 'alice@example.test');
      const m4 = message('m4', at(2), null, 'alice@example.test');
      for (const m of [m1, m2, m3, m4]) await store.outbox.add(m);
      expect(await store.outbox.list({ limit: 10 })).toEqual([m3, m2, m4, m1]);
      expect(await store.outbox.list({ sessionId: 's1', limit: 10 })).toEqual([m2, m1]);
      expect(await store.outbox.list({ to: 'alice@example.test', limit: 10 })).toEqual([m3, m4, m1]);
      expect(await store.outbox.list({ sessionId: 's1', to: 'alice@example.test', limit: 10 })).toEqual([m1]);
      expect(await store.outbox.list({ limit: 2 })).toEqual([m3, m2]);
      expect(await store.outbox.list({ to: 'nobody', limit: 10 })).toEqual([]);
    });
  });

  describe('signing keys', () => {
    it('are listed oldest first (ties by kid) with their JWKs as given; a kid is added once', async () => {
      const store = await open();
      const key = (kid: string, createdAt: string, retiredAt: string | null = null): SigningKeyRecord => ({
        kid,
        publicJwk: { kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}` },
        sealedPrivateJwk: `sealed-${kid}`,
        createdAt,
        retiredAt,
        use: 'tokens',
        algorithm: 'ES256',
      });
      const keys = [key('k3', at(10)), key('k2', at(0), at(10)), key('k1', at(0))];
      for (const k of keys) await store.signingKeys.add(k);
      expect(await store.signingKeys.list()).toEqual([keys[2], keys[1], keys[0]]);
      await expect(store.signingKeys.add(key('k1', at(20)))).rejects.toThrow();
      expect(await store.signingKeys.list()).toHaveLength(3);
    });
  });

  describe('used tokens', () => {
    it('markUsed is true once per token id; deleteExpired forgets the ones expired before the cut-off', async () => {
      const store = await open();
      expect(await store.usedTokens.markUsed('a', at(100))).toBe(true);
      expect(await store.usedTokens.markUsed('a', at(100))).toBe(false);
      expect(await store.usedTokens.markUsed('b', at(200))).toBe(true);
      expect(await store.usedTokens.markUsed('c', at(300))).toBe(true);
      expect(await store.usedTokens.deleteExpired(at(200))).toBe(1);
      expect(await store.usedTokens.markUsed('b', at(200))).toBe(false);
      expect(await store.usedTokens.markUsed('a', at(100))).toBe(true);
      expect(await store.usedTokens.deleteExpired(at(1000))).toBe(3);
    });

    it('20 concurrent markUsed of one token id from several processes: exactly one is true', async () => {
      const stores = await several(4);
      const results = await race(stores, 20, (store) => store.usedTokens.markUsed('jti-1', at(300)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  // ---- OpenID Connect provider (#18) ----
  describe('oidc artefacts', () => {
    const artefact = (model: string, id: string, over: Partial<OidcModelRecord> = {}): OidcModelRecord => ({
      model, id, payload: { kind: model, jti: id }, grantId: null, userCode: null, uid: null, expiresAt: at(100), consumedAt: null, ...over,
    });

    it('finds an artefact by model and id, uid or user code until it expires; upsert replaces it', async () => {
      const store = await open();
      const session = artefact('Session', 's1', { uid: 'uid-1' });
      await store.oidc.upsert(session);
      await store.oidc.upsert(artefact('DeviceCode', 'd1', { userCode: 'ABCD' }));
      await store.oidc.upsert(artefact('Grant', 'g1', { expiresAt: null }));
      expect(await store.oidc.find('Session', 's1', at(0))).toEqual(session);
      expect(await store.oidc.find('Grant', 's1', at(0))).toBeNull();
      expect(await store.oidc.findByUid('Session', 'uid-1', at(0))).toEqual(session);
      expect((await store.oidc.findByUserCode('DeviceCode', 'ABCD', at(0)))?.id).toBe('d1');
      expect(await store.oidc.find('Session', 's1', at(100))).toBeNull();
      expect((await store.oidc.find('Grant', 'g1', at(10_000)))?.expiresAt).toBeNull();
      const replaced = artefact('Session', 's1', { payload: { accountId: 'u2' }, uid: 'uid-2', expiresAt: at(200) });
      await store.oidc.upsert(replaced);
      expect(await store.oidc.find('Session', 's1', at(150))).toEqual(replaced);
      expect(await store.oidc.findByUid('Session', 'uid-1', at(0))).toBeNull();
    });

    it('consume keeps the first time; destroy, revokeByGrantId and deleteExpired remove', async () => {
      const store = await open();
      await store.oidc.upsert(artefact('AuthorizationCode', 'c1', { grantId: 'g1' }));
      await store.oidc.upsert(artefact('AccessToken', 'a1', { grantId: 'g1' }));
      await store.oidc.upsert(artefact('AccessToken', 'a2', { grantId: 'g2', expiresAt: at(5) }));
      expect(await store.oidc.consume('AuthorizationCode', 'c1', at(1))).toBe(true);
      expect(await store.oidc.consume('AuthorizationCode', 'c1', at(2))).toBe(false);
      expect((await store.oidc.find('AuthorizationCode', 'c1', at(0)))?.consumedAt).toBe(at(1));
      await store.oidc.revokeByGrantId('g1');
      expect(await store.oidc.find('AuthorizationCode', 'c1', at(0))).toBeNull();
      expect(await store.oidc.find('AccessToken', 'a1', at(0))).toBeNull();
      expect(await store.oidc.deleteExpired(at(6))).toBe(1);
      await store.oidc.upsert(artefact('Session', 's9'));
      await store.oidc.destroy('Session', 's9');
      expect(await store.oidc.find('Session', 's9', at(0))).toBeNull();
    });

    it('20 concurrent consumptions of one code from several processes: exactly one is true', async () => {
      const stores = await several(4);
      await stores[0].oidc.upsert(artefact('AuthorizationCode', 'race'));
      const results = await race(stores, 20, (store, i) => store.oidc.consume('AuthorizationCode', 'race', at(i)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('an artefact written by one process is read by another', async () => {
      const [one, two] = await several(2);
      await one.oidc.upsert(artefact('Interaction', 'i1'));
      expect((await two.oidc.find('Interaction', 'i1', at(0)))?.payload).toEqual({ kind: 'Interaction', jti: 'i1' });
    });
  });

  describe('oidc clients', () => {
    const client = (id: string, over: Partial<OidcClientRecord> = {}): OidcClientRecord => ({
      id, metadata: { redirect_uris: [`https://${id}.test/cb`] }, sealedSecret: `sealed-${id}`, journeyId: 'login', acrJourneys: {}, firstParty: false,
      createdAt: at(0), updatedAt: at(0), ...over,
    });

    it('creates once per id, lists by id, updates, deletes; names the clients using a journey', async () => {
      const store = await open();
      const b = client('b', { acrJourneys: { 'urn:journey:mfa': 'login-totp' }, firstParty: true });
      expect(await store.oidcClients.create(b)).toBe(true);
      expect(await store.oidcClients.create(client('a', { sealedSecret: null }))).toBe(true);
      expect(await store.oidcClients.create(client('a'))).toBe(false);
      expect(await store.oidcClients.get('b')).toEqual(b);
      expect((await store.oidcClients.list()).map((c) => c.id)).toEqual(['a', 'b']);
      expect(await store.oidcClients.usingJourney('login-totp')).toEqual(['b']);
      expect(await store.oidcClients.usingJourney('login')).toEqual(['a', 'b']);
      const changed = { ...b, journeyId: 'sign-up', acrJourneys: {}, sealedSecret: 'sealed-again', updatedAt: at(5) };
      expect(await store.oidcClients.update(changed)).toBe(true);
      expect(await store.oidcClients.get('b')).toEqual(changed);
      expect(await store.oidcClients.usingJourney('login-totp')).toEqual([]);
      expect(await store.oidcClients.update(client('zz'))).toBe(false);
      expect(await store.oidcClients.delete('a')).toBe(true);
      expect(await store.oidcClients.delete('a')).toBe(false);
      expect(await store.oidcClients.get('a')).toBeNull();
    });
  });

  // ---- Authsignal-compatible API (#22) ----
  describe('authsignal actions, app sessions, user updates', () => {
    const action = (id: string, over: Partial<AuthsignalActionRecord> = {}): AuthsignalActionRecord => ({
      id,
      userId: 'u1',
      action: 'signIn',
      state: 'REVIEW_REQUIRED',
      stateUpdatedAt: at(0),
      verificationMethod: null,
      reviewedAt: null,
      validatedAt: null,
      claimedAt: null,
      createdAt: at(0),
      ...over,
    });

    it('lists a user\'s actions newest first, filtered by date, codes and state', async () => {
      const store = await open();
      await store.authsignalActions.create(action('a1', { createdAt: at(1) }));
      await store.authsignalActions.create(action('a2', { createdAt: at(2), action: 'enroll', state: 'ALLOW' }));
      await store.authsignalActions.create(action('a3', { createdAt: at(3), userId: 'u2' }));
      const ids = async (filter: Parameters<Store['authsignalActions']['listByUser']>[1]) => (await store.authsignalActions.listByUser('u1', filter)).map((a) => a.id);
      expect(await ids({ limit: 10 })).toEqual(['a2', 'a1']);
      expect(await ids({ limit: 10, fromDate: at(2) })).toEqual(['a2']);
      expect(await ids({ limit: 10, actions: ['signIn', 'other'] })).toEqual(['a1']);
      expect(await ids({ limit: 10, state: 'ALLOW' })).toEqual(['a2']);
      expect(await store.authsignalActions.get('a1')).toEqual(action('a1', { createdAt: at(1) }));
    });

    it('a review resolves once, from the expected state; observations stop after it; validation and claims happen once', async () => {
      const [a, b] = await several(2);
      await a.authsignalActions.create(action('r1'));
      const reviews = await race([a, b], 6, (store, i) => store.authsignalActions.review('r1', 'REVIEW_REQUIRED', i % 2 ? 'ALLOW' : 'BLOCK', at(5)));
      expect(reviews.filter(Boolean)).toHaveLength(1);
      await a.authsignalActions.observe('r1', 'CHALLENGE_REQUIRED', null, at(6));
      const reviewed = (await a.authsignalActions.get('r1'))!;
      expect(reviewed.reviewedAt).toBe(at(5));
      expect(['ALLOW', 'BLOCK']).toContain(reviewed.state);
      expect((await race([a, b], 4, (store) => store.authsignalActions.markValidated('r1', at(7)))).filter(Boolean)).toHaveLength(1);
      expect(await a.authsignalActions.review('r1', reviewed.state, 'BLOCK', at(8))).toBe(false);

      await a.authsignalActions.create(action('o1', { state: 'CHALLENGE_REQUIRED' }));
      await a.authsignalActions.observe('o1', 'CHALLENGE_SUCCEEDED', 'SMS', at(9));
      expect(await a.authsignalActions.get('o1')).toMatchObject({ state: 'CHALLENGE_SUCCEEDED', verificationMethod: 'SMS', stateUpdatedAt: at(9) });

      await a.authsignalActions.create(action('c1', { userId: null }));
      const claims = await race([a, b], 4, (store, i) => store.authsignalActions.claim('c1', `claimer-${i}`, at(10)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await a.authsignalActions.claim('o1', 'someone', at(10))).toBe(false);
    });

    it('a review writes its audit entry in its transaction: none when refused; an entry that cannot be written undoes it', async () => {
      const store = await open();
      const entry = (id: string) => ({ audit: { id, at: at(5), actor: 'authsignal:app-1', action: 'action.reviewed', targetType: 'user', targetId: 'u1', clientAddress: null, details: {} } });
      await store.authsignalActions.create(action('v1'));
      await store.authsignalActions.create(action('v2'));
      expect(await store.authsignalActions.review('v1', 'REVIEW_REQUIRED', 'ALLOW', at(5), entry('audit-1'))).toBe(true);
      expect(await store.authsignalActions.review('v1', 'REVIEW_REQUIRED', 'BLOCK', at(6), entry('audit-2'))).toBe(false);
      await expect(store.authsignalActions.review('v2', 'REVIEW_REQUIRED', 'ALLOW', at(7), entry('audit-1'))).rejects.toThrow();
      expect(await store.authsignalActions.get('v2')).toMatchObject({ state: 'REVIEW_REQUIRED', reviewedAt: null });
      expect((await store.audit.list({ action: 'action.reviewed', limit: 10 })).map((e) => e.id)).toEqual(['audit-1']);
    });

    it('app sessions rotate their refresh token once per token and revoke per session or per user', async () => {
      const [a, b] = await several(2);
      const session = (id: string, userId: string, hash: string): AuthsignalSessionRecord => ({
        id, userId, clientId: 'web', refreshTokenHash: hash, verificationMethod: 'SMS', actionId: 'x', createdAt: at(0), expiresAt: at(1000), revokedAt: null,
      });
      await a.authsignalSessions.create(session('s1', 'u1', 'h1'));
      await a.authsignalSessions.create(session('s2', 'u1', 'h2'));
      await a.authsignalSessions.create(session('s3', 'u2', 'h3'));
      const rotations = await race([a, b], 6, (store, i) => store.authsignalSessions.rotate('s1', 'h1', `h1-${i}`, at(2000), at(10)));
      expect(rotations.filter(Boolean)).toHaveLength(1);
      expect(await a.authsignalSessions.findByRefreshTokenHash('h1')).toBeNull();
      expect((await a.authsignalSessions.get('s1'))!.expiresAt).toBe(at(2000));
      expect(await a.authsignalSessions.rotate('s2', 'h2', 'late', at(2000), at(1001))).toBe(false);
      expect(await a.authsignalSessions.revoke('s3', at(20))).toBe(true);
      expect(await a.authsignalSessions.revoke('s3', at(21))).toBe(false);
      expect(await a.authsignalSessions.revokeByUser('u1', at(22))).toBe(2);
      expect((await a.authsignalSessions.get('s2'))!.revokedAt).toBe(at(22));
      expect(await a.authsignalSessions.rotate('s2', 'h2', 'after', at(2000), at(30))).toBe(false);
    });

    it('users: update keeps usernames unique; lookup by email or phone; deleting a user erases their actions and sessions', async () => {
      const store = await open();
      await store.users.create(user('p1', 'pia'));
      await store.users.create(user('p2', 'max'));
      expect(await store.users.update('p2', 'PIA', { email: 'x@example.test' })).toBe('username_taken');
      expect(await store.users.update('nobody', null, {})).toBe('not_found');
      expect(await store.users.update('p2', 'maxi', { email: 'max@example.test', phoneNumber: '+14155550100' })).toBe('updated');
      expect(await store.users.findByUsername('MAXI')).toMatchObject({ id: 'p2', attributes: { email: 'max@example.test' } });
      expect((await store.users.listByAttribute('phoneNumber', '+14155550100', 10)).map((u) => u.id)).toEqual(['p2']);
      expect((await store.users.listByAttribute('email', 'p1@example.test', 10)).map((u) => u.id)).toEqual(['p1']);
      expect((await store.users.listAfterId(null, 1)).map((u) => u.id)).toEqual(['p1']);
      expect((await store.users.listAfterId('p1', 5)).map((u) => u.id)).toEqual(['p2']);
      expect(await store.users.listAfterId('p2', 5)).toEqual([]);
      await store.authsignalActions.create(action('d1', { userId: 'p2' }));
      await store.authsignalSessions.create({ id: 'ds', userId: 'p2', clientId: 'web', refreshTokenHash: 'dh', verificationMethod: null, actionId: 'd1', createdAt: at(0), expiresAt: at(9), revokedAt: null });
      expect(await store.users.delete('p2')).toBe(true);
      expect(await store.authsignalActions.get('d1')).toBeNull();
      expect(await store.authsignalSessions.get('ds')).toBeNull();
    });
  });

  // Issue #24 (lease): the lease riding on a run's first write, and guards committed with a save.
  describe('leases on a first write, guards with the save', () => {
    const LOCK = at(900);
    const meta = { kind: 'totp', subject: 'u1' };
    const lease = (expectedRevision: number, now: number, until = now + 15) => ({ sessionId: 's', expectedRevision, leaseUntil: at(until), now: at(now) });
    const update: SessionUpdate = { status: 'completed', stepId: null, userId: 'u1', snapshot: { done: { yes: true } }, updatedAt: at(5) };

    it('reserveWithLease takes the lease and the attempt together, or neither', async () => {
      const store = await open();
      await store.users.create(user('u1', 'alice'));
      await store.sessions.create(sessionRecord('s'));
      expect(await store.attempts.reserveWithLease(lease(0, 0), 'k', meta, 3, at(0), LOCK)).toEqual({ revision: 1, failures: 1 });
      expect(await store.sessions.get('s')).toMatchObject({ revision: 1, leaseUntil: at(15) });
      // A moved revision or a live lease: nothing reserved, the lease untouched.
      expect(await store.attempts.reserveWithLease(lease(0, 1), 'k', meta, 3, at(1), LOCK)).toBeNull();
      expect(await store.attempts.reserveWithLease(lease(1, 10), 'k', meta, 3, at(10), LOCK)).toBeNull();
      expect(await store.attempts.get('k')).toMatchObject({ failures: 1 });
      expect(await store.sessions.get('s')).toMatchObject({ revision: 1, leaseUntil: at(15) });
      // An expired lease is taken over; a locked credential answers null failures with the lease taken.
      expect(await store.attempts.reserveWithLease(lease(1, 16), 'k', meta, 2, at(16), LOCK)).toEqual({ revision: 2, failures: 2 });
      expect(await store.attempts.reserveWithLease(lease(2, 32), 'k', meta, 2, at(32), LOCK)).toEqual({ revision: 3, failures: null });
      expect(await store.attempts.get('k')).toMatchObject({ failures: 2, lockedUntil: LOCK });
    });

    it("the attempt that locks writes the lock's webhook events with their deliveries; the others none", async () => {
      const store = await open();
      await store.users.create(user('u1', 'alice'));
      await store.sessions.create(sessionRecord('s'));
      await store.webhooks.createSubscription({ id: 'sub', url: 'https://hooks.example/x', eventTypes: ['user.locked'], format: 'standard', sealedSecret: 'sealed', description: null, enabled: true, createdAt: at(0) });
      const locked = (n: number) => ({ events: [{ id: `e${n}`, type: 'user.locked', at: at(n), payload: { userId: 'u1' } }] });
      expect(await store.attempts.reserveWithLease(lease(0, 0), 'k', meta, 2, at(0), LOCK, locked(0))).toEqual({ revision: 1, failures: 1 });
      expect(await store.webhooks.listDeliveries({ limit: 10 })).toEqual([]);
      // Refused lease: nothing, events included.
      expect(await store.attempts.reserveWithLease(lease(0, 1), 'k', meta, 2, at(1), LOCK, locked(1))).toBeNull();
      expect(await store.webhooks.listDeliveries({ limit: 10 })).toEqual([]);
      expect(await store.attempts.reserveWithLease(lease(1, 16), 'k', meta, 2, at(16), LOCK, locked(2))).toEqual({ revision: 2, failures: 2 });
      expect((await store.webhooks.listDeliveries({ limit: 10 })).map((d) => [d.eventId, d.subscriptionId])).toEqual([['e2', 'sub']]);
    });

    it('racing reserveWithLease on one session across stores: one takes it', async () => {
      const stores = await several(4);
      await stores[0].users.create(user('u1', 'alice'));
      await stores[0].sessions.create(sessionRecord('s'));
      const results = await race(stores, 12, (store, i) => store.attempts.reserveWithLease(lease(0, 0), `k${i}`, meta, 5, at(0), LOCK));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect((await stores[1].attempts.listBySubject('u1')).map((a) => a.failures)).toEqual([1]);
    });

    it('a save that takes the lease itself (unclaimedAt) is refused while another lease is live', async () => {
      const store = await open();
      await store.sessions.create(sessionRecord('s'));
      expect(await store.sessions.claim('s', 0, at(15), at(0))).toBe(1);
      expect(await store.sessions.save('s', 1, update, [], undefined, at(10))).toBe(false);
      expect(await store.sessions.get('s')).toMatchObject({ status: 'waiting', revision: 1 });
      expect(await store.sessions.save('s', 1, update, [], undefined, at(16))).toBe(true);
      expect(await store.sessions.get('s')).toMatchObject({ status: 'completed', revision: 2, leaseUntil: null });
    });

    it('a failing guard rolls the whole save back; a passing one commits with it', async () => {
      const store = await open();
      await store.users.create(user('u1', 'alice'));
      await store.authenticators.create(authenticator('a', 'u1', { lastTimeStep: 100 }));
      await store.sessions.create(sessionRecord('s'));
      for (let i = 0; i < 2; i++) await store.attempts.reserve('k', meta, 5, at(0), LOCK);
      const events: TimelineEvent[] = [{ at: at(5), stepId: 'ask', event: 'submitted', option: 'go' } as TimelineEvent];
      const guard = (timeStep: number) => ({ op: 'authenticators.advanceTimeStep' as const, id: 'a', timeStep, at: at(5) });
      for (const ending of [false, true]) {
        // A final save (webhook events: PostgreSQL's other save statement) and a plain one.
        const raised = ending ? { events: [{ id: 'e1', type: 'session.completed', at: at(5), payload: { sessionId: 's' } }] } : {};
        const records = { attemptResets: ['k'], guards: [guard(100)], ...raised };
        await expect(store.sessions.save('s', 0, update, events, records, at(5))).rejects.toBeInstanceOf(GuardFailed);
        expect(await store.sessions.get('s')).toMatchObject({ status: 'waiting', revision: 0 });
        expect(await store.timelines.list('s')).toEqual([]);
        expect(await store.attempts.get('k')).toMatchObject({ failures: 2 });
      }
      // A lost compare-and-set writes no guard either.
      expect(await store.sessions.save('s', 7, update, events, { guards: [guard(101)] }, at(5))).toBe(false);
      expect((await store.authenticators.get('a'))?.lastTimeStep).toBe(100);
      expect(await store.sessions.save('s', 0, update, events, { attemptResets: ['k'], guards: [guard(101)] }, at(5))).toBe(true);
      expect(await store.authenticators.get('a')).toMatchObject({ lastTimeStep: 101, lastUsedAt: at(5) });
      expect(await store.sessions.get('s')).toMatchObject({ status: 'completed', revision: 1 });
      expect(await store.timelines.list('s')).toHaveLength(1);
      expect(await store.attempts.get('k')).toMatchObject({ failures: 0 });
    });

    it('a recovery code guard is single use', async () => {
      const store = await open();
      await store.users.create(user('u1', 'alice'));
      await store.recoveryCodes.replace('u1', [{ id: 'rc1', userId: 'u1', salt: 's', hash: 'h', createdAt: at(0), usedAt: null }]);
      await store.sessions.create(sessionRecord('s'));
      await store.sessions.create(sessionRecord('s2'));
      const consume = { op: 'recoveryCodes.consume' as const, id: 'rc1', at: at(5) };
      expect(await store.sessions.save('s', 0, update, [], { guards: [consume] }, at(5))).toBe(true);
      await expect(store.sessions.save('s2', 0, update, [], { guards: [consume] }, at(5))).rejects.toBeInstanceOf(GuardFailed);
      expect(await store.sessions.get('s2')).toMatchObject({ status: 'waiting', revision: 0 });
    });
  });

  describe('the store', () => {
    it('pings while open and not once closed; closing twice is harmless', async () => {
      const store = await open();
      expect(await store.ping()).toBe(true);
      await store.close();
      expect(await store.ping()).toBe(false);
      await store.close();
    });
  });
}

describe('SQLite store contract', () => {
  const dirs: string[] = [];
  let path = '';
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  storeContract({
    async open() {
      const dir = tempDataDir();
      dirs.push(dir);
      path = join(dir, 'db.sqlite');
      const store = openSqliteStore(path);
      expect(store.kind).toBe('sqlite');
      return store;
    },
    async another() {
      return openSqliteStore(path);
    },
  });
});

describePostgres('PostgreSQL store contract', (url) => {
  const schema = freshSchema(url);
  afterAll(() => schema.drop());
  storeContract({
    async open() {
      const store = await openPostgresStore(schema.url);
      expect(store.kind).toBe('postgres');
      await schema.truncate();
      return store;
    },
    async another() {
      return openPostgresStore(schema.url);
    },
  });
});

describePostgres('PostgreSQL store set-up', (url) => {
  const schemas: Array<ReturnType<typeof freshSchema>> = [];
  const fresh = () => {
    const schema = freshSchema(url);
    schemas.push(schema);
    return schema;
  };
  afterAll(async () => {
    for (const schema of schemas) await schema.drop();
  });

  it('processes opening a new schema at once create and migrate it once', async () => {
    const schema = fresh();
    const stores = await Promise.all(Array.from({ length: 5 }, () => openPostgresStore(schema.url)));
    try {
      for (const store of stores) expect(await store.ping()).toBe(true);
      const applied = await query(url, `SELECT version, name FROM "${schema.name}".schema_migrations ORDER BY version`);
      expect(applied).toEqual([
        { version: 1, name: 'core' },
        { version: 2, name: 'credential attempts and recovery codes' },
        { version: 3, name: 'counters' },
        { version: 4, name: 'email links' },
        { version: 5, name: 'passkeys' },
        { version: 6, name: 'openid provider' },
        { version: 7, name: 'audit log and webhooks' },
        { version: 8, name: 'journey analytics rollup' },
        { version: 9, name: 'authsignal actions and sessions' },
        { version: 10, name: 'timelines appended per run under a sequential session row id' },
      ]);
    } finally {
      for (const store of stores) await store.close();
    }
    const again = await openPostgresStore(schema.url);
    await again.close();
    expect(await query(url, `SELECT version FROM "${schema.name}".schema_migrations`)).toHaveLength(10);
  });

  it('openStore takes postgres:// and postgresql:// URLs; each schema keeps its own data', async () => {
    const first = fresh();
    const second = fresh();
    const a = await openStore(first.url);
    const b = await openStore(second.url.replace(/^postgres:/, 'postgresql:'));
    try {
      expect([a.kind, b.kind]).toEqual(['postgres', 'postgres']);
      await a.usedTokens.markUsed('shared-jti', at(100));
      expect(await b.usedTokens.markUsed('shared-jti', at(100))).toBe(true);
      const tables = await query(url, 'SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1', [second.name]);
      expect(tables[0].n).toBeGreaterThan(10);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('PostgreSQL URLs', () => {
  it('pass through to pg untouched when they carry none of our parameters', () => {
    expect(parsePostgresUrl('postgres://u:p@db.example:5432/app')).toEqual({
      connectionString: 'postgres://u:p@db.example:5432/app',
      schema: null,
      poolSize: 10,
    });
  });

  it('schema becomes a search_path startup option, pool_size the pool size; other parameters stay', () => {
    const target = parsePostgresUrl('postgres://u:p@h/app?sslmode=disable&schema=tenant_a&pool_size=3');
    expect(target.schema).toBe('tenant_a');
    expect(target.poolSize).toBe(3);
    const params = new URLSearchParams(target.connectionString.split('?')[1]);
    expect(Object.fromEntries(params)).toEqual({ sslmode: 'disable', options: '-c search_path=tenant_a' });
    expect(target.connectionString.startsWith('postgres://u:p@h/app?')).toBe(true);
  });

  it('keep options already in the URL; explicit options win over the URL', () => {
    const target = parsePostgresUrl('postgres://h/app?options=-c%20statement_timeout%3D5000&schema=a&pool_size=3', { schema: 'b', poolSize: 7 });
    expect(target).toMatchObject({ schema: 'b', poolSize: 7 });
    expect(new URLSearchParams(target.connectionString.split('?')[1]).get('options')).toBe('-c statement_timeout=5000 -c search_path=b');
  });

  it('refuse schema names that would need quoting, and pool sizes that are not positive integers', () => {
    for (const schema of ['Tenant', 'a-b', 'x;drop', '1st', 'a b']) {
      expect(() => parsePostgresUrl(`postgres://h/app?schema=${encodeURIComponent(schema)}`)).toThrow(/schema/);
    }
    for (const size of ['0', 'ten', '1.5', '-2']) expect(() => parsePostgresUrl(`postgres://h/app?pool_size=${size}`)).toThrow(/pool_size/);
  });

  it('a server that does not answer fails openStore', async () => {
    await expect(openStore('postgres://journey:journey@127.0.0.1:1/nothing?schema=x')).rejects.toThrow();
  });
});
