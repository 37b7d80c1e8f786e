/**
 * The rest of @authsignal/node 2.x, exactly as published, against a real server over HTTP (#22):
 * actions as records (getAction, queryUserActions, updateAction resolving a review that
 * validateChallenge then reflects), users (queryUsers, updateUser, deleteUser,
 * enrollVerifiedAuthenticator), server-side challenges (challenge, verify, claimChallenge,
 * getChallenge) and app sessions (createSession, validateSession, refreshSession, revokeSession,
 * revokeUserSessions). node-sdk.test.ts covers track, validateChallenge, getUser,
 * getAuthenticators and deleteAuthenticator; webhooks.test.ts the SDK's Webhook.
 */
import { readFileSync } from 'node:fs';
import { Authsignal, AuthsignalError } from '@authsignal/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { outboxCode, PHONE } from '../otp/otp-helpers.js';
import { loadAdaptiveMfa } from './authsignal-helpers.js';

let server: TestServer;
let authsignal: Authsignal;

/** A phone check with no user (the app claims it afterwards): the action `verifyPhone`. */
const verifyPhone = {
  id: 'verify-phone',
  name: 'Verify a phone for the app',
  start: 'otp',
  settings: { public: false, actions: ['verifyPhone'] },
  steps: {
    otp: { type: 'sms.otp', config: { phoneNumber: '{% $input.attributes.phoneNumber %}', channels: ['sms'] }, errorOutputVariable: 'otpError', branches: { success: 'done', failure: 'failed' } },
    done: { type: 'complete', config: {} },
    failed: { type: 'reject', config: { code: '{% otpError.code %}', message: '{% otpError.message %}' } },
  },
};

const errorOf = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as AuthsignalError);

beforeAll(async () => {
  server = await startTestServer();
  await server.publish(loadAdaptiveMfa());
  // The shipped sample, as published on first start (journeys/otp-challenge.json).
  await server.publish(JSON.parse(readFileSync(new URL('../../journeys/otp-challenge.json', import.meta.url), 'utf8')));
  await server.publish(verifyPhone);
  authsignal = new Authsignal({ apiSecretKey: APP_KEY, apiUrl: `${server.url}/authsignal/v1`, retries: 0 });
});

afterAll(async () => {
  await server.close({ remove: true });
});

/** A server-side SMS challenge for the user, verified with the code from the outbox: its claimed token. */
let phones = 0;
/** Another valid phone number each time: the send limit per destination stays out of the way. */
const nextPhone = () => `+1415555${String(200 + phones++).padStart(4, '0')}`;

async function verifiedChallenge(userId: string): Promise<string> {
  const { challengeId, idempotencyKey } = await authsignal.challenge({ verificationMethod: 'SMS', userId, phoneNumber: nextPhone(), action: 'challenge' });
  expect((await authsignal.verify({ challengeId, verificationCode: await outboxCode(server, idempotencyKey) })).isVerified).toBe(true);
  return (await authsignal.claimChallenge({ challengeId, userId })).token;
}

describe('actions: getAction, queryUserActions, updateAction', () => {
  it('a REVIEW_REQUIRED action resolved with ALLOW by updateAction: validateChallenge then passes, once', async () => {
    const userId = 'review-allow';
    const track = await authsignal.track({ userId, action: 'signIn', attributes: { custom: { amount: 50_000 } } });
    expect(track.state).toBe('REVIEW_REQUIRED');
    const key = { userId, action: 'signIn', idempotencyKey: track.idempotencyKey };
    expect(await authsignal.getAction(key)).toMatchObject({ state: 'REVIEW_REQUIRED', createdAt: expect.any(String), stateUpdatedAt: expect.any(String) });
    expect(await authsignal.validateChallenge({ token: track.token })).toMatchObject({ isValid: false, state: 'REVIEW_REQUIRED' });

    expect(await authsignal.updateAction({ ...key, attributes: { state: 'ALLOW' as never } })).toEqual({ state: 'ALLOW' });
    expect((await authsignal.getAction(key)).state).toBe('ALLOW');
    expect(await authsignal.validateChallenge({ token: track.token, action: 'signIn', userId })).toMatchObject({ isValid: true, state: 'ALLOW', userId, action: 'signIn' });
    expect((await authsignal.validateChallenge({ token: track.token })).isValid).toBe(false);

    // Resolved is final: a second decision is refused in the SDK's shape.
    const again = await errorOf(authsignal.updateAction({ ...key, attributes: { state: 'BLOCK' as never } }));
    expect(again).toBeInstanceOf(AuthsignalError);
    expect(again).toMatchObject({ statusCode: 409, errorCode: 'invalid_state' });

    // The decision is audited once, with who made it (the key's name, never the key).
    const audit = (await server.admin('GET', '/v1/admin/audit?action=action.reviewed')).body;
    const entries = (audit.entries ?? audit) as Array<{ actor: string; details: Record<string, unknown> }>;
    expect(entries.filter((e) => e.details.actionId === track.idempotencyKey)).toEqual([
      expect.objectContaining({ actor: 'authsignal:app-1', details: { actionId: track.idempotencyKey, action: 'signIn', from: 'REVIEW_REQUIRED', to: 'ALLOW' } }),
    ]);
  });

  it('a review resolved with BLOCK never validates; only REVIEW_REQUIRED actions can be resolved; a key names an action only with its user and code', async () => {
    const userId = 'review-block';
    const review = await authsignal.track({ userId, action: 'signIn', attributes: { custom: { amount: 20_000 } } });
    const key = { userId, action: 'signIn', idempotencyKey: review.idempotencyKey };
    await authsignal.updateAction({ ...key, attributes: { state: 'BLOCK' as never } });
    expect(await authsignal.validateChallenge({ token: review.token })).toMatchObject({ isValid: false, state: 'BLOCK' });

    const allowed = await authsignal.track({ userId, action: 'signIn' });
    const notUnderReview = await errorOf(authsignal.updateAction({ userId, action: 'signIn', idempotencyKey: allowed.idempotencyKey, attributes: { state: 'ALLOW' as never } }));
    expect(notUnderReview).toMatchObject({ statusCode: 409, errorCode: 'invalid_state' });
    const badState = await errorOf(authsignal.updateAction({ ...key, attributes: { state: 'CHALLENGE_SUCCEEDED' as never } }));
    expect(badState).toMatchObject({ statusCode: 400, errorCode: 'invalid_request' });

    expect(await errorOf(authsignal.getAction({ ...key, userId: 'someone-else' }))).toMatchObject({ statusCode: 404, errorCode: 'not_found' });
    expect(await errorOf(authsignal.getAction({ ...key, action: 'enroll' }))).toMatchObject({ statusCode: 404 });
  });

  it('queryUserActions lists the user\'s actions newest first with their current state, filtered by code, state and date', async () => {
    const userId = 'lister';
    const first = await authsignal.track({ userId, action: 'signIn' });
    server.clock.advance(5);
    const challenged = await authsignal.track({ userId, action: 'enroll' });
    expect(challenged.state).toBe('CHALLENGE_REQUIRED');
    const all = await authsignal.queryUserActions({ userId });
    expect(all.map((a) => [a.actionCode, a.idempotencyKey, a.state])).toEqual([
      ['enroll', challenged.idempotencyKey, 'CHALLENGE_REQUIRED'],
      ['signIn', first.idempotencyKey, 'ALLOW'],
    ]);
    expect((await authsignal.queryUserActions({ userId, actionCodes: ['signIn'] })).map((a) => a.idempotencyKey)).toEqual([first.idempotencyKey]);
    expect((await authsignal.queryUserActions({ userId, state: 'CHALLENGE_REQUIRED' as never })).map((a) => a.idempotencyKey)).toEqual([challenged.idempotencyKey]);
    expect((await authsignal.queryUserActions({ userId, fromDate: new Date(server.clock.now().getTime() - 1000).toISOString() })).map((a) => a.actionCode)).toEqual(['enroll']);
    expect(await authsignal.queryUserActions({ userId: 'nobody-tracked' })).toEqual([]);
  });
});

describe('users: queryUsers, updateUser, deleteUser, enrollVerifiedAuthenticator', () => {
  it('updateUser merges attributes (the username stays unique); getUser and queryUsers show them', async () => {
    const updated = await authsignal.updateUser({ userId: 'ada', attributes: { email: 'ada@example.test', username: 'ada', displayName: 'Ada', custom: { plan: 'pro' } } });
    expect(updated).toEqual({ email: 'ada@example.test', username: 'ada', displayName: 'Ada', custom: { plan: 'pro' } });
    expect(await authsignal.updateUser({ userId: 'ada', attributes: { phoneNumber: PHONE } })).toMatchObject({ email: 'ada@example.test', phoneNumber: PHONE });
    expect(await authsignal.getUser({ userId: 'ada' })).toMatchObject({ email: 'ada@example.test', phoneNumber: PHONE, username: 'ada', displayName: 'Ada', emailVerified: false });

    await authsignal.updateUser({ userId: 'bob', attributes: { email: 'bob@example.test' } });
    const taken = await errorOf(authsignal.updateUser({ userId: 'bob', attributes: { username: 'ADA' } }));
    expect(taken).toMatchObject({ statusCode: 409, errorCode: 'username_taken' });
    const badPhone = await errorOf(authsignal.updateUser({ userId: 'bob', attributes: { phoneNumber: '12345' } }));
    expect(badPhone).toMatchObject({ statusCode: 400, errorCode: 'invalid_request' });
    expect((await authsignal.getUser({ userId: 'bob' })).phoneNumber).toBeUndefined();

    expect((await authsignal.queryUsers({ username: 'Ada' })).users.map((u) => u.userId)).toEqual(['ada']);
    expect((await authsignal.queryUsers({ email: 'bob@example.test' })).users).toEqual([{ userId: 'bob', email: 'bob@example.test', emailVerified: false, phoneNumberVerified: false }]);
    expect((await authsignal.queryUsers({ phoneNumber: PHONE })).users.map((u) => u.userId)).toEqual(['ada']);
    const page = await authsignal.queryUsers({ limit: 1 });
    expect(page.users).toHaveLength(1);
    const next = await authsignal.queryUsers({ limit: 1, lastEvaluatedUserId: page.lastEvaluatedUserId });
    expect(next.users[0].userId > page.users[0].userId).toBe(true);
  });

  it('enrollVerifiedAuthenticator adds a phone or email the app verified; other methods are refused', async () => {
    const userId = 'vouched';
    const { authenticator } = await authsignal.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'SMS' as never, phoneNumber: PHONE } });
    expect(authenticator).toMatchObject({ userId, verificationMethod: 'SMS', phoneNumber: PHONE, verifiedAt: expect.any(String) });
    await authsignal.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'EMAIL_OTP' as never, email: 'v@example.test' } });
    expect((await authsignal.getAuthenticators({ userId })).map((a) => a.verificationMethod).sort()).toEqual(['EMAIL_OTP', 'SMS']);
    expect(await authsignal.getUser({ userId })).toMatchObject({ isEnrolled: true, phoneNumberVerified: true, emailVerified: true });
    // Again: the same authenticator, not a second one.
    const again = await authsignal.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'SMS' as never, phoneNumber: PHONE } });
    expect(again.authenticator.userAuthenticatorId).toBe(authenticator.userAuthenticatorId);
    const app = await errorOf(authsignal.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'AUTHENTICATOR_APP' as never } }));
    expect(app).toMatchObject({ statusCode: 400, errorCode: 'invalid_request' });
    expect(await authsignal.getAuthenticators({ userId })).toHaveLength(2);
    // Audited once per authenticator added, without the phone number or address.
    const audit = (await server.admin('GET', '/v1/admin/audit?action=authenticator.enrolled')).body;
    const entries = ((audit.entries ?? audit) as Array<{ targetId: string; actor: string }>).filter((e) => e.targetId === userId);
    expect(entries).toHaveLength(2);
    expect(entries.every((e) => e.actor === 'authsignal:app-1')).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(PHONE);
  });

  it('deleteUser erases the user, their authenticators, actions and sessions', async () => {
    const userId = 'leaving';
    const token = await verifiedChallenge(userId);
    const { accessToken } = await authsignal.createSession({ clientId: 'web', token });
    const track = await authsignal.track({ userId, action: 'signIn' });
    await authsignal.deleteUser({ userId });
    expect(await authsignal.getUser({ userId })).toMatchObject({ isEnrolled: false, enrolledVerificationMethods: [] });
    expect(await authsignal.getAuthenticators({ userId })).toEqual([]);
    expect(await errorOf(authsignal.getAction({ userId, action: 'signIn', idempotencyKey: track.idempotencyKey }))).toMatchObject({ statusCode: 404 });
    expect(await errorOf(authsignal.validateSession({ accessToken }))).toMatchObject({ statusCode: 401, errorCode: 'invalid_token' });
    expect(await errorOf(authsignal.deleteUser({ userId }))).toMatchObject({ statusCode: 404, errorCode: 'not_found' });
    const audit = (await server.admin('GET', `/v1/admin/audit?action=user.deleted&targetId=${userId}`)).body;
    expect((audit.entries ?? audit) as unknown[]).toEqual([expect.objectContaining({ actor: 'authsignal:app-1', targetId: userId })]);
  });
});

describe('server-side challenges: challenge, verify, claimChallenge, getChallenge', () => {
  it('an SMS code for the app\'s user: a wrong code, the right one, claimed, then validated once', async () => {
    const userId = 'otp-user';
    const challenge = await authsignal.challenge({ verificationMethod: 'SMS', userId, phoneNumber: PHONE, action: 'challenge' });
    expect(challenge).toMatchObject({ challengeId: expect.any(String), idempotencyKey: expect.any(String), expiresAt: expect.any(Number) });
    expect(await authsignal.getChallenge({ challengeId: challenge.challengeId })).toMatchObject({ challengeId: challenge.challengeId, phoneNumber: PHONE, action: 'challenge' });
    expect(await authsignal.getChallenge({ userId, action: 'challenge' })).toMatchObject({ phoneNumber: PHONE, action: 'challenge' });
    // Claimed before it is verified: refused.
    expect(await errorOf(authsignal.claimChallenge({ challengeId: challenge.challengeId, userId }))).toMatchObject({ statusCode: 400, errorCode: 'challenge_not_verified' });

    const code = await outboxCode(server, challenge.idempotencyKey);
    const wrong = await authsignal.verify({ challengeId: challenge.challengeId, verificationCode: code === '000000' ? '111111' : '000000' });
    expect(wrong).toEqual({ isVerified: false, failureReason: 'CODE_INVALID_OR_EXPIRED' });
    expect(await authsignal.verify({ challengeId: challenge.challengeId, verificationCode: code })).toEqual({ isVerified: true, verificationMethod: 'SMS', phoneNumber: PHONE });
    // Used up: the same code again does not verify.
    expect((await authsignal.verify({ challengeId: challenge.challengeId, verificationCode: code })).isVerified).toBe(false);

    expect(await errorOf(authsignal.claimChallenge({ challengeId: challenge.challengeId, userId: 'someone-else' }))).toMatchObject({ statusCode: 400, errorCode: 'user_mismatch' });
    const claimed = await authsignal.claimChallenge({ challengeId: challenge.challengeId, userId });
    expect(claimed.verificationMethod).toBe('SMS');
    expect(await authsignal.validateChallenge({ token: claimed.token })).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId, verificationMethod: 'SMS' });
    expect((await authsignal.validateChallenge({ token: claimed.token })).isValid).toBe(false);
    expect((await authsignal.getAction({ userId, action: 'challenge', idempotencyKey: challenge.idempotencyKey })).state).toBe('CHALLENGE_SUCCEEDED');
  });

  it('an email code; a challengeId that is not one answered is refused; a method the journey does not offer is refused', async () => {
    const challenge = await authsignal.challenge({ verificationMethod: 'EMAIL_OTP', userId: 'otp-mail', email: 'mail@example.test' });
    const verified = await authsignal.verify({ challengeId: challenge.challengeId, verificationCode: await outboxCode(server, challenge.idempotencyKey) });
    expect(verified).toEqual({ isVerified: true, verificationMethod: 'EMAIL_OTP', email: 'mail@example.test' });
    const forged = await errorOf(authsignal.verify({ challengeId: `${challenge.idempotencyKey}.not-the-token-at-all-xx`, verificationCode: '123456' }));
    expect(forged).toMatchObject({ statusCode: 404, errorCode: 'not_found' });
    const email = await errorOf(authsignal.challenge({ verificationMethod: 'EMAIL_OTP', action: 'verifyPhone', phoneNumber: PHONE }));
    expect(email).toMatchObject({ statusCode: 400, errorCode: 'method_not_allowed' });
  });

  it('a phone checked with no user, claimed by the app for its user: that user is the token\'s', async () => {
    const challenge = await authsignal.challenge({ verificationMethod: 'SMS', action: 'verifyPhone', phoneNumber: PHONE });
    const verified = await authsignal.verify({ challengeId: challenge.challengeId, verificationCode: await outboxCode(server, challenge.idempotencyKey) });
    expect(verified.isVerified).toBe(true);
    const { token } = await authsignal.claimChallenge({ challengeId: challenge.challengeId, userId: 'claimer' });
    expect(await errorOf(authsignal.claimChallenge({ challengeId: challenge.challengeId, userId: 'another' }))).toMatchObject({ statusCode: 400, errorCode: 'user_mismatch' });
    expect(await authsignal.validateChallenge({ token, userId: 'claimer' })).toMatchObject({ isValid: true, userId: 'claimer', verificationMethod: 'SMS' });
  });
});

describe('app sessions: createSession, validateSession, refreshSession, revokeSession, revokeUserSessions', () => {
  it('a session from a completed challenge: validated, refreshed (each refresh token once), revoked', async () => {
    const userId = 'session-user';
    await authsignal.updateUser({ userId, attributes: { email: 'sess@example.test' } });
    const token = await verifiedChallenge(userId);
    const created = await authsignal.createSession({ clientId: 'web', token });
    expect(created).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    // The challenge's token was spent by the session.
    expect((await authsignal.validateChallenge({ token })).isValid).toBe(false);
    expect(await errorOf(authsignal.createSession({ clientId: 'web', token }))).toMatchObject({ statusCode: 400, errorCode: 'invalid_token' });

    const session = await authsignal.validateSession({ accessToken: created.accessToken, clientIds: ['web'] });
    expect(session).toMatchObject({ user: { userId, email: 'sess@example.test' }, verificationMethod: 'SMS', expiresAt: expect.any(Number) });
    expect(await errorOf(authsignal.validateSession({ accessToken: created.accessToken, clientIds: ['mobile'] }))).toMatchObject({ statusCode: 401 });

    const refreshed = await authsignal.refreshSession({ refreshToken: created.refreshToken });
    expect(refreshed.refreshToken).not.toBe(created.refreshToken);
    expect(await errorOf(authsignal.refreshSession({ refreshToken: created.refreshToken }))).toMatchObject({ statusCode: 401, errorCode: 'invalid_token' });
    expect((await authsignal.validateSession({ accessToken: refreshed.accessToken })).user.userId).toBe(userId);

    await authsignal.revokeSession({ accessToken: refreshed.accessToken });
    expect(await errorOf(authsignal.validateSession({ accessToken: created.accessToken }))).toMatchObject({ statusCode: 401, errorCode: 'invalid_token' });
    expect(await errorOf(authsignal.refreshSession({ refreshToken: refreshed.refreshToken }))).toMatchObject({ statusCode: 401 });
  });

  it('access tokens expire; a result token is not an access token; revokeUserSessions ends every session of the user', async () => {
    const userId = 'many-sessions';
    const one = await authsignal.createSession({ clientId: 'web', token: await verifiedChallenge(userId) });
    const two = await authsignal.createSession({ clientId: 'mobile', token: await verifiedChallenge(userId) });
    const other = await authsignal.createSession({ clientId: 'web', token: await verifiedChallenge('bystander') });
    // A completion token signed by the engine's other key ring does not pass for an access token.
    const resultToken = await verifiedChallenge(userId);
    expect(resultToken.split('.')).toHaveLength(3);
    expect(await errorOf(authsignal.validateSession({ accessToken: resultToken }))).toMatchObject({ statusCode: 401 });

    await authsignal.revokeUserSessions({ userId });
    for (const revoked of [one, two]) {
      expect(await errorOf(authsignal.validateSession({ accessToken: revoked.accessToken }))).toMatchObject({ statusCode: 401 });
      expect(await errorOf(authsignal.refreshSession({ refreshToken: revoked.refreshToken }))).toMatchObject({ statusCode: 401 });
    }
    expect((await authsignal.validateSession({ accessToken: other.accessToken })).user.userId).toBe('bystander');
    server.clock.advance(601);
    expect(await errorOf(authsignal.validateSession({ accessToken: other.accessToken }))).toMatchObject({ statusCode: 401 });
    const renewed = await authsignal.refreshSession({ refreshToken: other.refreshToken });
    expect((await authsignal.validateSession({ accessToken: renewed.accessToken })).user.userId).toBe('bystander');
  });
});
