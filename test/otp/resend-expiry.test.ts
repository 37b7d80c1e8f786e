/**
 * Resend (new code, cooldown, maxResends, choosing the channel), attempts that survive a resend,
 * and expiry driven by the injected clock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import {
  PHONE_DIGITS,
  lastTwilioCode,
  lastWhatsAppCode,
  resend,
  smsJourney,
  startFakeTwilio,
  startFakeWhatsApp,
  startPhone,
  twilioEnv,
  verify,
  whatsappEnv,
  whatsappJson,
  wrongCode,
  type FakeProvider,
} from './otp-helpers.js';

describe('resend and expiry', () => {
  let server: TestServer;
  let twilio: FakeProvider;
  let whatsapp: FakeProvider;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    whatsapp = await startFakeWhatsApp();
    server = await startTestServer({ env: { ...twilioEnv(twilio), ...whatsappEnv(whatsapp), OTP_SEND_LIMIT: '100/900' } });
    // 10-digit codes: two sends never share a code by chance.
    await server.publish(smsJourney('rs', { codeLength: 10, resendCooldownSeconds: 30, maxResends: 2 }));
    await server.publish(smsJourney('rs-none', { codeLength: 10, maxResends: 0, resendCooldownSeconds: 0 }));
    await server.publish(smsJourney('rs-three', { codeLength: 10, maxAttempts: 3, resendCooldownSeconds: 0 }));
    await server.publish(smsJourney('rs-expiry', { codeLength: 10, expirySeconds: 60, resendCooldownSeconds: 30 }));
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

  it('resend sends a new code: the old one then answers invalid_code, the new one completes', async () => {
    const started = await startPhone(server, 'rs');
    const first = lastTwilioCode(twilio, 10);
    server.clock.advance(30);
    const again = await resend(server, started.body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'waiting', error: null, step: { id: 'otp' } });
    expect(twilio.requests).toHaveLength(2);
    const second = lastTwilioCode(twilio, 10);
    expect(second).not.toBe(first);

    const old = await verify(server, started.body, first);
    expect(old.status).toBe(200);
    expect(old.body).toMatchObject({ status: 'waiting', step: { id: 'otp' }, error: { code: 'invalid_code' } });
    const done = await verify(server, started.body, second);
    expect(done.body.status).toBe('completed');
  });

  it('resend before resendCooldownSeconds → stays with resend_unavailable, nothing sent, the current code still works', async () => {
    const started = await startPhone(server, 'rs');
    const code = lastTwilioCode(twilio, 10);
    server.clock.advance(29);
    const early = await resend(server, started.body);
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ status: 'waiting', step: { id: 'otp' }, error: { code: 'resend_unavailable' } });
    expect(early.body.step.data.resendsLeft).toBe(2);
    expect(twilio.requests).toHaveLength(1);

    const done = await verify(server, started.body, code);
    expect(done.body.status).toBe('completed');
  });

  it('after maxResends → resend_unavailable (resendsLeft counts down to 0)', async () => {
    const started = await startPhone(server, 'rs');
    expect(started.body.step.data.resendsLeft).toBe(2);
    server.clock.advance(30);
    const one = await resend(server, started.body);
    expect(one.body.error).toBeNull();
    expect(one.body.step.data.resendsLeft).toBe(1);
    server.clock.advance(30);
    const two = await resend(server, started.body);
    expect(two.body.error).toBeNull();
    expect(two.body.step.data.resendsLeft).toBe(0);
    const last = lastTwilioCode(twilio, 10);

    server.clock.advance(30);
    const three = await resend(server, started.body);
    expect(three.body).toMatchObject({ status: 'waiting', error: { code: 'resend_unavailable' } });
    expect(three.body.step.data.resendsLeft).toBe(0);
    expect(twilio.requests).toHaveLength(3);

    // The last code sent still works.
    expect((await verify(server, started.body, last)).body.status).toBe('completed');
  });

  it('maxResends 0 → the first resend is refused', async () => {
    const started = await startPhone(server, 'rs-none');
    expect(started.body.step.data.resendsLeft).toBe(0);
    const refused = await resend(server, started.body);
    expect(refused.body).toMatchObject({ status: 'waiting', error: { code: 'resend_unavailable' } });
    expect(twilio.requests).toHaveLength(1);
  });

  it('resend { channel: "whatsapp" } sends the new code on WhatsApp; step.data.channel follows', async () => {
    const started = await startPhone(server, 'rs');
    expect(started.body.step.data.channel).toBe('sms');
    server.clock.advance(30);
    const again = await resend(server, started.body, { channel: 'whatsapp' });
    expect(again.body).toMatchObject({ status: 'waiting', error: null });
    expect(again.body.step.data.channel).toBe('whatsapp');
    expect(twilio.requests).toHaveLength(1);
    expect(whatsapp.requests).toHaveLength(1);
    expect(whatsappJson(whatsapp.requests[0]).to).toBe(PHONE_DIGITS);
    const code = lastWhatsAppCode(whatsapp, 10);

    const done = await verify(server, started.body, code);
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims.channel).toBe('whatsapp');
  });

  it('resend with a channel the step does not offer is refused (422) and changes nothing', async () => {
    const started = await startPhone(server, 'rs');
    server.clock.advance(30);
    const refused = await resend(server, started.body, { channel: 'email' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('validation_failed');
    expect(twilio.requests).toHaveLength(1);
    expect(whatsapp.requests).toHaveLength(0);
    expect((await verify(server, started.body, lastTwilioCode(twilio, 10))).body.status).toBe('completed');
  });

  it('attempts survive a resend: maxAttempts 3, two wrong, resend, one wrong → too_many_attempts', async () => {
    const started = await startPhone(server, 'rs-three');
    const first = lastTwilioCode(twilio, 10);
    const one = await verify(server, started.body, wrongCode(first));
    expect(one.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
    const two = await verify(server, started.body, wrongCode(first));
    expect(two.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });

    const again = await resend(server, started.body);
    expect(again.body).toMatchObject({ status: 'waiting', error: null });
    const second = lastTwilioCode(twilio, 10);

    const three = await verify(server, started.body, wrongCode(second));
    expect(three.status).toBe(200);
    expect(three.body).toMatchObject({ status: 'rejected', step: null, error: { code: 'too_many_attempts' } });
  });

  it('a refused answer is reported once: the next submit clears the error', async () => {
    const started = await startPhone(server, 'rs');
    const code = lastTwilioCode(twilio, 10);
    const wrong = await verify(server, started.body, wrongCode(code));
    expect(wrong.body.error.code).toBe('invalid_code');
    const current = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(current.body.error.code).toBe('invalid_code');
    server.clock.advance(30);
    const again = await resend(server, started.body);
    expect(again.body.error).toBeNull();
  });

  it('past expirySeconds → verify answers expired_code and stays waiting; a resend then works', async () => {
    const started = await startPhone(server, 'rs-expiry');
    const first = lastTwilioCode(twilio, 10);

    server.clock.advance(61);
    const expired = await verify(server, started.body, first);
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ status: 'waiting', step: { id: 'otp' }, error: { code: 'expired_code' } });
    // Still expired on a second try (the right code does not come back to life).
    expect((await verify(server, started.body, first)).body.error.code).toBe('expired_code');

    const again = await resend(server, started.body);
    expect(again.body).toMatchObject({ status: 'waiting', error: null });
    const fresh = lastTwilioCode(twilio, 10);
    expect(again.body.step.data.expiresAt).toBe(new Date(server.clock.now().getTime() + 60_000).toISOString());

    const done = await verify(server, started.body, fresh);
    expect(done.body.status).toBe('completed');
  });

  it('a code is still good up to its expiry instant', async () => {
    const started = await startPhone(server, 'rs-expiry');
    const code = lastTwilioCode(twilio, 10);
    server.clock.advance(59);
    const done = await verify(server, started.body, code);
    expect(done.body.status).toBe('completed');
  });
});
