/**
 * Event webhooks end to end on loopback: real sessions, credential changes and publishes raise
 * events in their own transactions; the dispatcher posts them through the outbound guard, signed
 * per Standard Webhooks (verified by the `standardwebhooks` package); failures retry with backoff
 * under the same webhook-id; exhausted deliveries are dead, listed for admins, and retried on
 * request. Payloads carry no secrets.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../engine/webhooks/dispatcher.js';
import { nameFormJourney } from '../helpers/journeys.js';
import { ADMIN_KEY, TestClock, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { signIn, signInJourney, signUp, signUpJourney } from '../password/password-helpers.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

describe('event webhooks', () => {
  let server: TestServer;
  let receiver: Receiver;
  let secret: string;
  let subscriptionId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    // Standard Webhooks receivers refuse timestamps more than 5 minutes from their own clock.
    server = await startTestServer({
      clock: new TestClock(Date.now()),
      env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: '1000', WEBHOOK_MAX_ATTEMPTS: '3' },
    });
    const created = await server.admin('POST', '/v1/admin/webhooks', { url: receiver.url, eventTypes: ['*'], description: 'all events' });
    expect(created.status).toBe(201);
    ({ secret } = created.body);
    subscriptionId = created.body.subscription.id;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    receiver.setSecret(secret);
  });
  afterAll(async () => {
    await server.close({ remove: true });
    await receiver.close();
  });
  beforeEach(() => {
    receiver.answer = () => 204;
  });

  const deliverAll = async () => {
    let total = 0;
    for (let claimed = await server.engine.dispatcher.runOnce(); claimed > 0; claimed = await server.engine.dispatcher.runOnce()) total += claimed;
    return total;
  };
  const ofType = (type: string) => receiver.received.filter((r) => r.payload?.type === type);

  it('the secret is answered once: listed subscriptions never show it, and it is sealed at rest', async () => {
    const listed = await server.admin('GET', '/v1/admin/webhooks');
    expect(listed.body).toEqual([expect.objectContaining({ id: subscriptionId, url: receiver.url, eventTypes: ['*'], format: 'standard', enabled: true })]);
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(6));
    const stored = (await server.engine.store.webhooks.getSubscription(subscriptionId))!;
    expect(stored.sealedSecret).not.toContain(secret.slice(6));
  });

  it('session, journey and credential events arrive signed, verified by standardwebhooks, with no secrets', async () => {
    const journey = nameFormJourney('hooked', 'Hooked');
    await server.publish(journey);
    await server.publish(signUpJourney('hook-sign-up'));
    await server.publish(signInJourney('hook-sign-in', { maxFailedAttempts: 1, lockoutSeconds: 60 }));

    const started = (await startSession(server, 'hooked')).body;
    const shown = (await submit(server, started, 'ask', 'go', { name: 'Ada' })).body;
    const completed = (await submit(server, shown, 'shown', 'continue')).body;
    expect(completed.status).toBe('completed');
    const other = (await startSession(server, 'hooked')).body;
    expect((await submit(server, other, 'ask', 'cancel')).body.status).toBe('rejected');
    const signedUp = await signUp(server, 'hook-sign-up', 'hook.user', 'correct horse battery staple 42');
    expect(signedUp.status).toBe('completed');
    // One failure is the limit: the attempt locks the user's password.
    await signIn(server, 'hook-sign-in', 'hook.user', 'wrong password, surely');

    expect(await deliverAll()).toBeGreaterThanOrEqual(8);
    expect(receiver.received.every((r) => r.verifyError === null)).toBe(true);
    expect(receiver.received.every((r) => r.headers['content-type'] === 'application/json')).toBe(true);

    const [completedEvent] = ofType('session.completed').filter((r) => r.payload!.data.sessionId === completed.sessionId);
    expect(completedEvent.payload!.data).toEqual({ sessionId: completed.sessionId, journeyId: 'hooked', journeyVersion: 1, userId: null, status: 'completed' });
    expect(completedEvent.id).toMatch(/^msg_/);
    expect(ofType('session.rejected').map((r) => r.payload!.data)).toContainEqual(expect.objectContaining({ sessionId: other.sessionId, status: 'rejected', errorCode: 'cancelled' }));
    expect(ofType('journey.published').map((r) => r.payload!.data)).toContainEqual({ journeyId: 'hooked', version: 1, documentHash: expect.any(String), publishedBy: 'admin' });
    const userId = signedUp.result?.claims?.userId ?? (await server.engine.store.users.findByUsername('hook.user'))!.id;
    expect(ofType('authenticator.added').map((r) => r.payload!.data)).toContainEqual(expect.objectContaining({ userId, authenticatorType: 'password' }));
    expect(ofType('user.locked').map((r) => r.payload!.data)).toContainEqual(expect.objectContaining({ userId, credential: 'password' }));

    const everything = receiver.received.map((r) => r.body).join('\n');
    for (const secretValue of [completed.sessionToken, other.sessionToken, completed.result?.token, ADMIN_KEY, secret.slice(6), 'correct horse battery staple 42', 'Ada']) {
      if (secretValue) expect(everything).not.toContain(secretValue);
    }
    const deliveries = await server.admin('GET', `/v1/admin/webhook-deliveries?subscriptionId=${subscriptionId}&status=delivered&limit=100`);
    expect(deliveries.body.length).toBe(receiver.received.length);
  });

  it('an admin removing an authenticator raises authenticator.removed in the same change', async () => {
    const user = (await server.engine.store.users.findByUsername('hook.user'))!;
    const [authenticator] = await server.engine.store.authenticators.listByUser(user.id);
    expect((await server.admin('DELETE', `/v1/admin/users/${user.id}/authenticators/${authenticator.id}`)).status).toBe(204);
    await deliverAll();
    expect(ofType('authenticator.removed').map((r) => r.payload!.data)).toContainEqual({ userId: user.id, authenticatorId: authenticator.id, authenticatorType: 'password', removedBy: 'admin' });
  });

  it('a failed attempt is retried after its backoff, with the same webhook-id', async () => {
    const failedOnce = new Set<string>();
    receiver.answer = (r) => {
      if (failedOnce.has(r.id)) return 200;
      failedOnce.add(r.id);
      return 503;
    };
    const before = receiver.received.length;
    await server.publish(nameFormJourney('retried', 'Retried'));
    expect(await server.engine.dispatcher.runOnce()).toBe(1);
    const [failed] = await server.engine.store.webhooks.listDeliveries({ status: 'pending', limit: 10 });
    expect(failed).toMatchObject({ attempts: 1, lastStatus: 503, lastError: 'the receiver answered 503' });
    const delay = Date.parse(failed.nextAttemptAt) - server.clock.now().getTime();
    expect(delay).toBeGreaterThanOrEqual(1000);
    expect(delay).toBeLessThanOrEqual(1100);
    // Not before its time.
    expect(await server.engine.dispatcher.runOnce()).toBe(0);
    server.clock.advance(1.2);
    expect(await server.engine.dispatcher.runOnce()).toBe(1);
    const attempts = receiver.received.slice(before);
    expect(attempts.map((r) => r.id)).toEqual([failed.eventId, failed.eventId]);
    expect(attempts.every((r) => r.verifyError === null)).toBe(true);
    expect(await server.engine.store.webhooks.getDelivery(failed.id)).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200 });
  });

  it('exhausted deliveries are dead, listed for admins, and sent again on retry', async () => {
    receiver.answer = () => 500;
    await server.publish(nameFormJourney('dead-letter', 'Dead letter'));
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await server.engine.dispatcher.runOnce()).toBe(1);
      server.clock.advance(10);
    }
    const dead = await server.admin('GET', '/v1/admin/webhook-deliveries?status=dead');
    expect(dead.body).toHaveLength(1);
    expect(dead.body[0]).toMatchObject({ status: 'dead', attempts: 3, lastStatus: 500, eventType: 'journey.published', subscriptionId });
    expect(await server.engine.dispatcher.runOnce()).toBe(0);

    receiver.answer = () => 204;
    const retried = await server.admin('POST', `/v1/admin/webhook-deliveries/${dead.body[0].id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await server.admin('POST', `/v1/admin/webhook-deliveries/${dead.body[0].id}/retry`)).status).toBe(409);
    expect(await server.engine.dispatcher.runOnce()).toBe(1);
    expect(await server.engine.store.webhooks.getDelivery(dead.body[0].id)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(receiver.processed.has(dead.body[0].eventId)).toBe(true);
  });

  it('backoff doubles from the base, capped, with at most 10 % jitter', () => {
    const settings = { retryBaseMs: 1000, maxDelayMs: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, settings, () => 0))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(retryDelayMs(2, settings, () => 1)).toBe(2200);
  });
});
