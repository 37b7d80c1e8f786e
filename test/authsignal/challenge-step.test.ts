/**
 * The `challenge` step on the engine's own client API (/v1/journeys/…/start, /v1/sessions/…/submit):
 * the client picks a method; the TOTP and one-time-code rules apply unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { codeNow } from '../totp-http/totp-helpers.js';
import { outboxCode, PHONE } from '../otp/otp-helpers.js';

let server: TestServer;

const journey = (id: string, config: Record<string, unknown> = {}) => ({
  id,
  name: id,
  start: 'who',
  settings: { public: true },
  steps: {
    who: {
      type: 'user.identify',
      config: { userId: '{% $input.userId %}', create: true, attributes: { phoneNumber: '{% $input.phone %}', email: '{% $input.email %}' } },
      branches: { success: 'mfa' },
    },
    mfa: { type: 'challenge', config, errorOutputVariable: 'mfaError', branches: { success: 'done', failure: 'failed' } },
    done: { type: 'complete', config: { claims: { method: '{% challenge.verificationMethod %}' } } },
    failed: { type: 'reject', config: { code: '{% $exists(mfaError) ? mfaError.code : "failed" %}' } },
  },
});

beforeAll(async () => {
  server = await startTestServer();
  await server.publish(journey('challenge-all'));
  await server.publish(journey('challenge-email', { methods: ['EMAIL_OTP'], allowEnrollment: false }));
});

afterAll(async () => {
  await server.close({ remove: true });
});

describe('challenge step', () => {
  it('offers what the user can do: enrolment for a new user, phone methods when a phone is known', async () => {
    const started = await startSession(server, 'challenge-all', { input: { userId: 'c-new', phone: PHONE } });
    expect(started.body.status).toBe('waiting');
    expect(started.body.step).toMatchObject({ id: 'mfa', type: 'challenge' });
    expect(started.body.step.data).toMatchObject({ methods: ['AUTHENTICATOR_APP', 'SMS', 'WHATSAPP'], isEnrolled: false });
    expect(started.body.step.options.map((o: { id: string }) => o.id)).toEqual(['enroll-totp', 'send-sms', 'send-whatsapp']);
  });

  it('enrols an app and completes with its first code; the session records AUTHENTICATOR_APP', async () => {
    const started = await startSession(server, 'challenge-all', { input: { userId: 'c-totp' } });
    const enrolled = await submit(server, started.body, 'mfa', 'enroll-totp');
    expect(enrolled.body.step.data).toMatchObject({ secret: expect.any(String), uri: expect.stringMatching(/^otpauth:/), qrCode: expect.stringMatching(/^data:image\/png/) });
    const done = await submit(server, started.body, 'mfa', 'verify-totp', { code: await codeNow(enrolled.body.step.data.secret, server.clock) });
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ method: 'AUTHENTICATOR_APP' });
  });

  it('email: the code from the outbox; a second send is a resend (cooldown applies)', async () => {
    const started = await startSession(server, 'challenge-email', { input: { userId: 'c-email', email: 'Erin@Example.com' } });
    expect(started.body.step.options.map((o: { id: string }) => o.id)).toEqual(['send-email']);
    const sent = await submit(server, started.body, 'mfa', 'send-email');
    expect(sent.body.step.data.otp).toMatchObject({ channel: 'email', destination: 'e•••@example.com' });
    const again = await submit(server, started.body, 'mfa', 'send-email');
    expect(again.body.error).toMatchObject({ code: 'resend_unavailable' });
    const code = await outboxCode(server, started.body.sessionId);
    const done = await submit(server, started.body, 'mfa', 'verify-code', { code });
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ method: 'EMAIL_OTP' });
  });

  it('too many wrong codes fail the step too_many_attempts', async () => {
    const started = await startSession(server, 'challenge-all', { input: { userId: 'c-sms', phone: PHONE } });
    await submit(server, started.body, 'mfa', 'send-sms');
    const code = await outboxCode(server, started.body.sessionId);
    const wrong = code === '000000' ? '111111' : '000000';
    let last;
    for (let i = 0; i < 5; i++) last = await submit(server, started.body, 'mfa', 'verify-code', { code: wrong });
    expect(last!.body.status).toBe('rejected');
    expect(last!.body.error.code).toBe('too_many_attempts');
  });

  it('fails no_method when nothing allowed is available', async () => {
    const started = await startSession(server, 'challenge-email', { input: { userId: 'c-nothing' } });
    expect(started.body.status).toBe('rejected');
    expect(started.body.error.code).toBe('no_method');
  });
});
