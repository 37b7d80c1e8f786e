/**
 * Destinations checked at run time (invalid_phone_number, invalid_email) and configuration bounds
 * checked when a journey is published (invalid_config, 422).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import {
  emailJourney,
  outbox,
  smsJourney,
  startEmail,
  startFakeTwilio,
  startFakeWhatsApp,
  startPhone,
  twilioEnv,
  twilioForm,
  whatsappEnv,
  type FakeProvider,
} from './otp-helpers.js';

describe('destinations', () => {
  let server: TestServer;
  let twilio: FakeProvider;
  let whatsapp: FakeProvider;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    whatsapp = await startFakeWhatsApp();
    server = await startTestServer({ env: { ...twilioEnv(twilio), ...whatsappEnv(whatsapp), OTP_SEND_LIMIT: '100/900' } });
    await server.publish(smsJourney('phone', {}));
    await server.publish(smsJourney('phone-abort', {}, { failureBranch: false }));
    await server.publish(emailJourney('mail', {}));
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

  for (const phone of ['12345', '+1 415 555 0123', '+999999999999999', '14155550123', '+1-415-555-0123', '+15550000000', '+0123456789', 'not a number']) {
    it(`"${phone}" fails invalid_phone_number and nothing is sent`, async () => {
      const started = await startPhone(server, 'phone', phone);
      expect(started.status).toBe(200);
      expect(started.body).toMatchObject({ status: 'rejected', step: null, error: { code: 'invalid_phone_number' } });
      expect(twilio.requests).toHaveLength(0);
      expect(whatsapp.requests).toHaveLength(0);
    });
  }

  it('without a failure branch an invalid number ends the session failed', async () => {
    const started = await startPhone(server, 'phone-abort', '12345');
    expect(started.body).toMatchObject({ status: 'failed', error: { code: 'invalid_phone_number' } });
    expect(twilio.requests).toHaveLength(0);
  });

  for (const phone of ['+14155550123', '+33612345678', '+4915112345678', '+442079460958']) {
    it(`"${phone}" is a valid E.164 number and is sent as is`, async () => {
      const started = await startPhone(server, 'phone', phone);
      expect(started.body).toMatchObject({ status: 'waiting', error: null });
      expect(twilio.requests).toHaveLength(1);
      expect(twilioForm(twilio.requests[0]).To).toBe(phone);
    });
  }

  for (const email of ['not-an-email', 'alice@', '@example.com', 'alice@example', 'alice example@example.com', 'alice@exa mple.com', 'a@b@example.com']) {
    it(`"${email}" fails invalid_email and nothing is sent`, async () => {
      const started = await startEmail(server, 'mail', email);
      expect(started.status).toBe(200);
      expect(started.body).toMatchObject({ status: 'rejected', step: null, error: { code: 'invalid_email' } });
      expect((await outbox(server, { sessionId: started.body.sessionId })).body).toEqual([]);
    });
  }

  it('a valid address is accepted (and normalised to lower case)', async () => {
    // The dev outbox stands in for email only on an installation with no provider at all.
    const dev = await startTestServer();
    try {
      await dev.publish(emailJourney('mail', {}));
      const started = await startEmail(dev, 'mail', 'Frank.Smith+otp@Example.COM');
      expect(started.body).toMatchObject({ status: 'waiting', error: null });
      const box = await outbox(dev, { sessionId: started.body.sessionId });
      expect(box.body).toHaveLength(1);
      expect(box.body[0]).toMatchObject({ channel: 'email', to: 'frank.smith+otp@example.com' });
    } finally {
      await dev.close({ remove: true });
    }
  });

  it('with providers configured, a channel without one fails instead of filing the code in the outbox', async () => {
    const started = await startEmail(server, 'mail', 'frank@example.com');
    expect(started.body).toMatchObject({ status: 'rejected', error: { code: 'delivery_failed' } });
    expect((await outbox(server, { sessionId: started.body.sessionId })).body).toEqual([]);
  });
});

describe('configuration bounds at publish', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  async function publishRefused(id: string, journey: Record<string, unknown>) {
    const saved = await server.admin('PUT', `/v1/admin/journeys/${id}`, journey);
    expect(saved.status).toBe(200);
    expect(saved.body.valid).toBe(false);
    const published = await server.admin('POST', `/v1/admin/journeys/${id}/publish`);
    expect(published.status).toBe(422);
    expect(published.body.error.code).toBe('validation_failed');
    const diagnostics = published.body.error.details.diagnostics as Array<{ code: string; path: string; severity: string; stepId?: string }>;
    const configErrors = diagnostics.filter((d) => d.code === 'invalid_config' && d.severity === 'error');
    expect(configErrors.length).toBeGreaterThan(0);
    for (const d of configErrors) expect(d.path.startsWith('/steps/otp/config')).toBe(true);
    // Nothing was published.
    expect((await server.admin('GET', `/v1/admin/journeys/${id}`)).body.versions).toEqual([]);
    return configErrors;
  }

  const refusedSms: Array<[string, Record<string, unknown>, string]> = [
    ['codeLength 5', { codeLength: 5 }, '/steps/otp/config/codeLength'],
    ['codeLength 11', { codeLength: 11 }, '/steps/otp/config/codeLength'],
    ['expirySeconds 30', { expirySeconds: 30 }, '/steps/otp/config/expirySeconds'],
    ['expirySeconds 601', { expirySeconds: 601 }, '/steps/otp/config/expirySeconds'],
    ['channels ["fax"]', { channels: ['fax'] }, '/steps/otp/config/channels/0'],
    ['channels []', { channels: [] }, '/steps/otp/config/channels'],
    ['channels ["email"] on sms.otp', { channels: ['email'] }, '/steps/otp/config/channels/0'],
    ['a message without {{code}}', { message: 'Your code is ready' }, '/steps/otp/config/message'],
    ['maxAttempts 0', { maxAttempts: 0 }, '/steps/otp/config/maxAttempts'],
    ['maxAttempts 11', { maxAttempts: 11 }, '/steps/otp/config/maxAttempts'],
    ['maxResends 11', { maxResends: 11 }, '/steps/otp/config/maxResends'],
    ['resendCooldownSeconds 301', { resendCooldownSeconds: 301 }, '/steps/otp/config/resendCooldownSeconds'],
    ['an unknown key', { codeAlphabet: 'hex' }, '/steps/otp/config/codeAlphabet'],
  ];
  refusedSms.forEach(([label, config, path], index) => {
    it(`sms.otp with ${label} is refused at publish`, async () => {
      const errors = await publishRefused(`bad-sms-${index}`, smsJourney(`bad-sms-${index}`, config));
      expect(errors.map((d) => d.path)).toContain(path);
    });
  });

  it('sms.otp without phoneNumber is refused at publish', async () => {
    const journey = smsJourney('bad-sms-nophone', {});
    delete (journey.steps.otp.config as Record<string, unknown>).phoneNumber;
    await publishRefused('bad-sms-nophone', journey);
  });

  it('email.otp with channels ["sms"], codeLength 5 or a message without {{code}} is refused at publish', async () => {
    await publishRefused('bad-mail-0', emailJourney('bad-mail-0', { channels: ['sms'] }));
    await publishRefused('bad-mail-1', emailJourney('bad-mail-1', { codeLength: 5 }));
    await publishRefused('bad-mail-2', emailJourney('bad-mail-2', { message: 'Code: {{ code }}' }));
  });

  it('the bounds themselves are accepted', async () => {
    const low = { codeLength: 6, expirySeconds: 60, maxAttempts: 1, maxResends: 0, resendCooldownSeconds: 0, channels: ['whatsapp'], message: '{{code}}' };
    const high = { codeLength: 10, expirySeconds: 600, maxAttempts: 10, maxResends: 10, resendCooldownSeconds: 300, channels: ['whatsapp', 'sms'], message: 'Use {{code}} within {{minutes}} minutes' };
    expect(await server.publish(smsJourney('ok-low', low))).toBe(1);
    expect(await server.publish(smsJourney('ok-high', high))).toBe(1);
    expect(await server.publish(emailJourney('ok-mail', { codeLength: 8, expirySeconds: 600 }))).toBe(1);
  });

  it('POST /v1/admin/validate reports the same diagnostics', async () => {
    const result = await server.request('POST', '/v1/admin/validate', {
      body: smsJourney('v', { codeLength: 5, expirySeconds: 30, channels: ['fax'], message: 'no placeholder' }),
      token: ADMIN_KEY,
    });
    expect(result.status).toBe(200);
    expect(result.body.valid).toBe(false);
    const paths = result.body.diagnostics.filter((d: { code: string }) => d.code === 'invalid_config').map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/steps/otp/config/codeLength', '/steps/otp/config/expirySeconds', '/steps/otp/config/channels/0', '/steps/otp/config/message']),
    );
  });
});
