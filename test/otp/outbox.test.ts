/**
 * The dev outbox: with no provider configured every channel delivers there, and admins read it at
 * GET /v1/admin/outbox (newest first, filters by sessionId and to, admin key only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { PHONE, emailJourney, extractCode, outbox, resend, smsJourney, startEmail, startPhone, verify } from './otp-helpers.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const OTHER = '+33612345678';

describe('GET /v1/admin/outbox', () => {
  let server: TestServer;
  const sessions: Record<string, { sessionId: string; sessionToken: string }> = {};
  const times: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer({ env: { OTP_SEND_LIMIT: '100/900' } });
    await server.publish(smsJourney('dev-sms', { message: 'SMS {{code}}', resendCooldownSeconds: 0, codeLength: 10 }));
    await server.publish(smsJourney('dev-wa', { channels: ['whatsapp'], message: 'WA {{code}}' }));
    await server.publish(emailJourney('dev-mail', { message: 'Mail {{code}}' }));

    // Four messages at four instants: sms to PHONE, whatsapp to OTHER, email, then a resend to PHONE.
    times.first = server.clock.now().toISOString();
    sessions.first = (await startPhone(server, 'dev-sms', PHONE)).body;
    server.clock.advance(5);
    times.second = server.clock.now().toISOString();
    sessions.second = (await startPhone(server, 'dev-wa', OTHER)).body;
    server.clock.advance(5);
    times.third = server.clock.now().toISOString();
    sessions.third = (await startEmail(server, 'dev-mail', 'Grace@Example.com')).body;
    server.clock.advance(5);
    times.fourth = server.clock.now().toISOString();
    await resend(server, sessions.first);
  });
  afterAll(() => server.close({ remove: true }));

  it('lists every message newest first as { id, channel, to, body, sessionId, createdAt }', async () => {
    const listed = await outbox(server);
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(4);
    for (const message of listed.body) {
      expect(Object.keys(message).sort()).toEqual(['body', 'channel', 'createdAt', 'id', 'sessionId', 'to']);
      expect(message.id).toMatch(UUID_V4);
    }
    expect(new Set(listed.body.map((m: { id: string }) => m.id)).size).toBe(4);
    expect(listed.body.map((m: { channel: string; to: string; sessionId: string; createdAt: string }) => [m.channel, m.to, m.sessionId, m.createdAt])).toEqual([
      ['sms', PHONE, sessions.first.sessionId, times.fourth],
      ['email', 'grace@example.com', sessions.third.sessionId, times.third],
      ['whatsapp', OTHER, sessions.second.sessionId, times.second],
      ['sms', PHONE, sessions.first.sessionId, times.first],
    ]);
    expect(listed.body[0].body).toMatch(/^SMS \d{10}$/);
    expect(listed.body[1].body).toMatch(/^Mail \d{6}$/);
    expect(listed.body[2].body).toMatch(/^WA \d{6}$/);
    expect(listed.body[3].body).toMatch(/^SMS \d{10}$/);
  });

  it('the step reports the channel it delivered on', async () => {
    const wa = await server.request('GET', `/v1/sessions/${sessions.second.sessionId}`, { token: sessions.second.sessionToken });
    expect(wa.body.step.data.channel).toBe('whatsapp');
    const mail = await server.request('GET', `/v1/sessions/${sessions.third.sessionId}`, { token: sessions.third.sessionToken });
    expect(mail.body.step.data.channel).toBe('email');
  });

  it('filters by sessionId', async () => {
    const first = await outbox(server, { sessionId: sessions.first.sessionId });
    expect(first.status).toBe(200);
    expect(first.body.map((m: { createdAt: string }) => m.createdAt)).toEqual([times.fourth, times.first]);
    for (const m of first.body) expect(m.sessionId).toBe(sessions.first.sessionId);

    const second = await outbox(server, { sessionId: sessions.second.sessionId });
    expect(second.body).toHaveLength(1);
    expect(second.body[0].channel).toBe('whatsapp');

    expect((await outbox(server, { sessionId: '00000000-0000-4000-8000-000000000000' })).body).toEqual([]);
  });

  it('filters by to (an E.164 number, an address) and by both', async () => {
    const phone = await outbox(server, { to: PHONE });
    expect(phone.body).toHaveLength(2);
    for (const m of phone.body) expect(m.to).toBe(PHONE);

    const mail = await outbox(server, { to: 'grace@example.com' });
    expect(mail.body).toHaveLength(1);
    expect(mail.body[0].sessionId).toBe(sessions.third.sessionId);

    expect((await outbox(server, { to: OTHER, sessionId: sessions.second.sessionId })).body).toHaveLength(1);
    expect((await outbox(server, { to: PHONE, sessionId: sessions.second.sessionId })).body).toEqual([]);
    expect((await outbox(server, { to: '+14155559999' })).body).toEqual([]);
  });

  it('the newest message of a session carries the code that verifies; the older one does not', async () => {
    const listed = (await outbox(server, { sessionId: sessions.first.sessionId })).body;
    const newest = extractCode(listed[0].body, 10);
    const oldest = extractCode(listed[1].body, 10);
    expect(newest).not.toBe(oldest);
    expect((await verify(server, sessions.first, oldest)).body.error.code).toBe('invalid_code');
    expect((await verify(server, sessions.first, newest)).body.status).toBe('completed');
  });

  it('messages sent within the same instant are still listed newest first', async () => {
    const a = (await startPhone(server, 'dev-sms', '+4915112345678')).body;
    const b = (await startPhone(server, 'dev-sms', '+4915112345678')).body;
    const listed = await outbox(server, { to: '+4915112345678' });
    expect(listed.body.map((m: { sessionId: string }) => m.sessionId)).toEqual([b.sessionId, a.sessionId]);
  });

  it('needs the admin key: 401 without a key or with a wrong one, 403 with an app key', async () => {
    const none = await server.request('GET', '/v1/admin/outbox');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    expect(JSON.stringify(none.body)).not.toMatch(/SMS \d{10}/);

    const wrong = await server.request('GET', '/v1/admin/outbox', { token: 'not-a-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');

    const app = await server.request('GET', '/v1/admin/outbox', { token: APP_KEY });
    expect(app.status).toBe(403);
    expect(app.body.error.code).toBe('forbidden');
    expect(JSON.stringify(app.body)).not.toMatch(/SMS \d{10}/);

    // A session token is no admin key either.
    const session = await server.request('GET', '/v1/admin/outbox', { token: sessions.second.sessionToken });
    expect(session.status).toBe(401);
  });
});
