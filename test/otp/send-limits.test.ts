/**
 * The per-destination send limit (OTP_SEND_LIMIT=COUNT/SECONDS, SMS pumping protection): sends
 * past it fail the step with rate_limited (a step failure answered 200, not an HTTP 429), the
 * window ends with the injected clock, and other destinations are not affected.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import {
  emailJourney,
  lastTwilioCode,
  outbox,
  resend,
  smsJourney,
  startEmail,
  startFakeTwilio,
  startFakeWhatsApp,
  startPhone,
  twilioEnv,
  twilioForm,
  verify,
  whatsappEnv,
  type FakeProvider,
} from './otp-helpers.js';

describe('OTP_SEND_LIMIT=2/900', () => {
  let server: TestServer;
  let twilio: FakeProvider;
  let whatsapp: FakeProvider;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    whatsapp = await startFakeWhatsApp();
    server = await startTestServer({ env: { ...twilioEnv(twilio), ...whatsappEnv(whatsapp), OTP_SEND_LIMIT: '2/900' } });
    await server.publish(smsJourney('lim', { resendCooldownSeconds: 30 }));
    await server.publish(smsJourney('lim-abort', {}, { failureBranch: false }));
    await server.publish(emailJourney('lim-mail', { resendCooldownSeconds: 0 }));
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

  it('the third send to one number (a start, a resend, then a new session) fails rate_limited with HTTP 200; past the window it works again', async () => {
    const phone = '+14155550101';
    const a = await startPhone(server, 'lim', phone);
    expect(a.body.status).toBe('waiting');
    server.clock.advance(30);
    const resent = await resend(server, a.body);
    expect(resent.body).toMatchObject({ status: 'waiting', error: null });
    expect(twilio.requests).toHaveLength(2);

    const b = await startPhone(server, 'lim', phone);
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ status: 'rejected', step: null, error: { code: 'rate_limited' } });
    expect(twilio.requests).toHaveLength(2);
    expect(whatsapp.requests).toHaveLength(0);

    // Session A is still usable with its latest code: only sending is limited.
    expect((await verify(server, a.body, lastTwilioCode(twilio))).body.status).toBe('completed');

    // Still inside the window (opened by the first send) → still limited.
    server.clock.advance(860);
    expect((await startPhone(server, 'lim', phone)).body.error?.code).toBe('rate_limited');

    // Past 900 s since the window opened → sends again.
    server.clock.advance(20);
    const c = await startPhone(server, 'lim', phone);
    expect(c.body).toMatchObject({ status: 'waiting', error: null });
    expect(twilio.requests).toHaveLength(3);
    expect(twilioForm(twilio.requests[2]).To).toBe(phone);
  });

  it('a resend past the limit fails the step rate_limited (HTTP 200, session rejected through the failure branch)', async () => {
    const phone = '+14155550102';
    const a = await startPhone(server, 'lim', phone);
    server.clock.advance(30);
    expect((await resend(server, a.body)).body.status).toBe('waiting');
    server.clock.advance(30);
    const third = await resend(server, a.body);
    expect(third.status).toBe(200);
    expect(third.body).toMatchObject({ status: 'rejected', step: null, error: { code: 'rate_limited' } });
    expect(twilio.requests).toHaveLength(2);
  });

  it('without a failure branch the limited send ends the session failed', async () => {
    const phone = '+14155550103';
    expect((await startPhone(server, 'lim-abort', phone)).body.status).toBe('waiting');
    expect((await startPhone(server, 'lim-abort', phone)).body.status).toBe('waiting');
    const third = await startPhone(server, 'lim-abort', phone);
    expect(third.status).toBe(200);
    expect(third.body).toMatchObject({ status: 'failed', step: null, error: { code: 'rate_limited' } });
  });

  it('a different number is not limited', async () => {
    const phone = '+14155550104';
    for (let i = 0; i < 2; i++) expect((await startPhone(server, 'lim', phone)).body.status).toBe('waiting');
    expect((await startPhone(server, 'lim', phone)).body.error?.code).toBe('rate_limited');

    const other = await startPhone(server, 'lim', '+33612345678');
    expect(other.body).toMatchObject({ status: 'waiting', error: null });
    expect(twilioForm(twilio.requests[twilio.requests.length - 1]).To).toBe('+33612345678');
  });

  it('a send that falls back from SMS to WhatsApp counts once', async () => {
    const phone = '+14155550105';
    twilio.mode = 'fail';
    const a = await startPhone(server, 'lim', phone);
    expect(a.body.step.data.channel).toBe('whatsapp');
    const b = await startPhone(server, 'lim', phone);
    expect(b.body.step.data.channel).toBe('whatsapp');
    expect(twilio.requests).toHaveLength(2);
    expect(whatsapp.requests).toHaveLength(2);
    expect((await startPhone(server, 'lim', phone)).body.error?.code).toBe('rate_limited');
  });

  it('email addresses are limited the same way, whatever their case', async () => {
    // No provider at all: email goes to the dev outbox, where the sends can be counted.
    const dev = await startTestServer({ env: { OTP_SEND_LIMIT: '2/900' } });
    try {
      await dev.publish(emailJourney('lim-mail', { resendCooldownSeconds: 0 }));
      const started = await startEmail(dev, 'lim-mail', 'dave@example.com');
      expect(started.body.status).toBe('waiting');
      expect((await resend(dev, started.body)).body.status).toBe('waiting');
      const third = await startEmail(dev, 'lim-mail', 'DAVE@example.com');
      expect(third.status).toBe(200);
      expect(third.body).toMatchObject({ status: 'rejected', error: { code: 'rate_limited' } });
      expect((await outbox(dev, { to: 'dave@example.com' })).body).toHaveLength(2);
      expect((await startEmail(dev, 'lim-mail', 'erin@example.com')).body.status).toBe('waiting');
    } finally {
      await dev.close({ remove: true });
    }
  });
});
