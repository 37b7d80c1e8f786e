/**
 * totp.register over HTTP: wrong confirmation codes, running out of attempts, confirm false,
 * replaceExisting, recoveryCodes 0, and the config bounds refused at validation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import {
  QUICK_ENROL_ID,
  authJourney,
  codeAt,
  codeNow,
  enrolUser,
  findUser,
  getUser,
  login,
  quickEnrolJourney,
  registerJourney,
  wrongCode,
} from './totp-helpers.js';

type Doc = Record<string, any>;

/**
 * Not public: the app names the user at start (`$input.userId`), which establishes them, then
 * totp.register: how an existing user's app is registered again (a typed username would not do).
 */
function appRegisterJourney(id: string, register: Doc = {}): Doc {
  return {
    id,
    start: 'identify',
    steps: {
      identify: { type: 'user.identify', config: { userId: '{% $input.userId %}' }, branches: { success: 'enrol' } },
      enrol: { type: 'totp.register', config: { issuer: 'Test Issuer', ...register }, errorOutputVariable: 'authError', branches: { success: 'done', failure: 'failed' } },
      done: { type: 'complete', config: { claims: { username: '{% $user.username %}', enrolled: true } } },
      failed: { type: 'reject', config: { code: '{% authError.code %}', message: '{% authError.message %}' } },
    },
  };
}

describe('totp.register over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.publish(quickEnrolJourney());
    await server.publish(registerJourney('reg-default'));
    await server.publish(registerJourney('reg-two-attempts', { maxAttempts: 2 }));
    await server.publish(appRegisterJourney('reg-app'));
    await server.publish(appRegisterJourney('reg-replace', { replaceExisting: true }));
    await server.publish(registerJourney('reg-no-recovery', { recoveryCodes: 0 }));
    await server.publish(
      registerJourney('reg-params', { algorithm: 'SHA256', digits: 8, period: 60, label: '{% "Acct " & $user.username %}', recoveryCodes: 2 }),
    );
    await server.publish(authJourney('auth'));
  });
  afterAll(() => server.close({ remove: true }));

  /** Starts a registration journey and answers the username: the session waiting at `enrol` (or ended). */
  async function startRegistration(journeyId: string, username: string): Promise<any> {
    const started = await startSession(server, journeyId);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const shown = await submit(server, started.body, 'who', 'next', { username });
    expect(shown.status, JSON.stringify(shown.body)).toBe(200);
    return shown.body;
  }

  it('a wrong confirmation code keeps the step with invalid_code and the same secret; the right code then completes', async () => {
    const shown = await startRegistration('reg-default', 'reg.wrong');
    expect(shown).toMatchObject({ status: 'waiting', step: { id: 'enrol', type: 'totp.register' }, error: null });
    const { secret, uri } = shown.step.data;

    const wrong = await submit(server, shown, 'enrol', 'confirm', { code: await wrongCode(secret, server.clock) });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ status: 'waiting', step: { id: 'enrol', type: 'totp.register' }, error: { code: 'invalid_code' } });
    expect(wrong.body.step.data.secret).toBe(secret);
    expect(wrong.body.step.data.uri).toBe(uri);
    expect(wrong.body.step.options.map((o: Doc) => o.id)).toEqual(['confirm']);

    // A non-numeric answer is refused the same way (still within the attempts).
    const letters = await submit(server, wrong.body, 'enrol', 'confirm', { code: 'abcdef' });
    expect(letters.body).toMatchObject({ status: 'waiting', step: { id: 'enrol' }, error: { code: 'invalid_code' } });
    expect(letters.body.step.data.secret).toBe(secret);

    // The user still has only the pending app.
    const pending = await findUser(server, 'reg.wrong');
    expect(pending.authenticators).toEqual([expect.objectContaining({ type: 'totp', confirmedAt: null })]);

    const done = await submit(server, letters.body, 'enrol', 'confirm', { code: await codeNow(secret, server.clock) });
    expect(done.body).toMatchObject({ status: 'completed', result: { claims: { username: 'reg.wrong', enrolled: true } } });
    const confirmed = await findUser(server, 'reg.wrong');
    expect(confirmed.authenticators).toHaveLength(1);
    expect(confirmed.authenticators[0].confirmedAt).not.toBeNull();
  });

  it('a pending (unconfirmed) app does not sign in', async () => {
    const shown = await startRegistration('reg-default', 'reg.pending');
    const { secret } = shown.step.data;
    const attempt = await login(server, 'auth', 'reg.pending', await codeNow(secret, server.clock));
    expect(attempt).toMatchObject({ status: 'rejected', error: { code: 'invalid_code' } });
  });

  it('maxAttempts wrong codes fail the step too_many_attempts and remove the pending authenticator', async () => {
    const shown = await startRegistration('reg-two-attempts', 'reg.toomany');
    const { secret } = shown.step.data;
    const userId = (await findUser(server, 'reg.toomany')).id;
    expect((await getUser(server, userId)).authenticators).toHaveLength(1);

    // Answers refused by the option's schema (422) change nothing and use no attempt.
    for (const data of [{}, { code: '' }, { code: 123456 }]) {
      const refused = await submit(server, shown, 'enrol', 'confirm', data);
      expect(refused.status, JSON.stringify(data)).toBe(422);
      expect(refused.body.error.code).toBe('validation_failed');
    }

    const first = await submit(server, shown, 'enrol', 'confirm', { code: await wrongCode(secret, server.clock) });
    expect(first.body).toMatchObject({ status: 'waiting', step: { id: 'enrol' }, error: { code: 'invalid_code' } });
    expect((await getUser(server, userId)).authenticators).toHaveLength(1);

    const second = await submit(server, first.body, 'enrol', 'confirm', { code: await wrongCode(secret, server.clock) });
    expect(second.body).toMatchObject({ status: 'rejected', step: null, error: { code: 'too_many_attempts' } });
    expect((await getUser(server, userId)).authenticators).toEqual([]);

    // The secret shown during the failed registration signs nobody in.
    const attempt = await login(server, 'auth', 'reg.toomany', await codeNow(secret, server.clock));
    expect(attempt).toMatchObject({ status: 'rejected', error: { code: 'invalid_code' } });
  });

  it('the default maxAttempts is 3', async () => {
    const shown = await startRegistration('reg-default', 'reg.three');
    const { secret } = shown.step.data;
    let current = shown;
    for (let i = 1; i <= 2; i++) {
      const wrong = await submit(server, current, 'enrol', 'confirm', { code: await wrongCode(secret, server.clock) });
      expect(wrong.body, `attempt ${i}`).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
      current = wrong.body;
    }
    const third = await submit(server, current, 'enrol', 'confirm', { code: await wrongCode(secret, server.clock) });
    expect(third.body).toMatchObject({ status: 'rejected', error: { code: 'too_many_attempts' } });
    expect((await findUser(server, 'reg.three')).authenticators).toEqual([]);
  });

  it('confirm false registers the app at once (option continue) and it is confirmed', async () => {
    const shown = await startRegistration(QUICK_ENROL_ID, 'reg.noconfirm');
    expect(shown).toMatchObject({ status: 'waiting', step: { id: 'enrol', type: 'totp.register' } });
    expect(shown.step.options).toEqual([{ id: 'continue', label: expect.any(String) }]);
    const { secret } = shown.step.data;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    // Confirmed already while the step still shows the secret.
    const waiting = await findUser(server, 'reg.noconfirm');
    expect(waiting.authenticators).toHaveLength(1);
    expect(waiting.authenticators[0].confirmedAt).toBe(server.clock.now().toISOString());

    const done = await submit(server, shown, 'enrol', 'continue');
    expect(done.body).toMatchObject({ status: 'completed', result: { claims: { username: 'reg.noconfirm', enrolled: true } } });
    const after = await findUser(server, 'reg.noconfirm');
    expect(after.authenticators).toHaveLength(1);
    expect(after.authenticators[0].confirmedAt).not.toBeNull();

    // No code was spent by the registration: the current one signs in.
    const signedIn = await login(server, 'auth', 'reg.noconfirm', await codeNow(secret, server.clock));
    expect(signedIn).toMatchObject({ status: 'completed', result: { claims: { username: 'reg.noconfirm' } } });
  });

  it('replaceExisting false (default) with a confirmed app fails already_registered and keeps the old app', async () => {
    const enrolled = await enrolUser(server, 'reg.exists');
    const shown = (await startSession(server, 'reg-app', { input: { userId: enrolled.userId } }, APP_KEY)).body;
    expect(shown).toMatchObject({ status: 'rejected', step: null, error: { code: 'already_registered' } });
    const user = await getUser(server, enrolled.userId);
    expect(user.authenticators.map((a: Doc) => a.id)).toEqual([enrolled.authenticatorId]);
  });

  it('replaceExisting true replaces the confirmed app: the old one is removed and its codes no longer work', async () => {
    const old = await enrolUser(server, 'reg.replace');
    const shown = (await startSession(server, 'reg-replace', { input: { userId: old.userId } }, APP_KEY)).body;
    expect(shown).toMatchObject({ status: 'waiting', step: { id: 'enrol', type: 'totp.register' } });
    const { secret } = shown.step.data;
    expect(secret).not.toBe(old.secret);

    const done = await submit(server, shown, 'enrol', 'confirm', { code: await codeNow(secret, server.clock) });
    expect(done.body).toMatchObject({ status: 'completed' });

    const user = await getUser(server, old.userId);
    expect(user.authenticators).toHaveLength(1);
    expect(user.authenticators[0].id).not.toBe(old.authenticatorId);
    expect(user.authenticators[0].confirmedAt).not.toBeNull();

    server.clock.advance(30);
    const withOld = await login(server, 'auth', 'reg.replace', await codeNow(old.secret, server.clock));
    expect(withOld).toMatchObject({ status: 'rejected', error: { code: 'invalid_code' } });
    const withNew = await login(server, 'auth', 'reg.replace', await codeNow(secret, server.clock));
    expect(withNew).toMatchObject({ status: 'completed', result: { claims: { username: 'reg.replace' } } });
  });

  it('algorithm, digits, period and label shape the URI, the confirmation and later sign-ins', async () => {
    const params = { algorithm: 'sha256', digits: 8, period: 60 } as const;
    const shown = await startRegistration('reg-params', 'reg.params');
    const { secret, uri, recoveryCodes } = shown.step.data;
    expect(recoveryCodes).toHaveLength(2);
    const parsed = new URL(uri);
    expect(uri.startsWith('otpauth://totp/Test%20Issuer:Acct%20reg.params?')).toBe(true);
    expect(parsed.searchParams.get('secret')).toBe(secret);
    expect(parsed.searchParams.get('algorithm')).toBe('SHA256');
    expect(parsed.searchParams.get('digits')).toBe('8');
    expect(parsed.searchParams.get('period')).toBe('60');

    // A default (SHA1, 6 digits, 30 s) code is refused; the configured one confirms.
    const sha1 = await codeNow(secret, server.clock);
    const refused = await submit(server, shown, 'enrol', 'confirm', { code: sha1 });
    expect(refused.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
    const code = await codeAt(secret, server.clock.now(), params);
    expect(code).toMatch(/^[0-9]{8}$/);
    const done = await submit(server, refused.body, 'enrol', 'confirm', { code });
    expect(done.body).toMatchObject({ status: 'completed' });

    server.clock.advance(60);
    const later = await codeAt(secret, server.clock.now(), params);
    expect(await login(server, 'auth', 'reg.params', later)).toMatchObject({ status: 'completed', result: { claims: { username: 'reg.params' } } });
  });

  it('recoveryCodes 0 shows no recoveryCodes', async () => {
    const shown = await startRegistration('reg-no-recovery', 'reg.norecovery');
    expect(shown.status).toBe('waiting');
    expect(Object.keys(shown.step.data).sort()).toEqual(['qrCode', 'secret', 'uri']);

    const withCodes = await startRegistration('reg-default', 'reg.withrecovery');
    expect(withCodes.step.data.recoveryCodes).toHaveLength(10);
  });

  describe('config bounds', () => {
    const journeyWith = (register: Doc) => registerJourney('bounds', register);

    async function diagnosticsOf(register: Doc): Promise<{ valid: boolean; diagnostics: Doc[] }> {
      const result = await server.admin('POST', '/v1/admin/validate', journeyWith(register));
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      return result.body;
    }

    it.each([
      ['period 10', { period: 10 }, '/steps/enrol/config/period'],
      ['period 121', { period: 121 }, '/steps/enrol/config/period'],
      ['digits 7', { digits: 7 }, '/steps/enrol/config/digits'],
      ['window past 3', { window: { past: 3, future: 1 } }, '/steps/enrol/config/window/past'],
      ['window future 3', { window: { past: 1, future: 3 } }, '/steps/enrol/config/window/future'],
      ['maxAttempts 11', { maxAttempts: 11 }, '/steps/enrol/config/maxAttempts'],
      ['maxAttempts 0', { maxAttempts: 0 }, '/steps/enrol/config/maxAttempts'],
      ['recoveryCodes 21', { recoveryCodes: 21 }, '/steps/enrol/config/recoveryCodes'],
      ['algorithm MD5', { algorithm: 'MD5' }, '/steps/enrol/config/algorithm'],
    ])('refuses %s (invalid_config) and publishing it', async (_name, register, path) => {
      const result = await diagnosticsOf(register);
      expect(result.valid).toBe(false);
      expect(result.diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', code: 'invalid_config', path, stepId: 'enrol' }));

      const saved = await server.admin('PUT', '/v1/admin/journeys/bounds', journeyWith(register));
      expect(saved.status).toBe(200);
      const published = await server.admin('POST', '/v1/admin/journeys/bounds/publish');
      expect(published.status).toBe(422);
      expect(published.body.error.code).toBe('validation_failed');
    });

    it('refuses a missing issuer and an unknown key', async () => {
      const noIssuer = registerJourney('bounds');
      delete noIssuer.steps.enrol.config.issuer;
      const missing = await server.admin('POST', '/v1/admin/validate', noIssuer);
      expect(missing.body.valid).toBe(false);
      expect(missing.body.diagnostics).toContainEqual(expect.objectContaining({ code: 'invalid_config', stepId: 'enrol' }));

      const unknown = await diagnosticsOf({ secretLength: 32 });
      expect(unknown.valid).toBe(false);
      expect(unknown.diagnostics).toContainEqual(expect.objectContaining({ code: 'invalid_config', stepId: 'enrol' }));
    });

    it('accepts the bounds themselves', async () => {
      for (const register of [
        { period: 15, digits: 8, window: { past: 0, future: 0 }, maxAttempts: 1, recoveryCodes: 0 },
        { period: 120, digits: 6, window: { past: 2, future: 2 }, maxAttempts: 10, recoveryCodes: 20, algorithm: 'SHA512' },
      ]) {
        const result = await diagnosticsOf(register);
        expect(result, JSON.stringify(register)).toMatchObject({ valid: true });
        expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      }
    });
  });
});
