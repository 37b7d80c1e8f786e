/**
 * @authsignal/node, exactly as published, against a real server: track (every action state),
 * validateChallenge (once), getUser, getAuthenticators, deleteAuthenticator, and the SDK's error
 * shape for a wrong secret key. The client side is played over HTTP as @authsignal/browser
 * calls it (the browser suite runs the real browser SDK).
 */
import { Authsignal, AuthsignalError } from '@authsignal/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, ADMIN_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { codeNow, wrongCode } from '../totp-http/totp-helpers.js';
import { outboxCode, PHONE } from '../otp/otp-helpers.js';
import { clientCall, handleTrack, loadAdaptiveMfa } from './authsignal-helpers.js';

let server: TestServer;
let authsignal: Authsignal;

beforeAll(async () => {
  server = await startTestServer();
  await server.publish(loadAdaptiveMfa());
  authsignal = new Authsignal({ apiSecretKey: APP_KEY, apiUrl: `${server.url}/authsignal/v1`, retries: 0 });
});

afterAll(async () => {
  await server.close({ remove: true });
});

describe('track: actions start journeys, journey outcomes are action states', () => {
  it('ALLOW: nothing risky; the token validates once with state ALLOW', async () => {
    const response = await authsignal.track({ userId: 'user-allow', action: 'signIn' });
    expect(response.state).toBe('ALLOW');
    expect(handleTrack(response)).toEqual({ success: true });
    expect(response.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    const first = await authsignal.validateChallenge({ token: response.token });
    expect(first).toMatchObject({ isValid: true, state: 'ALLOW', userId: 'user-allow', action: 'signIn' });
    expect((await authsignal.validateChallenge({ token: response.token })).isValid).toBe(false);
  });

  it('BLOCK: a known bad IP; the token never validates', async () => {
    const response = await authsignal.track({ userId: 'user-block', action: 'signIn', attributes: { ipAddress: '203.0.113.66' } });
    expect(response.state).toBe('BLOCK');
    expect(handleTrack(response)).toEqual({ error: 'Action blocked for security reasons' });
    expect(await authsignal.validateChallenge({ token: response.token })).toMatchObject({ isValid: false });
  });

  it('REVIEW_REQUIRED: an amount over the review threshold', async () => {
    const response = await authsignal.track({ userId: 'user-review', action: 'signIn', attributes: { custom: { amount: 50_000 } } });
    expect(response.state).toBe('REVIEW_REQUIRED');
    expect(handleTrack(response).error).toMatch(/review/i);
    expect((await authsignal.validateChallenge({ token: response.token })).isValid).toBe(false);
  });

  it('an action no journey lists runs the journey with its id, else the default journey', async () => {
    const response = await authsignal.track({ userId: 'user-other', action: 'createPayment', attributes: { custom: { amount: 5000 } } });
    expect(response.state).toBe('CHALLENGE_REQUIRED');
  });

  it('a wrong secret key is a 401 AuthsignalError in the SDK shape', async () => {
    const wrong = new Authsignal({ apiSecretKey: 'not-a-key', apiUrl: `${server.url}/authsignal/v1`, retries: 0 });
    const error = await wrong.track({ userId: 'someone', action: 'signIn' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthsignalError);
    expect(error).toMatchObject({ statusCode: 401, errorCode: 'unauthorized' });
    expect((error as AuthsignalError).errorDescription).toBeTruthy();
    // The admin key is a secret key too.
    const admin = new Authsignal({ apiSecretKey: ADMIN_KEY, apiUrl: `${server.url}/authsignal/v1`, retries: 0 });
    expect((await admin.getUser({ userId: 'nobody-yet' })).isEnrolled).toBe(false);
  });
});

describe('other calls', () => {
  it('unknown calls answer 404 in the SDK shape; client routes answer CORS preflights', async () => {
    const unknown = await fetch(`${server.url}/authsignal/v1/no-such-call`, { headers: { authorization: `Basic ${Buffer.from(`${APP_KEY}:`).toString('base64')}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found', errorCode: 'not_found' });
    const preflight = await fetch(`${server.url}/authsignal/v1/client/verify/totp`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
  });
});

describe('TOTP: enrolment, challenge, validateChallenge once, authenticators', () => {
  const userId = 'dc58c6dc-a1fd-4a4f-8e2f-846636dd4833';
  let secret = '';
  let authenticatorId = '';

  it('enroll: CHALLENGE_REQUIRED, the client enrols and verifies, the backend validates once', async () => {
    const track = await authsignal.track({ userId, action: 'enroll' });
    expect(track.state).toBe('CHALLENGE_REQUIRED');
    expect(track.isEnrolled).toBe(false);
    expect(track.allowedVerificationMethods).toContain('AUTHENTICATOR_APP');
    expect(track.url).toMatch(new RegExp(`^${server.url}/run/adaptive-mfa\\?session=`));
    const { token } = handleTrack(track);

    const enrolled = await clientCall(server, '/user-authenticators/totp', token!);
    expect(enrolled.status).toBe(200);
    expect(enrolled.body).toMatchObject({ userId, uri: expect.stringMatching(/^otpauth:\/\/totp\//) });
    secret = enrolled.body.secret;
    authenticatorId = enrolled.body.userAuthenticatorId;

    const wrong = await clientCall(server, '/verify/totp', token!, { verificationCode: await wrongCode(secret, server.clock) });
    expect(wrong.body).toMatchObject({ isVerified: false, failureReason: 'invalid_code' });

    const verified = await clientCall(server, '/verify/totp', token!, { verificationCode: await codeNow(secret, server.clock) });
    expect(verified.body).toMatchObject({ isVerified: true, verificationMethod: 'AUTHENTICATOR_APP' });
    const accessToken = verified.body.accessToken as string;

    const validation = await authsignal.validateChallenge({ action: 'enroll', token: accessToken });
    expect(validation).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId, action: 'enroll', verificationMethod: 'AUTHENTICATOR_APP' });
    // Once: neither the new token nor the track's token validates again.
    expect((await authsignal.validateChallenge({ token: accessToken })).isValid).toBe(false);
    expect((await authsignal.validateChallenge({ token: track.token })).isValid).toBe(false);
    expect((await authsignal.validateChallenge({ token: 'eyJhbGciOiJIUzI1NiJ9.e30.forged' })).isValid).toBe(false);
  });

  it('getUser and getAuthenticators show the enrolled app', async () => {
    const user = await authsignal.getUser({ userId });
    expect(user).toMatchObject({ isEnrolled: true, enrolledVerificationMethods: ['AUTHENTICATOR_APP'] });
    const authenticators = await authsignal.getAuthenticators({ userId });
    expect(authenticators).toHaveLength(1);
    expect(authenticators[0]).toMatchObject({ userId, userAuthenticatorId: authenticatorId, verificationMethod: 'AUTHENTICATOR_APP' });
  });

  it('signIn from a new device: the enrolled user verifies a code; validateChallenge with the track token', async () => {
    server.clock.advance(60);
    const track = await authsignal.track({ userId, action: 'signIn', attributes: { custom: { newDevice: true } } });
    expect(track).toMatchObject({ state: 'CHALLENGE_REQUIRED', isEnrolled: true, enrolledVerificationMethods: ['AUTHENTICATOR_APP'] });
    // Enrolment is no longer offered to an enrolled user.
    const enrolAgain = await clientCall(server, '/user-authenticators/totp', track.token);
    expect(enrolAgain.status).toBe(400);
    expect(enrolAgain.body).toMatchObject({ error: expect.any(String), errorCode: 'enrollment_not_allowed', errorDescription: expect.any(String) });

    const verified = await clientCall(server, '/verify/totp', track.token, { verificationCode: await codeNow(secret, server.clock) });
    expect(verified.body.isVerified).toBe(true);
    const validation = await authsignal.validateChallenge({ token: track.token });
    expect(validation).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', action: 'signIn', verificationMethod: 'AUTHENTICATOR_APP' });
    expect((await authsignal.validateChallenge({ token: verified.body.accessToken })).isValid).toBe(false);
  });

  it('a replayed code is refused (the TOTP rules apply unchanged)', async () => {
    const track = await authsignal.track({ userId, action: 'signIn', attributes: { custom: { newDevice: true } } });
    const replay = await clientCall(server, '/verify/totp', track.token, { verificationCode: await codeNow(secret, server.clock) });
    expect(replay.body).toMatchObject({ isVerified: false, failureReason: 'invalid_code' });
  });

  it('wrong codes lock the user out across sessions (the TOTP lockout applies unchanged)', async () => {
    server.clock.advance(60);
    const track = await authsignal.track({ userId, action: 'signIn', attributes: { custom: { newDevice: true } } });
    const wrong = await wrongCode(secret, server.clock);
    // The replayed code above did not count as a failure (a replay cannot lock anyone out): 5 wrong codes, then locked.
    let refusedCount = 0;
    let last;
    do {
      last = await clientCall(server, '/verify/totp', track.token, { verificationCode: wrong });
      if (last.body.failureReason === 'invalid_code') refusedCount++;
    } while (last.body.failureReason === 'invalid_code' && refusedCount < 10);
    expect(refusedCount).toBe(5);
    expect(last.body).toMatchObject({ isVerified: false, failureReason: 'locked' });
    // The session ended (BLOCK): further calls are refused in the SDK's shape.
    const ended = await clientCall(server, '/verify/totp', track.token, { verificationCode: await codeNow(secret, server.clock) });
    expect(ended.status).toBe(409);
    expect(ended.body).toMatchObject({ errorCode: 'session_ended' });
    expect((await authsignal.validateChallenge({ token: track.token })).isValid).toBe(false);
    // A new action for the same user is still locked, even with the right code.
    const next = await authsignal.track({ userId, action: 'signIn', attributes: { custom: { newDevice: true } } });
    const stillLocked = await clientCall(server, '/verify/totp', next.token, { verificationCode: await codeNow(secret, server.clock) });
    expect(stillLocked.body).toMatchObject({ isVerified: false, failureReason: 'locked' });
  });

  it('deleteAuthenticator removes the app; deleting it again is a 404 AuthsignalError', async () => {
    await authsignal.deleteAuthenticator({ userId, userAuthenticatorId: authenticatorId });
    expect(await authsignal.getAuthenticators({ userId })).toEqual([]);
    expect((await authsignal.getUser({ userId })).isEnrolled).toBe(false);
    const error = await authsignal.deleteAuthenticator({ userId, userAuthenticatorId: authenticatorId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthsignalError);
    expect(error).toMatchObject({ statusCode: 404, errorCode: 'not_found' });
  });
});

describe('SMS one-time code (phone number from the track attributes)', () => {
  it('challenge, a wrong code, the right code; validateChallenge says SMS; the phone is then enrolled', async () => {
    const userId = 'user-sms';
    const track = await authsignal.track({ userId, action: 'signIn', attributes: { phoneNumber: PHONE, custom: { amount: 2000 } } });
    expect(track.state).toBe('CHALLENGE_REQUIRED');
    expect(track.allowedVerificationMethods).toEqual(expect.arrayContaining(['SMS', 'WHATSAPP']));

    const notYet = await clientCall(server, '/verify/sms', track.token, { verificationCode: '123456' });
    expect(notYet.status).toBe(400);
    expect(notYet.body.errorCode).toBe('challenge_not_started');

    const challenge = await clientCall(server, '/challenge/sms', track.token);
    expect(challenge.status).toBe(200);
    expect(challenge.body.challengeId).toBe(track.idempotencyKey);
    const code = await outboxCode(server, track.idempotencyKey);

    const wrong = await clientCall(server, '/verify/sms', track.token, { verificationCode: code === '000000' ? '111111' : '000000' });
    expect(wrong.body).toMatchObject({ isVerified: false, failureReason: 'invalid_code' });
    const verified = await clientCall(server, '/verify/sms', track.token, { verificationCode: code });
    expect(verified.body).toMatchObject({ isVerified: true, verificationMethod: 'SMS' });

    const validation = await authsignal.validateChallenge({ token: verified.body.accessToken });
    expect(validation).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId, verificationMethod: 'SMS' });
    const user = await authsignal.getUser({ userId });
    expect(user).toMatchObject({ isEnrolled: true, phoneNumber: PHONE, phoneNumberVerified: true, enrolledVerificationMethods: ['SMS'] });
    const [authenticator] = await authsignal.getAuthenticators({ userId });
    expect(authenticator).toMatchObject({ verificationMethod: 'SMS', phoneNumber: PHONE });
  });

  it('client calls need the token from track', async () => {
    const response = await server.request('POST', '/authsignal/v1/client/challenge/sms');
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: expect.any(String), errorCode: expect.any(String) });
  });
});
