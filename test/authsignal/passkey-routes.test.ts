/**
 * The Authsignal passkey routes over HTTP, answered by the software authenticator (the browser
 * suite drives them with the published SDK in Chromium): the calls as @authsignal/browser makes
 * them, and their refusals in the SDK's error shape.
 */
import { Authsignal } from '@authsignal/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { loadSampleJourney } from '../helpers/journeys.js';
import { SoftAuthenticator } from '../../testing/fakes/soft-authenticator.js';
import { clientCall, loadAdaptiveMfa } from './authsignal-helpers.js';

const ORIGIN = 'https://app.example.test';
const TENANT = { authorization: `Basic ${Buffer.from('YOUR_TENANT_ID').toString('base64')}` };

describe('Authsignal passkey routes', () => {
  let server: TestServer;
  let backend: Authsignal;
  const device = new SoftAuthenticator({ origin: ORIGIN, rpId: 'example.test' });

  beforeAll(async () => {
    server = await startTestServer({ env: { WEBAUTHN_RP_ID: 'example.test', WEBAUTHN_ORIGINS: ORIGIN } });
    for (const name of ['register-passkey', 'passkey-sign-in']) await server.publish(loadSampleJourney(name));
    await server.publish(loadAdaptiveMfa());
    backend = new Authsignal({ apiSecretKey: APP_KEY, apiUrl: `${server.url}/authsignal/v1`, retries: 0 });
  });
  afterAll(() => server.close({ remove: true }));

  const anonymous = (path: string, body: unknown) => server.request('POST', `/authsignal/v1/client${path}`, { body, headers: TENANT });

  it('sign-up: options then the registration response, for the tracked user', async () => {
    const track = await backend.track({ userId: 'routes-user', action: 'register-passkey', attributes: { username: 'rita' } });
    const options = await clientCall(server, '/user-authenticators/passkey/registration-options', track.token, { username: 'rita' });
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({ challengeId: track.token, options: { rp: { id: 'example.test' }, user: { name: 'rita' } } });

    const added = await clientCall(server, '/user-authenticators/passkey', track.token, { registrationCredential: device.create(options.body.options), challengeId: track.token });
    expect(added.body).toMatchObject({ isVerified: true, userId: 'routes-user', userAuthenticator: { verificationMethod: 'PASSKEY', userAuthenticatorId: expect.any(String) } });
    expect(await backend.validateChallenge({ token: added.body.accessToken })).toMatchObject({ isValid: true, userId: 'routes-user' });
    expect((await backend.getUser({ userId: 'routes-user' })).enrolledVerificationMethods).toContain('PASSKEY');
  });

  it('sign-in with an action, no token: challenge, options, verify; a refused answer is isVerified false', async () => {
    const challenge = await anonymous('/challenge', { action: 'signInWithPasskey' });
    expect(challenge.status).toBe(200);
    const { challengeId } = challenge.body;
    const options = await anonymous('/user-authenticators/passkey/authentication-options', { challengeId });
    expect(options.body).toMatchObject({ challengeId, options: { rpId: 'example.test', allowCredentials: [] } });

    const wrong = await anonymous('/verify/passkey', { challengeId, authenticationCredential: device.get(options.body.options, { origin: 'https://evil.test' }) });
    expect(wrong.body).toMatchObject({ isVerified: false, failureReason: 'invalid_credential' });
    // The refusal spent the challenge: the step shows new options.
    const again = await anonymous('/user-authenticators/passkey/authentication-options', { challengeId });
    expect(again.body.options.challenge).not.toBe(options.body.options.challenge);
    const verified = await anonymous('/verify/passkey', { challengeId, authenticationCredential: device.get(again.body.options) });
    expect(verified.body).toMatchObject({ isVerified: true, userId: 'routes-user', username: 'rita', verificationMethod: 'PASSKEY' });
    expect(await backend.validateChallenge({ token: verified.body.accessToken })).toMatchObject({ isValid: true, verificationMethod: 'PASSKEY', userId: 'routes-user' });
  });

  it('autofill: the options call without a token or challengeId starts the passkey sign-in journey', async () => {
    const options = await anonymous('/user-authenticators/passkey/authentication-options', {});
    expect(options.status).toBe(200);
    const verified = await anonymous('/verify/passkey', { challengeId: options.body.challengeId, authenticationCredential: device.get(options.body.options) });
    expect(verified.body).toMatchObject({ isVerified: true, userId: 'routes-user' });
  });

  it('refusals in the SDK shape: no session, a step that asks no passkey, an unknown action, a journey that is not public', async () => {
    const none = await anonymous('/verify/passkey', { authenticationCredential: {} });
    expect(none).toMatchObject({ status: 401, body: { errorCode: 'token_not_set' } });
    const bogus = await anonymous('/verify/passkey', { challengeId: 'not-a-handle' });
    expect(bogus).toMatchObject({ status: 401, body: { errorCode: 'invalid_token' } });

    // adaptive-mfa's challenge step offers no passkey.
    const track = await backend.track({ userId: 'routes-other', action: 'enroll' });
    const options = await clientCall(server, '/user-authenticators/passkey/registration-options', track.token, {});
    expect(options).toMatchObject({ status: 400, body: { errorCode: 'enrollment_not_allowed' } });
    const signIn = await clientCall(server, '/user-authenticators/passkey/authentication-options', track.token, {});
    expect(signIn).toMatchObject({ status: 400, body: { errorCode: 'method_not_allowed' } });

    expect((await anonymous('/challenge', { action: 'bad action!' })).body).toMatchObject({ errorCode: 'invalid_request' });
    // adaptive-mfa claims "enroll" but is not public: an anonymous browser cannot start it.
    const notPublic = await anonymous('/challenge', { action: 'enroll' });
    expect(notPublic).toMatchObject({ status: 401, body: { errorCode: 'unauthorized', errorDescription: expect.stringContaining('not public') } });
  });
});
