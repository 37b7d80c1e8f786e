/**
 * Webhook delivery across real engine processes (`node --import tsx engine/server.ts`): a sender
 * killed with SIGKILL in the middle of a delivery leaves it to the next process once its lease
 * runs out, which sends it again under the same webhook-id (at least once; the receiver, keyed by
 * that id, processes it once); and two processes on one PostgreSQL database never send one event
 * at the same time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { describePostgres, freshSchema, type TestSchema } from '../helpers/postgres.js';
import { nameFormJourney } from '../helpers/journeys.js';
import { admin, killAllEngines, newSecretKey, publishJourney, sleep, startEngine, tempDir } from '../reliability/harness.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const WEBHOOK_ENV = { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_POLL_MS: '50', WEBHOOK_TIMEOUT_MS: '1500', WEBHOOK_LEASE_SECONDS: '3' };

async function subscribe(base: string, receiver: Receiver): Promise<void> {
  const created = await admin(base, 'POST', '/v1/admin/webhooks', { url: receiver.url, eventTypes: ['journey.published'] });
  expect(created.status).toBe(201);
  receiver.setSecret(created.body.secret);
}

describe('webhooks: a sender killed mid-delivery (SQLite)', () => {
  let receiver: Receiver;
  afterAll(async () => {
    await killAllEngines();
    await receiver?.close();
  });

  it('the next process delivers it after the lease, with the same webhook-id; the receiver processes it once', async () => {
    receiver = await startReceiver();
    const dataDir = tempDir();
    const secretKey = newSecretKey();
    const first = await startEngine({ name: 'sender-1', dataDir, secretKey, env: WEBHOOK_ENV });
    await subscribe(first.url, receiver);

    // The first attempt is never answered: the sender is killed while it waits.
    receiver.answer = (r) => (receiver.received.filter((x) => x.id === r.id).length === 1 ? 'hold' : 204);
    await publishJourney(first.url, nameFormJourney('killed-mid-delivery', 'Killed'));
    await receiver.waitFor(1);
    first.kill9();
    expect((await first.exited).signal).toBe('SIGKILL');
    const killedAt = Date.now();

    const second = await startEngine({ name: 'sender-2', dataDir, secretKey, env: WEBHOOK_ENV });
    await receiver.waitFor(2, 20_000);
    const [held, resent] = receiver.received;
    expect(resent.id).toBe(held.id);
    expect(held.verifyError).toBeNull();
    expect(resent.verifyError).toBeNull();
    // Not before the dead process's lease ran out (3 s from its claim, which preceded the kill).
    expect(resent.at - held.at).toBeGreaterThanOrEqual(2_900);
    expect(resent.at).toBeGreaterThan(killedAt);
    expect([...receiver.processed.keys()]).toEqual([held.id]);
    expect(receiver.processed.get(held.id)).toMatchObject({ type: 'journey.published', data: { journeyId: 'killed-mid-delivery', version: 1 } });

    const deliveries = await admin(second.url, 'GET', '/v1/admin/webhook-deliveries');
    expect(deliveries.body).toEqual([expect.objectContaining({ eventId: held.id, status: 'delivered', attempts: 2 })]);
    // And nothing more: delivered means done.
    await sleep(1_000);
    expect(receiver.received).toHaveLength(2);
  }, 60_000);
});

describePostgres('webhooks: two engine processes on one PostgreSQL database', (url) => {
  let schema: TestSchema;
  let receiver: Receiver;
  afterAll(async () => {
    await killAllEngines();
    await receiver?.close();
    await schema?.drop();
  });

  it('every event is delivered once, and never by both processes at the same time', async () => {
    receiver = await startReceiver();
    schema = freshSchema(url);
    const secretKey = newSecretKey();
    // Slow answers (300 ms) leave both processes polling (every 50 ms) while deliveries are in flight.
    receiver.answer = () => ({ status: 200, afterMs: 300 });
    const env = { ...WEBHOOK_ENV, DATABASE_URL: schema.url, WEBHOOK_LEASE_SECONDS: '10' };
    const a = await startEngine({ name: 'pg-sender-a', dataDir: tempDir(), secretKey, env });
    const b = await startEngine({ name: 'pg-sender-b', dataDir: tempDir(), secretKey, env });
    await subscribe(a.url, receiver);

    const journey = nameFormJourney('two-senders', 'Two senders');
    const events = 24;
    for (let i = 0; i < events; i++) await publishJourney(i % 2 ? a.url : b.url, { ...journey, name: `Two senders ${i}` });

    await receiver.waitFor(events, 30_000);
    await sleep(1_000);
    expect(receiver.received).toHaveLength(events);
    expect(receiver.received.every((r) => r.verifyError === null)).toBe(true);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(events);
    expect(receiver.maxConcurrentPerId()).toBe(1);
    expect(receiver.processed.size).toBe(events);
    const delivered = await admin(a.url, 'GET', '/v1/admin/webhook-deliveries?status=delivered&limit=100');
    expect(delivered.body).toHaveLength(events);
    expect(delivered.body.every((d: { attempts: number }) => d.attempts === 1)).toBe(true);
  }, 90_000);
});
