/**
 * The sample journey journeys/sms-otp.json end to end over HTTP: phone form → sms.otp → complete
 * (claims phoneNumber and channel) or reject with the step's error; codes read from the fake
 * Twilio's (or WhatsApp's) recorded request, and once from the dev outbox.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APP_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import {
  PHONE,
  PHONE_DIGITS,
  extractCode,
  lastTwilioCode,
  lastWhatsAppCode,
  loadSampleJourney,
  outbox,
  startFakeTwilio,
  startFakeWhatsApp,
  twilioEnv,
  twilioForm,
  verify,
  whatsappEnv,
  whatsappJson,
  wrongCode,
  type FakeProvider,
} from './otp-helpers.js';

const sample = loadSampleJourney('sms-otp');

async function toCode(server: TestServer, phoneNumber: string = PHONE) {
  const started = await startSession(server, 'sms-otp');
  expect(started.status).toBe(200);
  expect(started.body).toMatchObject({ status: 'waiting', journeyId: 'sms-otp', step: { id: 'phone', type: 'form' } });
  const asked = await submit(server, started.body, 'phone', 'send', { phoneNumber });
  expect(asked.status).toBe(200);
  return asked;
}

describe('sample journey sms-otp with Twilio and WhatsApp', () => {
  let server: TestServer;
  let twilio: FakeProvider;
  let whatsapp: FakeProvider;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    whatsapp = await startFakeWhatsApp();
    server = await startTestServer({ env: { ...twilioEnv(twilio), ...whatsappEnv(whatsapp), OTP_SEND_LIMIT: '100/900' } });
    expect(await server.publish(sample)).toBe(1);
  });
  beforeEach(() => {
    twilio.reset();
    whatsapp.reset();
  });
  afterAll(async () => {
    await server.close({ remove: true });
    await twilio.close();
    await whatsapp.close();
  });

  it('phone → SMS with the sample message → code → completed with { phoneNumber, channel: "sms" }, token validates once', async () => {
    const asked = await toCode(server);
    expect(asked.body).toMatchObject({ status: 'waiting', error: null, step: { id: 'otp', type: 'sms.otp', name: 'Enter the code' } });
    expect(asked.body.step.data.channel).toBe('sms');
    expect(asked.body.step.data.destination).not.toContain('4155550123');
    expect(asked.body.step.data.resendsLeft).toBe(3);

    expect(twilio.requests).toHaveLength(1);
    const form = twilioForm(twilio.requests[0]);
    expect(form.To).toBe(PHONE);
    expect(form.From).toBe('+15550000000');
    expect(form.Body).toMatch(/^Your verification code is \d{6}\. It expires in 5 minutes\.$/);
    const code = lastTwilioCode(twilio);

    const wrong = await verify(server, asked.body, wrongCode(code));
    expect(wrong.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });

    const done = await verify(server, asked.body, code);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ phoneNumber: PHONE, channel: 'sms' });

    const first = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: APP_KEY });
    expect(first.body).toMatchObject({ valid: true, journeyId: 'sms-otp', sessionId: asked.body.sessionId, claims: { phoneNumber: PHONE, channel: 'sms' } });
    const second = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: APP_KEY });
    expect(second.body).toEqual({ valid: false, reason: 'already_used' });
  });

  it('SMS failing → WhatsApp; the claims say "whatsapp"', async () => {
    twilio.mode = 'fail';
    const asked = await toCode(server);
    expect(asked.body.step.data.channel).toBe('whatsapp');
    expect(whatsappJson(whatsapp.requests[0]).to).toBe(PHONE_DIGITS);
    const done = await verify(server, asked.body, lastWhatsAppCode(whatsapp));
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ phoneNumber: PHONE, channel: 'whatsapp' });
  });

  it('five wrong codes → rejected too_many_attempts through the failed step', async () => {
    const asked = await toCode(server);
    const code = lastTwilioCode(twilio);
    for (let i = 1; i <= 4; i++) {
      const wrong = await verify(server, asked.body, wrongCode(code));
      expect(wrong.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
    }
    const fifth = await verify(server, asked.body, wrongCode(code));
    expect(fifth.body).toMatchObject({ status: 'rejected', step: null, error: { code: 'too_many_attempts' } });
    expect((await verify(server, asked.body, code)).status).toBe(409);
  });

  it('both channels down → rejected delivery_failed', async () => {
    twilio.mode = 'fail';
    whatsapp.mode = 'fail';
    const asked = await toCode(server);
    expect(asked.body).toMatchObject({ status: 'rejected', error: { code: 'delivery_failed' } });
  });

  it('the form refuses a number that is not E.164 (422, session unchanged)', async () => {
    const started = await startSession(server, 'sms-otp');
    const refused = await submit(server, started.body, 'phone', 'send', { phoneNumber: '415 555 0123' });
    expect(refused.status).toBe(422);
    expect(twilio.requests).toHaveLength(0);
    const current = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(current.body.step.id).toBe('phone');
  });

  it('an E.164-shaped but invalid number → rejected invalid_phone_number', async () => {
    const asked = await toCode(server, '+999999999999999');
    expect(asked.body).toMatchObject({ status: 'rejected', error: { code: 'invalid_phone_number' } });
    expect(twilio.requests).toHaveLength(0);
  });
});

describe('sample journey sms-otp with the dev outbox', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    expect(await server.publish(sample)).toBe(1);
  });
  afterAll(() => server.close({ remove: true }));

  it('the code is read from GET /v1/admin/outbox and completes the journey', async () => {
    const asked = await toCode(server);
    expect(asked.body.status).toBe('waiting');
    expect(asked.body.step.data.channel).toBe('sms');
    const listed = await outbox(server, { sessionId: asked.body.sessionId });
    expect(listed.body).toHaveLength(1);
    expect(listed.body[0]).toMatchObject({ channel: 'sms', to: PHONE, sessionId: asked.body.sessionId });
    expect(listed.body[0].body).toMatch(/^Your verification code is \d{6}\. It expires in 5 minutes\.$/);
    const done = await verify(server, asked.body, extractCode(listed.body[0].body));
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ phoneNumber: PHONE, channel: 'sms' });
  });
});
