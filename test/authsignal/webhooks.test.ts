/**
 * Authsignal-format webhooks (#22): a subscription with `format: "authsignal"` on the engine's one
 * outbox is delivered in Authsignal's envelope with `x-signature-v2`, and the published
 * @authsignal/node's `Webhook.constructEvent` accepts it with the secret the subscription answered
 * (and refuses a changed body or another secret). A Standard Webhooks subscription on the same
 * outbox gets the same events in its own format.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authsignal, Webhook } from '@authsignal/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, TestClock, startTestServer, type TestServer } from '../helpers/test-server.js';
import { PHONE } from '../otp/otp-helpers.js';

interface Delivery {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: TestServer;
let receiver: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      deliveries.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // The SDK refuses signatures older than 5 minutes by its own clock.
  server = await startTestServer({ clock: new TestClock(Date.now()), env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
});

afterAll(async () => {
  await server.close({ remove: true });
  await new Promise((resolve) => receiver.close(resolve));
});

describe('Authsignal-format webhooks', () => {
  it('Webhook.constructEvent of the published SDK accepts the events; a changed body or another secret is refused', async () => {
    const created = await server.admin('POST', '/v1/admin/webhooks', { url: `${receiverUrl}/authsignal`, eventTypes: ['authenticator.added'], format: 'authsignal' });
    expect(created.status).toBe(201);
    expect(created.body.subscription.format).toBe('authsignal');
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^aswh_[A-Za-z0-9_-]{43}$/);
    const standard = await server.admin('POST', '/v1/admin/webhooks', { url: `${receiverUrl}/standard`, eventTypes: ['authenticator.added'] });
    expect(standard.body.subscription.format).toBe('standard');

    // An event: an app enrols a phone it verified.
    const authsignal = new Authsignal({ apiSecretKey: APP_KEY, apiUrl: `${server.url}/authsignal/v1`, retries: 0 });
    const { authenticator } = await authsignal.enrollVerifiedAuthenticator({ userId: 'hooked', attributes: { verificationMethod: 'SMS' as never, phoneNumber: PHONE } });
    while ((await server.engine.dispatcher.runOnce()) > 0);

    const [delivery] = deliveries.filter((d) => d.path === '/authsignal');
    expect(delivery).toBeDefined();
    const signature = String(delivery.headers['x-signature-v2']);
    expect(signature).toMatch(/^t=\d+,v2=[A-Za-z0-9+/]+$/);
    const event = new Webhook(secret).constructEvent(delivery.body, signature);
    expect(event).toMatchObject({ version: 1, type: 'authenticator.added', id: expect.any(String), time: expect.any(String), data: { userId: 'hooked', authenticatorId: authenticator.userAuthenticatorId } });
    // The SDK's own instance does the same when its secret key is the subscription's secret.
    expect(new Authsignal({ apiSecretKey: secret }).webhook.constructEvent(delivery.body, signature).id).toBe(event.id);

    expect(() => new Webhook(secret).constructEvent(delivery.body.replace('hooked', 'hacked'), signature)).toThrow(/Signature mismatch/);
    expect(() => new Webhook(APP_KEY).constructEvent(delivery.body, signature)).toThrow(/Signature mismatch/);
    // One outbox, two formats: the Standard Webhooks subscriber got the same event in its format.
    const [other] = deliveries.filter((d) => d.path === '/standard');
    expect(other.headers['webhook-id']).toBe(event.id);
    expect(other.headers['x-signature-v2']).toBeUndefined();
  });

  it('an unknown format is refused and nothing is created', async () => {
    const before = (await server.admin('GET', '/v1/admin/webhooks')).body.length;
    const refused = await server.admin('POST', '/v1/admin/webhooks', { url: `${receiverUrl}/x`, eventTypes: ['*'], format: 'svix' });
    expect(refused.status).toBe(400);
    expect((await server.admin('GET', '/v1/admin/webhooks')).body).toHaveLength(before);
  });
});
