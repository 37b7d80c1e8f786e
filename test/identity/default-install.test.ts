/**
 * A default install, as `npm start` makes it: the sample journeys of `journeys/` published on a
 * real server. The README tour runs as written, every sample validates without a diagnostic, and
 * the account-takeover attacks a red-team pass found on the earlier samples fail.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishSampleJourneys } from '../../engine/samples.js';
import { APP_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { outboxCode } from '../otp/otp-helpers.js';
import { decodeJwt } from '../steps/step-helpers.js';
import { codeNow } from '../totp-http/totp-helpers.js';

const SAMPLES = fileURLToPath(new URL('../../journeys/', import.meta.url));
const PASSWORD = 'correct horse battery staple';

describe('a default install (the sample journeys)', () => {
  let server: TestServer;
  const validate = (body: Record<string, unknown>) => server.request('POST', '/v1/tokens/validate', { body, token: APP_KEY });

  /** sign-up as the README tour does it: details, the emailed code, a password. */
  async function signUp(username: string, email: string) {
    const started = await startSession(server, 'sign-up');
    expect(started.body.step).toMatchObject({ id: 'details', type: 'form' });
    const sent = await submit(server, started.body, 'details', 'next', { username, email });
    expect(sent.body.step, JSON.stringify(sent.body)).toMatchObject({ id: 'verifyEmail', type: 'email.otp' });
    const code = await outboxCode(server, started.body.sessionId);
    const verified = await submit(server, started.body, 'verifyEmail', 'verify', { code });
    expect(verified.body.step, JSON.stringify(verified.body)).toMatchObject({ id: 'password', type: 'password.set' });
    const done = await submit(server, started.body, 'password', 'set', { password: PASSWORD });
    expect(done.body.status, JSON.stringify(done.body)).toBe('completed');
    return done.body;
  }

  async function signIn(username: string, password: string) {
    const started = await startSession(server, 'login');
    expect(started.body.step).toMatchObject({ id: 'credentials', type: 'form' });
    return submit(server, started.body, 'credentials', 'signIn', { username, password });
  }


  /** A browser: keeps the device cookie the engine sets, and sends it back. */
  function browser() {
    let cookie: string | null = null;
    const call = async (method: string, path: string, options: { body?: string; type?: string; token?: string } = {}) => {
      const headers: Record<string, string> = {};
      if (options.body !== undefined) headers['content-type'] = options.type ?? 'application/json';
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (cookie) headers.cookie = `journey_device=${cookie}`;
      const response = await fetch(server.url + path, { method, headers, body: options.body, redirect: 'manual' });
      cookie = response.headers.getSetCookie().map((c) => /^journey_device=([^;]*)/.exec(c)?.[1]).find(Boolean) ?? cookie;
      const text = await response.text();
      return { status: response.status, text, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
    };
    return {
      start: (journeyId: string) => call('POST', `/v1/journeys/${journeyId}/start`, { body: '{}' }),
      submit: (session: { sessionId: string; sessionToken: string }, stepId: string, option: string, data?: unknown) =>
        call('POST', `/v1/sessions/${session.sessionId}/submit`, { body: JSON.stringify({ stepId, option, ...(data === undefined ? {} : { data }) }), token: session.sessionToken }),
      get: (session: { sessionId: string; sessionToken: string }) => call('GET', `/v1/sessions/${session.sessionId}`, { token: session.sessionToken }),
      openLink: (token: string) => call('POST', `/v1/links/${token}`, { body: '', type: 'application/x-www-form-urlencoded' }),
    };
  }

  async function linkIn(sessionId: string): Promise<string> {
    const listed = await server.admin('GET', `/v1/admin/outbox?sessionId=${sessionId}`);
    const token = /\/v1\/links\/([A-Za-z0-9_-]+)/.exec(listed.body[0]?.body ?? '')?.[1];
    expect(token, 'a link in the newest email').toBeDefined();
    return token!;
  }

  beforeAll(async () => {
    server = await startTestServer();
    const published = await publishSampleJourneys(SAMPLES, server.engine.admin, server.engine.store, pino({ level: 'silent' }));
    expect(published.sort()).toEqual(['adaptive-mfa', 'login', 'login-totp', 'mfa', 'otp-challenge', 'passkey-sign-in', 'recover-account', 'register-passkey', 'register-totp', 'sign-up', 'sms-otp', 'step-up']);
  });
  afterAll(() => server.close({ remove: true }));

  it('every sample validates with no diagnostic at all', async () => {
    for (const summary of (await server.admin('GET', '/v1/admin/journeys')).body) {
      const view = await server.admin('GET', `/v1/admin/journeys/${summary.id}`);
      expect(view.body.diagnostics, summary.id).toEqual([]);
    }
  });

  it('the README tour: sign up, validate the token, sign in with the password', async () => {
    const signedUp = await signUp('alice', 'alice@example.com');
    expect(signedUp.result.claims).toEqual({ username: 'alice', email: 'alice@example.com' });
    const validated = await validate({ token: signedUp.result.token, journeyId: 'sign-up', requireAmr: ['email'] });
    expect(validated.body).toMatchObject({ valid: true, journeyId: 'sign-up', amr: ['email'], claims: { username: 'alice' } });

    const offered = await signIn('alice', PASSWORD);
    expect(offered.body.step, JSON.stringify(offered.body)).toMatchObject({ id: 'secondFactor/offerApp' });
    const done = await submit(server, offered.body, 'secondFactor/offerApp', 'skip');
    expect(done.body.status).toBe('completed');
    expect(decodeJwt(done.body.result.token).payload).toMatchObject({ sub: validated.body.userId, amr: ['pwd'] });
    expect((await validate({ token: done.body.result.token, requireAmr: ['pwd', 'otp'] })).body).toEqual({ valid: false, reason: 'insufficient_authentication' });
    expect((await validate({ token: done.body.result.token, journeyId: 'login', requireAmr: ['pwd'] })).body.valid).toBe(true);
  });

  it('login offers an app, enrols it, and asks for its code at the next sign-in: pwd + otp = mfa', async () => {
    await signUp('bea', 'bea@example.com');
    const offered = await signIn('bea', PASSWORD);
    const shown = await submit(server, offered.body, 'secondFactor/offerApp', 'setUp');
    expect(shown.body.step).toMatchObject({ id: 'secondFactor/enrol', type: 'totp.register' });
    const secret = shown.body.step.data.secret as string;
    const enrolled = await submit(server, offered.body, 'secondFactor/enrol', 'confirm', { code: await codeNow(secret, server.clock) });
    expect(enrolled.body.status, JSON.stringify(enrolled.body)).toBe('completed');

    server.clock.advance(60);
    const asked = await signIn('bea', PASSWORD);
    expect(asked.body.step).toMatchObject({ id: 'secondFactor/appCode', type: 'totp.authenticate' });
    const code = await codeNow(secret, server.clock);
    const done = await submit(server, asked.body, 'secondFactor/appCode', 'verify', { code });
    expect(done.body.status, JSON.stringify(done.body)).toBe('completed');
    expect(decodeJwt(done.body.result.token).payload.amr).toEqual(['pwd', 'otp', 'mfa']);

    // Neither the password nor the code is anywhere in the database file or its WAL.
    for (const file of ['journeys.db', 'journeys.db-wal']) {
      const path = join(server.dataDir, file);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path);
      expect(bytes.includes(Buffer.from(PASSWORD)), file).toBe(false);
      expect(bytes.includes(Buffer.from(`"${code}"`)), file).toBe(false);
    }
  });

  it('a wrong password, an unknown user and a user without a password get the same answer', async () => {
    await signUp('cleo', 'cleo@example.com');
    const wrong = await signIn('cleo', 'not the password at all');
    const unknown = await signIn('nobody-at-all', 'not the password at all');
    for (const answer of [wrong, unknown]) {
      expect(answer.body).toMatchObject({ status: 'waiting', step: { id: 'credentials' }, error: { code: 'invalid_credentials' } });
    }
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });


  describe('recover-account', () => {
    it('by email link: a locked-out user sets a new password, the lockout goes, other tokens still validate', async () => {
      const signedUp = await signUp('rita', 'rita@example.com');
      const before = await signIn('rita', PASSWORD);
      const earlier = await submit(server, before.body, 'secondFactor/offerApp', 'skip');
      for (let i = 0; i < 5; i++) await signIn('rita', 'a wrong guess of the password');
      expect((await signIn('rita', PASSWORD)).body.error.code).toBe('locked');

      const phone = browser();
      const started = await phone.start('recover-account');
      const session = started.body;
      await phone.submit(session, 'who', 'next', { username: 'rita' });
      const sent = await phone.submit(session, 'how', 'email');
      expect(sent.body.step, JSON.stringify(sent.body)).toMatchObject({ id: 'emailLink', type: 'email.link' });
      const token = await linkIn(session.sessionId);
      const page = await phone.openLink(token);
      expect(page.status, page.text).toBe(200);
      const moved = await phone.get(session);
      expect(moved.body.step).toMatchObject({ id: 'newPassword', type: 'password.set' });
      const newPassword = 'a brand new passphrase after recovery';
      const done = await phone.submit(session, 'newPassword', 'set', { password: newPassword });
      expect(done.body.status, JSON.stringify(done.body)).toBe('completed');
      expect(decodeJwt(done.body.result.token).payload).toMatchObject({ sub: decodeJwt(signedUp.result.token).payload.sub, amr: ['email'] });

      // Unlocked, with the new password only; the token issued before the recovery is unaffected.
      expect((await signIn('rita', PASSWORD)).body.error.code).toBe('invalid_credentials');
      expect((await signIn('rita', newPassword)).body.step.id).toBe('secondFactor/offerApp');
      expect((await validate({ token: earlier.body.result.token })).body.valid).toBe(true);
    });

    it('by recovery code, for a user with an authenticator app', async () => {
      await signUp('sam', 'sam@example.com');
      const offered = await signIn('sam', PASSWORD);
      const shown = await submit(server, offered.body, 'secondFactor/offerApp', 'setUp');
      const { secret, recoveryCodes } = shown.body.step.data as { secret: string; recoveryCodes: string[] };
      await submit(server, offered.body, 'secondFactor/enrol', 'confirm', { code: await codeNow(secret, server.clock) });

      const started = await startSession(server, 'recover-account');
      await submit(server, started.body, 'who', 'next', { username: 'sam' });
      const wrong = await submit(server, started.body, 'how', 'recoveryCode', { code: 'aaaaa-bbbbb' });
      expect(wrong.body).toMatchObject({ step: { id: 'how' }, error: { code: 'invalid_code' } });
      const proved = await submit(server, started.body, 'how', 'recoveryCode', { code: recoveryCodes[0] });
      expect(proved.body.step).toMatchObject({ id: 'newPassword' });
      const done = await submit(server, started.body, 'newPassword', 'set', { password: 'another long passphrase chosen later' });
      expect(done.body.status).toBe('completed');
      expect(decodeJwt(done.body.result.token).payload.amr).toEqual(['otp']);
    });

    it('a link opened in another browser proves nothing: the session stays where it was', async () => {
      await signUp('tess', 'tess@example.com');
      const victim = browser();
      const started = await victim.start('recover-account');
      await victim.submit(started.body, 'who', 'next', { username: 'tess' });
      await victim.submit(started.body, 'how', 'email');
      const token = await linkIn(started.body.sessionId);
      const elsewhere = await browser().openLink(token);
      expect(elsewhere.status).toBe(403);
      expect((await victim.get(started.body)).body.step.id).toBe('emailLink');
    });
  });

  describe('attacks found on the earlier samples fail', () => {
    it('1. sign-up with an existing username in any letter case never yields a token for that user', async () => {
      const victim = await signUp('victim1', 'victim1@example.com');
      const victimId = decodeJwt(victim.result.token).payload.sub;
      for (const username of ['victim1', 'VICTIM1', 'Victim1']) {
        const started = await startSession(server, 'sign-up');
        const answer = await submit(server, started.body, 'details', 'next', { username, email: 'attacker@example.com' });
        expect(answer.body, username).toMatchObject({ status: 'waiting', step: { id: 'details' }, error: { code: 'username_taken' } });
        const stored = await server.engine.store.sessions.get(started.body.sessionId);
        expect(stored!.userId).toBeNull();
      }
      const user = await server.admin('GET', `/v1/admin/users/${victimId}`);
      expect(user.body.attributes).toEqual({ email: 'victim1@example.com' });
    });

    it('2. register-totp cannot attach an app to an account without its password, and tells nothing about it', async () => {
      await signUp('victim2', 'victim2@example.com');
      const attempt = async (username: string) => {
        const started = await startSession(server, 'register-totp');
        return submit(server, started.body, 'credentials', 'next', { username, password: 'attacker guess 123456' });
      };
      const existing = await attempt('victim2');
      const missing = await attempt('no-such-user-2');
      for (const answer of [existing, missing]) {
        expect(answer.body).toMatchObject({ status: 'waiting', step: { id: 'credentials' }, error: { code: 'invalid_credentials' } });
      }
      const users = await server.admin('GET', '/v1/admin/users?username=victim2');
      expect(users.body[0].authenticators.filter((a: { type: string }) => a.type === 'totp')).toEqual([]);
    });

    it('register-totp enrols an app for the owner who proved the password', async () => {
      await signUp('owner3', 'owner3@example.com');
      const started = await startSession(server, 'register-totp');
      const shown = await submit(server, started.body, 'credentials', 'next', { username: 'owner3', password: PASSWORD });
      expect(shown.body.step).toMatchObject({ id: 'enrol', type: 'totp.register' });
      const done = await submit(server, started.body, 'enrol', 'confirm', { code: await codeNow(shown.body.step.data.secret, server.clock) });
      expect(done.body.status, JSON.stringify(done.body)).toBe('completed');
      expect(decodeJwt(done.body.result.token).payload.amr).toEqual(['pwd']);
    });

    it('login-totp consumes the code a form collected for its TOTP step', async () => {
      const started = await startSession(server, 'login-totp');
      const refused = await submit(server, started.body, 'login', 'totp', { username: 'owner3', totp_code: '000000' });
      expect(refused.body.status).toBe('waiting');
      const stored = await server.engine.store.sessions.get(started.body.sessionId);
      // The code a form collected for the TOTP step is consumed, not kept in the session.
      expect(JSON.stringify(stored!.snapshot)).not.toContain('000000');
    });
  });
});
