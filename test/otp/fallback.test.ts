/**
 * Automatic channel fallback: SMS failing (an error status or no answer within CHANNEL_TIMEOUT_MS)
 * delivers the same send on WhatsApp at once; every channel failing fails the step with
 * delivery_failed (failure branch when wired, else the session ends failed).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import {
  PHONE,
  PHONE_DIGITS,
  lastTwilioCode,
  lastWhatsAppCode,
  outbox,
  resend,
  smsJourney,
  startFakeTwilio,
  startFakeWhatsApp,
  startPhone,
  twilioEnv,
  twilioForm,
  verify,
  whatsappEnv,
  whatsappJson,
  type FakeProvider,
} from './otp-helpers.js';

describe('fallback from SMS to WhatsApp', () => {
  let server: TestServer;
  let twilio: FakeProvider;
  let whatsapp: FakeProvider;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    whatsapp = await startFakeWhatsApp();
    server = await startTestServer({ env: { ...twilioEnv(twilio), ...whatsappEnv(whatsapp), CHANNEL_TIMEOUT_MS: '300', OTP_SEND_LIMIT: '100/900' } });
    await server.publish(smsJourney('fb', { message: 'Code {{code}}' }));
    await server.publish(smsJourney('fb-abort', { message: 'Code {{code}}' }, { failureBranch: false }));
    await server.publish(smsJourney('fb-three', { message: 'Code {{code}}', maxAttempts: 3, resendCooldownSeconds: 0 }));
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

  it('Twilio answering 500 → the same send goes out on WhatsApp at once, step.data.channel is "whatsapp", and that code verifies', async () => {
    twilio.mode = 'fail';
    const started = await startPhone(server, 'fb');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'waiting', error: null });
    expect(started.body.step.data.channel).toBe('whatsapp');

    expect(twilio.requests).toHaveLength(1);
    expect(twilioForm(twilio.requests[0]).To).toBe(PHONE);
    expect(whatsapp.requests).toHaveLength(1);
    expect(whatsappJson(whatsapp.requests[0]).to).toBe(PHONE_DIGITS);

    // One code per send: the failed SMS and the WhatsApp message carry the same body.
    const code = lastWhatsAppCode(whatsapp);
    expect(twilioForm(twilio.requests[0]).Body).toBe(whatsappJson(whatsapp.requests[0]).text.body);

    const done = await verify(server, started.body, code);
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims.channel).toBe('whatsapp');
  });

  it('Twilio that never answers → WhatsApp after CHANNEL_TIMEOUT_MS (300 ms), well before the 5 s default', async () => {
    twilio.mode = 'hang';
    const before = performance.now();
    const started = await startPhone(server, 'fb');
    const elapsed = performance.now() - before;
    expect(started.status).toBe(200);
    expect(started.body.status).toBe('waiting');
    expect(started.body.step.data.channel).toBe('whatsapp');
    expect(twilio.requests).toHaveLength(1);
    expect(whatsapp.requests).toHaveLength(1);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);

    const done = await verify(server, started.body, lastWhatsAppCode(whatsapp));
    expect(done.body.status).toBe('completed');
  });

  it('both providers failing → the step fails delivery_failed and the failure branch is followed', async () => {
    twilio.mode = 'fail';
    whatsapp.mode = 'fail';
    const started = await startPhone(server, 'fb');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'rejected', step: null, result: null, error: { code: 'delivery_failed' } });
    expect(twilio.requests).toHaveLength(1);
    expect(whatsapp.requests).toHaveLength(1);
    // Nothing went to the dev outbox instead.
    expect((await outbox(server, { sessionId: started.body.sessionId })).body).toEqual([]);

    const detail = await server.request('GET', `/v1/admin/sessions/${started.body.sessionId}`, { token: ADMIN_KEY });
    expect(detail.body.session.status).toBe('rejected');
    expect(detail.body.timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stepId: 'otp', event: 'error', error: expect.objectContaining({ code: 'delivery_failed' }) }),
        expect.objectContaining({ stepId: 'otp', event: 'branch', branch: 'failure' }),
      ]),
    );
  });

  it('both failing without a failure branch → the session ends failed with delivery_failed', async () => {
    twilio.mode = 'fail';
    whatsapp.mode = 'hang';
    const started = await startPhone(server, 'fb-abort');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'failed', step: null, error: { code: 'delivery_failed' } });
    expect(whatsapp.requests).toHaveLength(1);
  });

  it('a resend falls back too: SMS down at resend time → WhatsApp, and the new code verifies', async () => {
    const started = await startPhone(server, 'fb');
    expect(started.body.step.data.channel).toBe('sms');
    const first = lastTwilioCode(twilio);

    twilio.mode = 'fail';
    server.clock.advance(31);
    const again = await resend(server, started.body);
    expect(again.body).toMatchObject({ status: 'waiting', error: null });
    expect(again.body.step.data.channel).toBe('whatsapp');
    const second = lastWhatsAppCode(whatsapp);

    expect((await verify(server, started.body, first)).body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
    const done = await verify(server, started.body, second);
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims.channel).toBe('whatsapp');
  });

  it('wrong answers count across a fallback resend (maxAttempts 3: 2 wrong, resend on WhatsApp, 1 wrong → too_many_attempts)', async () => {
    const started = await startPhone(server, 'fb-three');
    const first = lastTwilioCode(twilio);
    const wrong = first === '000000' ? '111111' : '000000';
    expect((await verify(server, started.body, wrong)).body.error.code).toBe('invalid_code');
    expect((await verify(server, started.body, wrong)).body.error.code).toBe('invalid_code');

    twilio.mode = 'fail';
    const again = await resend(server, started.body);
    expect(again.body.status).toBe('waiting');
    expect(again.body.step.data.channel).toBe('whatsapp');
    const second = lastWhatsAppCode(whatsapp);

    const last = await verify(server, started.body, second === '000000' ? '111111' : '000000');
    expect(last.body).toMatchObject({ status: 'rejected', error: { code: 'too_many_attempts' } });
  });
});
