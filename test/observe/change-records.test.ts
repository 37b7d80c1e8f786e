/**
 * ChangeRecords on both stores: an audit entry, webhook events (with their queued deliveries) and
 * analytics figures are written in the transaction of the change they belong to: a failing record
 * undoes the change, a refused change writes no record. And the delivery queue: each due delivery
 * is claimed by one store (process) at a time, a lease that runs out frees it, a lost claim
 * cannot record a result.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../engine/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { AuditEntry, ChangeRecords, OidcClientRecord, Store, WebhookSubscriptionRecord } from '../../engine/store/store.js';
import { webhookEvent } from '../../engine/webhooks/events.js';
import { sessionFunnel } from '../../engine/analytics/session-funnel.js';
import { describePostgres, freshSchema } from '../helpers/postgres.js';
import { waitingSession } from '../helpers/records.js';
import { tempDataDir } from '../helpers/test-server.js';

const T0 = Date.parse('2026-01-15T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const entry = (id: string): AuditEntry => ({ id, at: at(0), actor: 'admin', action: 'test.change', targetType: 'test', targetId: id, clientAddress: '127.0.0.1', details: {} });
/** Records whose audit entry collides with one already written: the write fails inside the change's transaction. */
const failing = (): ChangeRecords => ({ audit: entry('taken'), events: [webhookEvent('journey.published', { n: 1 }, new Date(T0))] });

const subscription = (id: string, eventTypes: string[], enabled = true): WebhookSubscriptionRecord => ({
  id,
  url: 'http://127.0.0.1:9/',
  eventTypes,
  format: 'standard',
  sealedSecret: 'sealed',
  description: null,
  enabled,
  createdAt: at(0),
});

const session = (id: string) => waitingSession(id, at(0), { tokenHash: 't' });

const oidcClient = (id: string): OidcClientRecord => ({
  id,
  metadata: { redirect_uris: ['https://rp.example.test/cb'], token_endpoint_auth_method: 'client_secret_basic' },
  sealedSecret: 'sealed',
  journeyId: 'j',
  acrJourneys: {},
  firstParty: false,
  createdAt: at(0),
  updatedAt: at(0),
});

function contract(open: () => Promise<Store>, another: () => Promise<Store>): void {
  it('a change writes its records; a failing record undoes the change; a refused change writes none', async () => {
    const store = await open();
    try {
      await store.journeys.saveDraft('j', { id: 'j', n: 1 }, at(0), undefined, { audit: entry('taken') });
      expect((await store.audit.list({ limit: 10 })).map((e) => e.id)).toEqual(['taken']);
      await store.users.create({ id: 'u', username: 'u', attributes: {}, createdAt: at(0) });
      const authenticator = { id: 'a', userId: 'u', type: 'totp', sealedSecret: null, params: {}, confirmedAt: at(0), createdAt: at(0), lastUsedAt: null, lastTimeStep: null };
      await store.authenticators.create(authenticator);
      await store.attempts.reserve('k', { kind: 'totp', subject: 'u' }, 5, at(0), at(60));
      await store.webhooks.createSubscription(subscription('all', ['*']));
      await store.sessions.create(session('s'));
      const claimed = (await store.sessions.claim('s', 0, at(30), at(0)))!;
      await store.oidcClients.create(oidcClient('rp'));

      const failures = [
        () => store.journeys.saveDraft('j', { id: 'j', n: 2 }, at(1), undefined, failing()),
        () => store.journeys.publish('j', 'hash', { id: 'j' }, at(1), () => failing()),
        () => store.journeys.delete('j', failing()),
        () => store.users.delete('u', failing()),
        () => store.authenticators.delete('u', 'a', failing()),
        () => store.authenticators.create({ ...authenticator, id: 'b' }, failing()),
        () => store.attempts.clearSubject('u', failing()),
        () => store.attempts.reserve('k2', { kind: 'totp', subject: 'u' }, 1, at(0), at(60), failing()),
        () => store.webhooks.createSubscription(subscription('other', ['*']), failing()),
        () => store.webhooks.deleteSubscription('all', failing()),
        () => store.sessions.save('s', claimed, { status: 'completed', stepId: null, userId: null, snapshot: {}, updatedAt: at(1) }, [], failing()),
        () => store.oidcClients.create(oidcClient('rp-2'), failing()),
        () => store.oidcClients.update({ ...oidcClient('rp'), firstParty: true, sealedSecret: 'rotated' }, failing()),
        () => store.oidcClients.delete('rp', failing()),
      ];
      for (const change of failures) await expect(change()).rejects.toThrow();

      expect((await store.journeys.getDraft('j'))!.document).toEqual({ id: 'j', n: 1 });
      expect(await store.journeys.listVersions('j')).toEqual([]);
      expect(await store.users.findById('u')).not.toBeNull();
      expect((await store.authenticators.listByUser('u')).map((a) => a.id)).toEqual(['a']);
      expect((await store.attempts.listBySubject('u')).map((a) => a.key)).toEqual(['k']);
      expect((await store.webhooks.listSubscriptions()).map((s) => s.id)).toEqual(['all']);
      expect((await store.sessions.get('s'))!.status).toBe('waiting');
      expect(await store.oidcClients.list()).toEqual([oidcClient('rp')]);
      expect(await store.audit.list({ limit: 10 })).toHaveLength(1);
      expect(await store.webhooks.listDeliveries({ limit: 10 })).toEqual([]);

      // Refused changes (nothing to delete, a lost claim, a stale revision, an attempt that does not lock) write nothing.
      const records = (): ChangeRecords => ({ audit: entry(`refused-${Math.random()}`), events: [webhookEvent('user.locked', {}, new Date(T0))] });
      expect(await store.journeys.delete('none', records())).toBe(false);
      expect(await store.users.delete('none', records())).toBe(false);
      expect(await store.authenticators.delete('u', 'none', records())).toBe(false);
      expect(await store.webhooks.deleteSubscription('none', records())).toBe(false);
      expect(await store.oidcClients.create(oidcClient('rp'), records())).toBe(false);
      expect(await store.oidcClients.update(oidcClient('none'), records())).toBe(false);
      expect(await store.oidcClients.delete('none', records())).toBe(false);
      expect(await store.sessions.save('s', claimed + 5, { status: 'completed', stepId: null, userId: null, snapshot: {}, updatedAt: at(1) }, [], records())).toBe(false);
      await expect(store.journeys.saveDraft('j', { id: 'j' }, at(1), 7, records())).rejects.toThrow();
      expect(await store.attempts.reserve('k3', { kind: 'totp', subject: 'u' }, 3, at(0), at(60), records())).toBe(1);
      expect(await store.audit.list({ limit: 10 })).toHaveLength(1);
      expect(await store.webhooks.listDeliveries({ limit: 10 })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('OpenID client changes write their records with the change', async () => {
    const store = await open();
    try {
      expect(await store.oidcClients.create(oidcClient('rp'), { audit: entry('created') })).toBe(true);
      expect(await store.oidcClients.update({ ...oidcClient('rp'), firstParty: true }, { audit: entry('updated') })).toBe(true);
      expect((await store.oidcClients.get('rp'))!.firstParty).toBe(true);
      expect(await store.oidcClients.delete('rp', { audit: entry('deleted') })).toBe(true);
      expect(await store.oidcClients.get('rp')).toBeNull();
      expect((await store.audit.list({ limit: 10 })).map((e) => e.id)).toEqual(['deleted', 'updated', 'created']);
    } finally {
      await store.close();
    }
  });

  it("a session's final save writes its events, their deliveries and its funnel once; a lost claim writes none", async () => {
    const store = await open();
    try {
      await store.webhooks.createSubscription(subscription('sessions', ['session.completed']));
      const ended = (id: string) => ({
        events: [webhookEvent('session.completed', { sessionId: id }, new Date(T0))],
        funnel: sessionFunnel(
          { ...session(id), journeyVersion: 1 },
          [
            { at: at(0), stepId: 'ask', type: 'form', event: 'entered' },
            { at: at(3), stepId: 'ask', type: 'form', event: 'submitted', option: 'go' },
            { at: at(3), stepId: 'ask', type: 'form', event: 'branch', branch: 'go' },
          ],
          'completed',
          new Date(T0 + 3000),
        ),
      });
      const update = { status: 'completed' as const, stepId: null, userId: null, snapshot: {}, updatedAt: at(3) };
      for (const id of ['s1', 's2']) await store.sessions.create(session(id), [], { started: { journeyId: 'j', journeyVersion: 1, startedAt: at(0) } });
      const c1 = (await store.sessions.claim('s1', 0, at(30), at(1)))!;
      const c2 = (await store.sessions.claim('s2', 0, at(30), at(1)))!;
      const first = ended('s1');
      expect(await store.sessions.save('s1', c1, update, [], first)).toBe(true);
      // A lost claim: nothing of its records is written.
      expect(await store.sessions.save('s2', c2 + 9, update, [], ended('s2'))).toBe(false);
      expect(await store.sessions.save('s2', c2, update, [], ended('s2'))).toBe(true);

      const deliveries = await store.webhooks.listDeliveries({ limit: 10 });
      expect(deliveries).toHaveLength(2);
      expect(deliveries.find((d) => d.eventId === first.events[0].id)).toMatchObject({ subscriptionId: 'sessions', status: 'pending', eventType: 'session.completed' });
      const { byStep } = await store.analytics.query({ journeyId: 'j', version: 1, from: at(-3600), to: at(3600) });
      const count = (stepId: string, metric: string, key: string) => byStep.find((r) => r.stepId === stepId && r.metric === metric && r.key === key)?.count;
      expect([count('', 'started', ''), count('', 'ended', 'completed'), count('ask', 'entered', ''), count('ask', 'branch', 'go')]).toEqual([2, 2, 2, 2]);
      // Counted once: the same funnel again (an expiry racing the save) adds nothing.
      expect(await store.analytics.recordExpired({ ...first.funnel, status: 'expired' })).toBe(false);
      expect((await store.analytics.query({ journeyId: 'j', version: 1, from: at(-3600), to: at(3600) })).byStep.find((r) => r.metric === 'ended')?.count).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('an event queues one delivery per enabled subscription to its type, existing when it is written', async () => {
    const store = await open();
    try {
      await store.webhooks.createSubscription(subscription('sessions', ['session.completed', 'session.failed']));
      await store.webhooks.createSubscription(subscription('everything', ['*']));
      await store.webhooks.createSubscription(subscription('off', ['*'], false));
      await store.webhooks.createSubscription(subscription('other', ['user.locked']));
      const event = webhookEvent('session.completed', { sessionId: 's' }, new Date(T0));
      await store.sessions.create(session('s'), [], { events: [event] });
      const deliveries = await store.webhooks.listDeliveries({ eventId: event.id, limit: 10 });
      expect(deliveries.map((d) => d.subscriptionId).sort()).toEqual(['everything', 'sessions']);
      expect(deliveries.every((d) => d.status === 'pending' && d.attempts === 0 && d.eventType === 'session.completed')).toBe(true);
      await store.webhooks.createSubscription(subscription('late', ['*']));
      expect(await store.webhooks.listDeliveries({ eventId: event.id, limit: 10 })).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it('each due delivery is claimed by one process at a time; a lapsed lease frees it; a lost claim records nothing', async () => {
    const store = await open();
    const others = [await another(), await another(), await another()];
    try {
      await store.webhooks.createSubscription(subscription('all', ['*']));
      for (let i = 0; i < 30; i++) await store.sessions.create(session(`s${i}`), [], { events: [webhookEvent('session.completed', { i }, new Date(T0))] });
      const claims = await Promise.all([store, ...others].map((s, i) => s.webhooks.claimDue(at(1), at(61), `claim-${i}`, 30)));
      const ids = claims.flat().map((d) => d.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
      expect(claims.flat().every((d) => d.attempts === 1)).toBe(true);
      // Held: nothing is due for anyone while the leases last.
      expect(await others[0].webhooks.claimDue(at(30), at(90), 'early', 30)).toEqual([]);
      // Lapsed: taken over (a second attempt), and the first claim can no longer record.
      const first = claims.flat()[0];
      const retaken = await others[1].webhooks.claimDue(at(62), at(1000), 'late', 30);
      expect(retaken).toHaveLength(30);
      const again = retaken.find((d) => d.id === first.id)!;
      expect(again.attempts).toBe(2);
      expect(again.event.id).toBe(first.event.id);
      expect(await store.webhooks.markDelivered(first.id, first.claim, at(63), 200)).toBe(false);
      expect(await store.webhooks.markDelivered(first.id, 'late', at(63), 204)).toBe(true);
      expect(await store.webhooks.getDelivery(first.id)).toMatchObject({ status: 'delivered', lastStatus: 204, attempts: 2 });
      // A failure: pending at its next attempt, or dead; only a dead one can be retried.
      // Any other one: the order of `retaken` need not follow the first claims' order.
      const second = retaken.find((d) => d.id !== first.id)!;
      expect(await store.webhooks.markFailed(second.id, 'late', { error: 'the receiver answered 500', status: 500, nextAttemptAt: at(200) })).toBe(true);
      expect(await store.webhooks.claimDue(at(199), at(300), 'x', 30)).toEqual([]);
      expect(await store.webhooks.retry(second.id, at(199))).toBe(false);
      const third = await store.webhooks.claimDue(at(200), at(300), 'y', 1);
      expect(third.map((d) => d.id)).toEqual([second.id]);
      expect(await store.webhooks.markFailed(second.id, 'y', { error: 'the receiver answered 500', status: 500, nextAttemptAt: null })).toBe(true);
      expect(await store.webhooks.getDelivery(second.id)).toMatchObject({ status: 'dead', attempts: 3, lastError: 'the receiver answered 500' });
      expect(await store.webhooks.retry(second.id, at(300), { audit: entry('retried') })).toBe(true);
      expect(await store.webhooks.getDelivery(second.id)).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: at(300) });
    } finally {
      for (const s of [store, ...others]) await s.close();
    }
  });
}

describe('ChangeRecords and the delivery queue: SQLite', () => {
  const dirs: string[] = [];
  let path = '';
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  contract(
    async () => {
      const dir = tempDataDir();
      dirs.push(dir);
      path = join(dir, 'db.sqlite');
      return openSqliteStore(path);
    },
    async () => openSqliteStore(path),
  );
});

describePostgres('ChangeRecords and the delivery queue: PostgreSQL', (url) => {
  const schema = freshSchema(url);
  afterAll(() => schema.drop());
  contract(
    async () => {
      const store = await openPostgresStore(schema.url);
      await schema.truncate();
      return store;
    },
    () => openPostgresStore(schema.url),
  );
});
