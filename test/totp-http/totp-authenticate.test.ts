/**
 * totp.authenticate over HTTP: success effects, the `verify` option, replay (also concurrent),
 * the window, lockout (also for unknown usernames and under concurrency), same-session
 * enrolment and recovery codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import {
  authJourney,
  codeNow,
  enrolThenAuthJourney,
  enrolUser,
  login,
  quickEnrolJourney,
  startLogin,
  submitLogin,
  verifyJourney,
  wrongCode,
} from './totp-helpers.js';

type Doc = Record<string, any>;

describe('totp.authenticate over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.publish(quickEnrolJourney());
    await server.publish(authJourney('auth'));
    await server.publish(authJourney('auth-strict', { window: { past: 0, future: 0 } }));
    await server.publish(authJourney('auth-lock', { maxFailedAttempts: 3, lockoutSeconds: 60 }));
    await server.publish(authJourney('auth-recovery', { allowRecoveryCodes: true }));
    await server.publish(authJourney('auth-same-allowed', { allowSameSessionEnrollment: true }));
    await server.publish(verifyJourney('auth-verify'));
    await server.publish(enrolThenAuthJourney('enrol-auth'));
    await server.publish(enrolThenAuthJourney('enrol-auth-allow', { allowSameSessionEnrollment: true }));
  });
  afterAll(() => server.close({ remove: true }));

  const expectInvalid = (result: Doc) => expect(result, JSON.stringify(result)).toMatchObject({ status: 'rejected', error: { code: 'invalid_code' } });
  const expectLocked = (result: Doc) => expect(result, JSON.stringify(result)).toMatchObject({ status: 'rejected', error: { code: 'locked' } });
  const expectSignedIn = (result: Doc, username: string) =>
    expect(result, JSON.stringify(result)).toMatchObject({ status: 'completed', result: { claims: { username } } });

  it('success sets $user and adds a totp token to $userTokens()', async () => {
    const user = await enrolUser(server, 'auth.success');
    const done = await login(server, 'auth', 'auth.success', await codeNow(user.secret, server.clock));
    expect(done.status).toBe('completed');
    expect(done.result.claims).toEqual({ username: 'auth.success', userId: user.userId, n: 1, t: 'totp', method: 'totp' });
    const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: done.result.token }, token: APP_KEY });
    expect(validated.body).toMatchObject({ valid: true, userId: user.userId });
  });

  it('usernames are matched after normalising (case)', async () => {
    const user = await enrolUser(server, 'auth.case');
    const done = await login(server, 'auth', 'AUTH.Case', await codeNow(user.secret, server.clock));
    expect(done).toMatchObject({ status: 'completed', result: { claims: { username: 'auth.case', userId: user.userId } } });
  });

  it('without config.code the step asks option verify itself', async () => {
    const user = await enrolUser(server, 'auth.verify');
    const started = await startSession(server, 'auth-verify');
    const asked = await submit(server, started.body, 'who', 'next', { username: 'auth.verify' });
    expect(asked.body).toMatchObject({ status: 'waiting', error: null, step: { id: 'auth', type: 'totp.authenticate', data: {} } });
    expect(asked.body.step.options).toEqual([expect.objectContaining({ id: 'verify', schema: expect.objectContaining({ required: ['code'] }) })]);
    const done = await submit(server, asked.body, 'auth', 'verify', { code: await codeNow(user.secret, server.clock) });
    expect(done.body).toMatchObject({ status: 'completed', result: { claims: { username: 'auth.verify', n: 1, t: 'totp' } } });

    const again = await startSession(server, 'auth-verify');
    const askedAgain = await submit(server, again.body, 'who', 'next', { username: 'auth.verify' });
    const wrong = await submit(server, askedAgain.body, 'auth', 'verify', { code: await wrongCode(user.secret, server.clock) });
    expect(wrong.body).toMatchObject({ status: 'rejected', error: { code: 'invalid_code' } });
  });

  describe('replay', () => {
    it('the same valid code in two sessions: one success, then invalid_code', async () => {
      const user = await enrolUser(server, 'replay.seq');
      const code = await codeNow(user.secret, server.clock);
      expectSignedIn(await login(server, 'auth', user.username, code), user.username);
      expectInvalid(await login(server, 'auth', user.username, code));
      // An earlier step's code (within the window) is refused too once a later one was used.
      expectInvalid(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock, -1)));
      // The next step's code is still good.
      expectSignedIn(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock, 1)), user.username);
    });

    it('two concurrent submissions of one valid code in two sessions: exactly one success', async () => {
      for (let round = 0; round < 3; round++) {
        const user = await enrolUser(server, `replay.concurrent${round}`);
        const sessions = await Promise.all([startLogin(server, 'auth'), startLogin(server, 'auth')]);
        const code = await codeNow(user.secret, server.clock);
        const results = await Promise.all(sessions.map((s) => submitLogin(server, s, user.username, code)));
        const statuses = results.map((r) => r.status).sort();
        expect(statuses, JSON.stringify(results.map((r) => r.error))).toEqual(['completed', 'rejected']);
        expectInvalid(results.find((r) => r.status === 'rejected')!);
      }
    });
  });

  describe('window', () => {
    it('by default accepts the previous and the next time step', async () => {
      const previous = await enrolUser(server, 'window.prev');
      expectSignedIn(await login(server, 'auth', previous.username, await codeNow(previous.secret, server.clock, -1)), previous.username);
      const next = await enrolUser(server, 'window.next');
      expectSignedIn(await login(server, 'auth', next.username, await codeNow(next.secret, server.clock, 1)), next.username);
    });

    it('by default refuses codes two steps away', async () => {
      const user = await enrolUser(server, 'window.far');
      expectInvalid(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock, -2)));
      expectInvalid(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock, 2)));
      expectSignedIn(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock)), user.username);
    });

    it('also when the clock is in the middle of a time step', async () => {
      const user = await enrolUser(server, 'window.mid');
      server.clock.advance(14);
      try {
        expectInvalid(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock, 2)));
        expectInvalid(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock, -2)));
        expectSignedIn(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock, -1)), user.username);
        expectSignedIn(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock, 1)), user.username);
      } finally {
        server.clock.advance(16);
      }
    });

    it('window { past: 0, future: 0 } accepts only the current time step', async () => {
      const user = await enrolUser(server, 'window.strict');
      expectInvalid(await login(server, 'auth-strict', user.username, await codeNow(user.secret, server.clock, -1)));
      expectInvalid(await login(server, 'auth-strict', user.username, await codeNow(user.secret, server.clock, 1)));
      expectSignedIn(await login(server, 'auth-strict', user.username, await codeNow(user.secret, server.clock)), user.username);
    });
    it('after a next-step code was accepted, a journey with a narrower window answers invalid_code (not an error) until that step is past', async () => {
      const user = await enrolUser(server, 'window.narrower');
      // The default window accepts the next time step's code: the app's last used step is now ahead of the clock.
      expectSignedIn(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock, 1)), user.username);
      // With window { 0, 0 } the current code is older than that step: replayed, hence invalid_code.
      expectInvalid(await login(server, 'auth-strict', user.username, await codeNow(user.secret, server.clock)));
      server.clock.advance(60);
      expectSignedIn(await login(server, 'auth-strict', user.username, await codeNow(user.secret, server.clock)), user.username);
    });
  });

  describe('lockout', () => {
    it('after maxFailedAttempts wrong codes even the right code fails locked, without counting; it works after lockoutSeconds', async () => {
      const user = await enrolUser(server, 'lock.basic');
      for (let i = 1; i <= 3; i++) expectInvalid(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));
      const right = await codeNow(user.secret, server.clock);
      expectLocked(await login(server, 'auth-lock', user.username, right));
      expectLocked(await login(server, 'auth-lock', user.username, right));
      expectLocked(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));

      server.clock.advance(59);
      expectLocked(await login(server, 'auth-lock', user.username, await codeNow(user.secret, server.clock)));
      // The attempts made while locked neither counted nor extended the lock.
      server.clock.advance(2);
      expectSignedIn(await login(server, 'auth-lock', user.username, await codeNow(user.secret, server.clock)), user.username);
    });

    it('a lock that expired starts a fresh count', async () => {
      const user = await enrolUser(server, 'lock.expired');
      for (let i = 1; i <= 3; i++) expectInvalid(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));
      expectLocked(await login(server, 'auth-lock', user.username, await codeNow(user.secret, server.clock)));
      server.clock.advance(61);
      expectInvalid(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));
      expectInvalid(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));
      expectSignedIn(await login(server, 'auth-lock', user.username, await codeNow(user.secret, server.clock)), user.username);
    });

    it('a success resets the count', async () => {
      const user = await enrolUser(server, 'lock.reset');
      expectInvalid(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));
      expectInvalid(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));
      expectSignedIn(await login(server, 'auth-lock', user.username, await codeNow(user.secret, server.clock)), user.username);
      expectInvalid(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));
      expectInvalid(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));
      // Next time step (the current one is spent): still not locked.
      expectSignedIn(await login(server, 'auth-lock', user.username, await codeNow(user.secret, server.clock, 1)), user.username);
    });

    it('an unknown username gets the same invalid_code error as a wrong code, and is locked the same way', async () => {
      const real = await enrolUser(server, 'lock.real');
      const ghost = 'lock.ghost';
      const realWrong = await login(server, 'auth-lock', real.username, await wrongCode(real.secret, server.clock));
      const ghostWrong = await login(server, 'auth-lock', ghost, '123456');
      expectInvalid(realWrong);
      expect(ghostWrong.error).toEqual(realWrong.error);
      expect(ghostWrong.status).toBe(realWrong.status);

      // The wrong-code answer says how many attempts are left, as enrolment does (#21).
      expect(realWrong.error.message).toBe('the code is not valid: 2 attempts left');
      for (let i = 2; i <= 3; i++) {
        const realAgain = await login(server, 'auth-lock', real.username, await wrongCode(real.secret, server.clock));
        // The count is kept per normalised username: the same answer, attempts left included.
        const ghostAgain = await login(server, 'auth-lock', i === 2 ? ghost : 'LOCK.GHOST', '654321');
        expectInvalid(realAgain);
        expect(ghostAgain.error).toEqual(realAgain.error);
        expect(realAgain.error.message).toBe(i === 2 ? 'the code is not valid: 1 attempt left' : 'the code is not valid: no attempts left');
      }
      const realLocked = await login(server, 'auth-lock', real.username, await codeNow(real.secret, server.clock));
      const ghostLocked = await login(server, 'auth-lock', ghost, '123456');
      expectLocked(realLocked);
      expect(ghostLocked.error).toEqual(realLocked.error);

      // Another unknown username is not affected.
      expectInvalid(await login(server, 'auth-lock', 'lock.other-ghost', '123456'));
      // The real user is unlocked after lockoutSeconds.
      server.clock.advance(61);
      expectSignedIn(await login(server, 'auth-lock', real.username, await codeNow(real.secret, server.clock)), real.username);
    });

    it('50 parallel wrong codes with maxFailedAttempts 5: at most 5 invalid_code, the rest locked', async () => {
      const user = await enrolUser(server, 'lock.parallel');
      const sessions = await Promise.all(Array.from({ length: 50 }, () => startLogin(server, 'auth')));
      const wrong = await wrongCode(user.secret, server.clock);
      const results = await Promise.all(sessions.map((s) => submitLogin(server, s, user.username, wrong)));
      const codes = results.map((r) => (r.status === 'rejected' ? r.error.code : r.status));
      const invalid = codes.filter((c) => c === 'invalid_code').length;
      const locked = codes.filter((c) => c === 'locked').length;
      expect(invalid + locked, JSON.stringify(codes)).toBe(50);
      expect(invalid).toBeGreaterThanOrEqual(1);
      expect(invalid).toBeLessThanOrEqual(5);
      // And the right code is refused too while locked.
      expectLocked(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock)));
    });
  });

  describe('same-session enrolment', () => {
    async function enrolThenAuthenticate(journeyId: string, username: string): Promise<{ result: Doc; secret: string }> {
      const started = await startSession(server, journeyId);
      const shown = await submit(server, started.body, 'who', 'next', { username });
      expect(shown.body).toMatchObject({ status: 'waiting', step: { id: 'enrol', type: 'totp.register' } });
      const secret = shown.body.step.data.secret as string;
      const asked = await submit(server, shown.body, 'enrol', 'confirm', { code: await codeNow(secret, server.clock) });
      expect(asked.body).toMatchObject({ status: 'waiting', step: { id: 'auth', type: 'totp.authenticate' } });
      expect(asked.body.step.options.map((o: Doc) => o.id)).toEqual(['verify']);
      // The confirmation code is spent: the next time step's code.
      server.clock.advance(30);
      const result = await submit(server, asked.body, 'auth', 'verify', { code: await codeNow(secret, server.clock) });
      expect(result.status).toBe(200);
      return { result: result.body, secret };
    }

    it('by default an app registered in this same session is refused (invalid_code)', async () => {
      const { result, secret } = await enrolThenAuthenticate('enrol-auth', 'same.refused');
      expectInvalid(result);
      // In a later session the app works, with the very code refused above (it was not spent).
      expectSignedIn(await login(server, 'auth', 'same.refused', await codeNow(secret, server.clock)), 'same.refused');
    });

    it('an app confirmed after this session started is refused too (docs: step-up safety), not in a later session', async () => {
      // The sign-in session is open while the app gets enrolled elsewhere.
      const signIn = await startLogin(server, 'auth');
      const allowedSignIn = await startLogin(server, 'auth-same-allowed');
      server.clock.advance(5);
      const user = await enrolUser(server, 'same.other-session');
      server.clock.advance(5);
      const code = await codeNow(user.secret, server.clock);
      expectInvalid(await submitLogin(server, signIn, user.username, code));
      // A session started after the enrolment accepts it, with that very code (the refusal spent nothing).
      expectSignedIn(await login(server, 'auth', user.username, code), user.username);
      // allowSameSessionEnrollment lifts the rule.
      expectSignedIn(await submitLogin(server, allowedSignIn, user.username, await codeNow(user.secret, server.clock, 1)), user.username);
    });

    it('allowSameSessionEnrollment true accepts it', async () => {
      const { result } = await enrolThenAuthenticate('enrol-auth-allow', 'same.allowed');
      expect(result).toMatchObject({ status: 'completed', result: { claims: { username: 'same.allowed', n: 1, t: 'totp', method: 'totp' } } });
    });
  });

  describe('recovery codes', () => {
    it('with allowRecoveryCodes a recovery code from registration works once', async () => {
      const user = await enrolUser(server, 'recovery.allowed');
      expect(user.recoveryCodes).toHaveLength(10);
      const [first, second] = user.recoveryCodes;
      const done = await login(server, 'auth-recovery', user.username, first);
      expect(done).toMatchObject({
        status: 'completed',
        result: { claims: { username: user.username, userId: user.userId, n: 1, t: 'totp', method: 'recovery_code' } },
      });
      expectInvalid(await login(server, 'auth-recovery', user.username, first));
      // Another one still works, and so do app codes.
      expectSignedIn(await login(server, 'auth-recovery', user.username, second), user.username);
      expectSignedIn(await login(server, 'auth-recovery', user.username, await codeNow(user.secret, server.clock)), user.username);
    });

    it('without allowRecoveryCodes (default) a recovery code is refused and stays unused', async () => {
      const user = await enrolUser(server, 'recovery.refused');
      const [code] = user.recoveryCodes;
      expectInvalid(await login(server, 'auth', user.username, code));
      expectSignedIn(await login(server, 'auth-recovery', user.username, code), user.username);
    });

    it('one recovery code submitted concurrently in two sessions: exactly one success', async () => {
      const user = await enrolUser(server, 'recovery.concurrent');
      const sessions = await Promise.all([startLogin(server, 'auth-recovery'), startLogin(server, 'auth-recovery')]);
      const results = await Promise.all(sessions.map((s) => submitLogin(server, s, user.username, user.recoveryCodes[0])));
      expect(results.map((r) => r.status).sort(), JSON.stringify(results.map((r) => r.error))).toEqual(['completed', 'rejected']);
      expectInvalid(results.find((r) => r.status === 'rejected')!);
    });

    it('a recovery code of another user is refused', async () => {
      const owner = await enrolUser(server, 'recovery.owner');
      const other = await enrolUser(server, 'recovery.other');
      expectInvalid(await login(server, 'auth-recovery', other.username, owner.recoveryCodes[0]));
      expectSignedIn(await login(server, 'auth-recovery', owner.username, owner.recoveryCodes[0]), owner.username);
    });
  });

  it.each([
    ['window past 3', { window: { past: 3, future: 1 } }, '/steps/auth/config/window/past'],
    ['window future 3', { window: { past: 1, future: 3 } }, '/steps/auth/config/window/future'],
    ['maxFailedAttempts 0', { maxFailedAttempts: 0 }, '/steps/auth/config/maxFailedAttempts'],
    ['maxFailedAttempts 101', { maxFailedAttempts: 101 }, '/steps/auth/config/maxFailedAttempts'],
    ['lockoutSeconds 0', { lockoutSeconds: 0 }, '/steps/auth/config/lockoutSeconds'],
    ['lockoutSeconds 86401', { lockoutSeconds: 86401 }, '/steps/auth/config/lockoutSeconds'],
  ])('config out of bounds is refused at validation: %s', async (_name, auth, path) => {
    const result = await server.admin('POST', '/v1/admin/validate', authJourney('bounds', auth));
    expect(result.status).toBe(200);
    expect(result.body.valid).toBe(false);
    expect(result.body.diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', code: 'invalid_config', path, stepId: 'auth' }));
  });

  it('the bounds themselves are accepted', async () => {
    for (const auth of [
      { window: { past: 0, future: 0 }, maxFailedAttempts: 1, lockoutSeconds: 1 },
      { window: { past: 2, future: 2 }, maxFailedAttempts: 100, lockoutSeconds: 86400, allowRecoveryCodes: true, allowSameSessionEnrollment: true },
    ]) {
      const result = await server.admin('POST', '/v1/admin/validate', authJourney('bounds', auth));
      expect(result.body.diagnostics.filter((d: Doc) => d.severity === 'error'), JSON.stringify(auth)).toEqual([]);
      expect(result.body.valid).toBe(true);
    }
  });
});
