/**
 * The two sample TOTP journeys (journeys/register-totp.json and journeys/login-totp.json) end to
 * end over HTTP, with codes computed at the injected clock. register-totp only enrols an app for a
 * user who proves their password, so the user is first made through the sample sign-up journey
 * (details, the emailed code from the dev outbox, a password).
 */
import * as jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { outboxCode, loadSampleJourney as loadAnySampleJourney } from '../otp/otp-helpers.js';
import { codeNow, findUser, loadSampleJourney, wrongCode } from './totp-helpers.js';

type JsQR = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
/** jsqr is a UMD bundle: under the ESM interop its function is the namespace's default, or that default's default. */
const jsQR = [jsQRModule, (jsQRModule as any).default, (jsQRModule as any).default?.default].find((c) => typeof c === 'function') as JsQR;

function decodeQr(dataUrl: string): string | null {
  expect(typeof jsQR).toBe('function');
  expect(dataUrl).toMatch(/^data:image\/png;base64,/);
  const png = PNG.sync.read(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

describe('sample journeys register-totp and login-totp over HTTP', () => {
  let server: TestServer;
  const username = 'sample.alice';
  const email = 'sample.alice@example.com';
  const password = 'correct horse battery staple';
  let secret: string;
  let registrationCode: string;
  let userId: string;

  /** The sample sign-up: details, the emailed code (from the dev outbox), a password. */
  async function signUp(name: string, address: string, chosen: string) {
    const started = await startSession(server, 'sign-up');
    expect(started.status).toBe(200);
    expect(started.body.step).toMatchObject({ id: 'details', type: 'form' });
    const sent = await submit(server, started.body, 'details', 'next', { username: name, email: address });
    expect(sent.body.step, JSON.stringify(sent.body)).toMatchObject({ id: 'verifyEmail', type: 'email.otp' });
    const code = await outboxCode(server, started.body.sessionId);
    const verified = await submit(server, started.body, 'verifyEmail', 'verify', { code });
    expect(verified.body.step, JSON.stringify(verified.body)).toMatchObject({ id: 'password', type: 'password.set' });
    const done = await submit(server, started.body, 'password', 'set', { password: chosen });
    expect(done.body, JSON.stringify(done.body)).toMatchObject({ status: 'completed', error: null });
    expect(done.body.result.claims).toEqual({ username: name, email: address });
    return done.body;
  }

  beforeAll(async () => {
    server = await startTestServer();
    expect(await server.publish(loadAnySampleJourney('sign-up'))).toBeGreaterThanOrEqual(1);
    expect(await server.publish(loadSampleJourney('register-totp'))).toBeGreaterThanOrEqual(1);
    expect(await server.publish(loadSampleJourney('login-totp'))).toBeGreaterThanOrEqual(1);
  });
  afterAll(() => server.close({ remove: true }));

  it('register-totp: user signed up → username + password → secret, otpauth URI, QR code and recovery codes → confirm → completed with a token', async () => {
    await signUp(username, email, password);
    // Signed up with a password, and no authenticator app yet.
    const created = await findUser(server, username);
    userId = created.id;
    expect(created.authenticators).toEqual([expect.objectContaining({ type: 'password', confirmedAt: expect.any(String) })]);

    const started = await startSession(server, 'register-totp');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'waiting', step: { id: 'credentials', type: 'form' } });

    const shown = await submit(server, started.body, 'credentials', 'next', { username, password });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ status: 'waiting', error: null, step: { id: 'enrol', type: 'totp.register', name: 'Scan the QR code' } });
    expect(shown.body.step.options).toEqual([expect.objectContaining({ id: 'confirm' })]);
    expect(shown.body.step.options[0].schema).toMatchObject({ type: 'object', required: ['code'] });

    const data = shown.body.step.data;
    expect(Object.keys(data).sort()).toEqual(['qrCode', 'recoveryCodes', 'secret', 'uri']);
    secret = data.secret;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes of base32, no padding
    const uri = new URL(data.uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(data.uri).toMatch(/^otpauth:\/\/totp\/Journey%20Engine:sample\.alice\?/);
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Journey Engine');
    expect(decodeQr(data.qrCode)).toBe(data.uri);
    expect(data.recoveryCodes).toHaveLength(10);
    expect(new Set(data.recoveryCodes).size).toBe(10);
    for (const code of data.recoveryCodes) expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);

    // The same user: their password, and one pending (unconfirmed) authenticator app.
    const pending = await findUser(server, username);
    expect(pending.id).toBe(userId);
    expect(pending.authenticators).toHaveLength(2);
    expect(pending.authenticators).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'password' }), expect.objectContaining({ type: 'totp', confirmedAt: null })]),
    );

    registrationCode = await codeNow(secret, server.clock);
    const done = await submit(server, shown.body, 'enrol', 'confirm', { code: registrationCode });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', step: null, error: null });
    expect(done.body.result.claims).toEqual({ username, enrolled: 'totp' });
    expect(done.body.result.token.split('.')).toHaveLength(3);

    const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: APP_KEY });
    // The password proved the user; enrolling the app proves nothing more.
    expect(validated.body).toMatchObject({ valid: true, journeyId: 'register-totp', userId, amr: ['pwd'], claims: { username, enrolled: 'totp' } });

    const confirmed = await findUser(server, username);
    expect(confirmed.authenticators).toHaveLength(2);
    const apps = confirmed.authenticators.filter((a: { type: string }) => a.type === 'totp');
    expect(apps).toHaveLength(1);
    expect(apps[0].confirmedAt).toBe(server.clock.now().toISOString());
  });

  it('login-totp: the code spent at registration is refused; a code of a later time step signs in', async () => {
    expect(secret, 'registration ran').toBeDefined();
    // Same time step as the confirmation: that code is spent (replay), the form comes back with the error.
    const replay = await startSession(server, 'login-totp');
    expect(replay.body.step.id).toBe('login');
    const refused = await submit(server, replay.body, 'login', 'totp', { username, totp_code: registrationCode });
    expect(refused.body).toMatchObject({ status: 'waiting', step: { id: 'login', type: 'form' }, error: { code: 'invalid_code' } });

    server.clock.advance(30);
    const started = await startSession(server, 'login-totp');
    expect(started.body).toMatchObject({ status: 'waiting', journeyId: 'login-totp', step: { id: 'login', type: 'form' } });
    const code = await codeNow(secret, server.clock);
    expect(code).not.toBe(registrationCode);
    const done = await submit(server, started.body, 'login', 'totp', { username, totp_code: code });
    expect(done.body).toMatchObject({ status: 'completed', error: null });
    expect(done.body.result.claims).toEqual({ username });
    const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: APP_KEY });
    expect(validated.body).toMatchObject({ valid: true, journeyId: 'login-totp', userId, claims: { username } });

    const user = await findUser(server, username);
    expect(user.authenticators.find((a: { type: string }) => a.type === 'totp').lastUsedAt).toBe(server.clock.now().toISOString());
  });

  it('login-totp: three wrong codes loop back to the form with invalid_code, then reject too_many_attempts', async () => {
    expect(secret, 'registration ran').toBeDefined();
    const started = await startSession(server, 'login-totp');
    let current = started.body;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const answered = await submit(server, current, 'login', 'totp', { username, totp_code: await wrongCode(secret, server.clock) });
      expect(answered.status).toBe(200);
      expect(answered.body, `attempt ${attempt}`).toMatchObject({
        status: 'waiting',
        step: { id: 'login', type: 'form' },
        error: { code: 'invalid_code' },
        result: null,
      });
      // The error is shown while waiting, also on a plain GET.
      const got = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
      expect(got.body).toMatchObject({ status: 'waiting', step: { id: 'login' }, error: { code: 'invalid_code' } });
      current = answered.body;
    }
    const third = await submit(server, current, 'login', 'totp', { username, totp_code: await wrongCode(secret, server.clock) });
    expect(third.body).toMatchObject({ status: 'rejected', step: null, result: null, error: { code: 'too_many_attempts', message: 'Too many attempts' } });

    // Ended: no further submit is taken.
    const after = await submit(server, third.body, 'login', 'totp', { username, totp_code: await codeNow(secret, server.clock) });
    expect(after.status).toBe(409);
    expect(after.body.error.code).toBe('session_ended');
  });

  it('login-totp: the form refuses a code that is not 6 digits (422) and the session stays on the form', async () => {
    const started = await startSession(server, 'login-totp');
    const refused = await submit(server, started.body, 'login', 'totp', { username, totp_code: '12345' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('validation_failed');
    const got = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(got.body).toMatchObject({ status: 'waiting', step: { id: 'login' }, error: null });
  });
});
