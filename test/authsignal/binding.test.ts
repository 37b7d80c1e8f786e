/**
 * Binding (#22): a user who already has an authenticator adds another only after proving one they
 * have, and the journey is the gate: a challenge step, then an enrolment step. Driven as the
 * published SDKs call it: @authsignal/node for the backend, the browser SDK's HTTP calls for the
 * client (browser-sdk.test.ts runs the browser SDK itself in Chromium).
 */
import { readFileSync } from 'node:fs';
import { Authsignal } from '@authsignal/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { outboxCode, PHONE } from '../otp/otp-helpers.js';
import { codeNow } from '../totp-http/totp-helpers.js';
import { clientCall } from './authsignal-helpers.js';

/** The journey docs/authsignal.md shows ("Adding an authenticator after a challenge"), as written there. */
function documentedJourney(): Record<string, unknown> {
  const doc = readFileSync(new URL('../../docs/authsignal.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Adding an authenticator after a challenge'));
  const block = /```json\n([\s\S]*?)\n```/.exec(section);
  if (!block) throw new Error('docs/authsignal.md has no journey under "Adding an authenticator after a challenge"');
  return JSON.parse(block[1]) as Record<string, unknown>;
}

let server: TestServer;
let authsignal: Authsignal;

beforeAll(async () => {
  server = await startTestServer();
  await server.publish(documentedJourney());
  authsignal = new Authsignal({ apiSecretKey: APP_KEY, apiUrl: `${server.url}/authsignal/v1`, retries: 0 });
});

afterAll(async () => {
  await server.close({ remove: true });
});

describe('binding a second authenticator after a successful challenge', () => {
  it('no enrolment before the challenge; after it, totp.enroll and totp.verify add the app', async () => {
    const userId = 'binder';
    await authsignal.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'SMS' as never, phoneNumber: PHONE } });
    const track = await authsignal.track({ userId, action: 'addAuthenticator' });
    expect(track).toMatchObject({ state: 'CHALLENGE_REQUIRED', isEnrolled: true, enrolledVerificationMethods: ['SMS'] });
    expect(track.allowedVerificationMethods).not.toContain('AUTHENTICATOR_APP');

    // The gate: the app cannot be enrolled before the user proved the phone they have.
    const early = await clientCall(server, '/user-authenticators/totp', track.token);
    expect(early.status).toBe(400);
    expect(early.body.errorCode).toBe('enrollment_not_allowed');

    await clientCall(server, '/challenge/sms', track.token);
    const verified = await clientCall(server, '/verify/sms', track.token, { verificationCode: await outboxCode(server, track.idempotencyKey) });
    expect(verified.body).toMatchObject({ isVerified: true, verificationMethod: 'SMS' });
    const token = verified.body.accessToken as string;

    const enrolment = await clientCall(server, '/user-authenticators/totp', token);
    expect(enrolment.status).toBe(200);
    expect(enrolment.body).toMatchObject({ userId, uri: expect.stringMatching(/^otpauth:\/\/totp\//), secret: expect.stringMatching(/^[A-Z2-7]{32}$/) });
    const done = await clientCall(server, '/verify/totp', token, { verificationCode: await codeNow(enrolment.body.secret, server.clock) });
    expect(done.body).toMatchObject({ isVerified: true, verificationMethod: 'AUTHENTICATOR_APP' });

    expect(await authsignal.validateChallenge({ token: done.body.accessToken, action: 'addAuthenticator' })).toMatchObject({ isValid: true, userId });
    expect((await authsignal.getAuthenticators({ userId })).map((a) => a.verificationMethod).sort()).toEqual(['AUTHENTICATOR_APP', 'SMS']);
  });

  it('a failed challenge ends the journey: nothing can be bound', async () => {
    const userId = 'not-binder';
    await authsignal.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'SMS' as never, phoneNumber: '+14155550188' } });
    const track = await authsignal.track({ userId, action: 'addAuthenticator' });
    await clientCall(server, '/challenge/sms', track.token);
    const code = await outboxCode(server, track.idempotencyKey);
    let last;
    for (let i = 0; i < 6; i++) last = await clientCall(server, '/verify/sms', track.token, { verificationCode: code === '000000' ? '111111' : '000000' });
    expect(last!.status).toBe(409);
    const late = await clientCall(server, '/user-authenticators/totp', track.token);
    expect(late.status).toBe(409);
    expect((await authsignal.getAction({ userId, action: 'addAuthenticator', idempotencyKey: track.idempotencyKey })).state).toBe('CHALLENGE_FAILED');
    expect((await authsignal.getAuthenticators({ userId })).map((a) => a.verificationMethod)).toEqual(['SMS']);
  });
});
