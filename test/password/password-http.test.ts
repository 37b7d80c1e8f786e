/**
 * password.set and password.authenticate over HTTP against a real engine: sign-up then sign-in
 * (`pwd` in `$auth` and the token), the policy's refusals asked again in place, one answer for a
 * wrong password / unknown user / user without a password, lockout and its reset, rehashing, the
 * refusal to set a password for a user nobody proved, and password change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { toUserContext } from '../../engine/steps/step-types.js';
import { PASSWORD_HASH_PARAMS, verifyPassword } from '../../steps/password-common/hashing.js';
import {
  afterUsername,
  changePasswordJourney,
  formSignIn,
  formSignInJourney,
  jwtClaims,
  passwordHashes,
  seedUser,
  services,
  setOnlyJourney,
  signIn,
  signInJourney,
  signUp,
  signUpJourney,
  unprovedSetJourney,
} from './password-helpers.js';

type Doc = Record<string, any>;

const GOOD = 'violet tractor hums under seven lanterns';
const OTHER_GOOD = 'copper fern whistles beside a quiet harbour';

describe('passwords over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.publish(signUpJourney('sign-up'));
    await server.publish(unprovedSetJourney('set-unproved'));
    await server.publish(signInJourney('sign-in'));
    await server.publish(signInJourney('sign-in-lock3', { maxFailedAttempts: 3, lockoutSeconds: 60 }));
    await server.publish(formSignInJourney('form-sign-in'));
    await server.publish(changePasswordJourney('change-password'));
    await server.publish(setOnlyJourney('set-only'));
  });
  afterAll(() => server.close({ remove: true }));

  const expectRejected = (result: Doc, code: string) => expect(result, JSON.stringify(result)).toMatchObject({ status: 'rejected', error: { code } });
  const expectAskedAgain = (result: Doc, code: string) =>
    expect(result, JSON.stringify(result)).toMatchObject({ status: 'waiting', step: { id: 'auth' }, error: { code } });
  const expectSignedIn = (result: Doc, username: string) =>
    expect(result, JSON.stringify(result)).toMatchObject({ status: 'completed', result: { claims: { username } } });

  describe('sign-up then sign-in', () => {
    it('password.set asks option set with a writeOnly password field, stores an argon2id hash, and the user then signs in with pwd', async () => {
      const asked = await afterUsername(server, 'sign-up', 'pat.one');
      expect(asked).toMatchObject({ status: 'waiting', error: null, step: { id: 'set', type: 'password.set', data: { minLength: 15, maxLength: 1024 } } });
      expect(asked.step.options).toEqual([
        expect.objectContaining({
          id: 'set',
          schema: expect.objectContaining({
            required: ['password'],
            properties: { password: expect.objectContaining({ type: 'string', format: 'password', writeOnly: true }) },
          }),
        }),
      ]);
      const done = await submit(server, asked, 'set', 'set', { password: GOOD });
      expect(done.body, JSON.stringify(done.body)).toMatchObject({ status: 'completed', result: { claims: { username: 'pat.one' } } });
      // Created by this session: established, but no factor proved.
      expect(done.body.result.claims.amr ?? []).toEqual([]);

      const userId = done.body.result.claims.userId as string;
      const admin = await server.admin('GET', `/v1/admin/users/${userId}`);
      expect(admin.body.authenticators).toEqual([expect.objectContaining({ type: 'password', confirmedAt: expect.any(String) })]);
      const [stored] = await passwordHashes(server, userId);
      expect(stored.phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await verifyPassword(stored.phc, GOOD)).toBe(true);

      server.clock.advance(5);
      const signedIn = await signIn(server, 'sign-in', 'pat.one', GOOD);
      expectSignedIn(signedIn, 'pat.one');
      expect(signedIn.result.claims).toMatchObject({ userId, amr: ['pwd'], tokenTypes: 'password' });
      const claims = jwtClaims(signedIn.result.token);
      expect(claims).toMatchObject({ sub: userId, amr: ['pwd'], auth_time: Math.floor(server.clock.now().getTime() / 1000) });
      const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: signedIn.result.token, requireAmr: ['pwd'] }, token: APP_KEY });
      expect(validated.body).toMatchObject({ valid: true, userId, amr: ['pwd'] });
    });

    it('the verify option is a writeOnly password; usernames match case-insensitively and the password after NFKC', async () => {
      const composed = 'Ça ira très bien, mon cher ami';
      await seedUser(server, 'pat.nfkc', composed);
      const asked = await afterUsername(server, 'sign-in', 'PAT.NFKC');
      expect(asked).toMatchObject({ status: 'waiting', error: null, step: { id: 'auth', type: 'password.authenticate', data: {} } });
      expect(asked.step.options).toEqual([
        expect.objectContaining({
          id: 'verify',
          schema: expect.objectContaining({ required: ['password'], properties: { password: expect.objectContaining({ format: 'password', writeOnly: true }) } }),
        }),
      ]);
      const done = await submit(server, asked, 'auth', 'verify', { password: composed.normalize('NFD') });
      expectSignedIn(done.body, 'pat.nfkc');
    });

    it('password.set refuses a too short, common, or username-holding password with weak_password, asked again in place', async () => {
      const asked = await afterUsername(server, 'sign-up', 'pat.weak');
      const short = await submit(server, asked, 'set', 'set', { password: 'Xq7#mPz2vL9!' });
      expect(short.body).toMatchObject({
        status: 'waiting',
        step: { id: 'set' },
        error: { code: 'weak_password', message: 'Your password must be at least 15 characters long.' },
      });
      const common = await submit(server, short.body, 'set', 'set', { password: 'P@ssw0rd12345678' });
      expect(common.body).toMatchObject({ status: 'waiting', error: { code: 'weak_password', message: expect.stringMatching(/too common/) } });
      const named = await submit(server, common.body, 'set', 'set', { password: 'hello PAT.WEAK my old friend' });
      expect(named.body).toMatchObject({ status: 'waiting', error: { code: 'weak_password', message: 'Your password must not contain your username.' } });
      for (const body of [short.body, common.body, named.body]) {
        const text = JSON.stringify(body);
        for (const password of ['Xq7#mPz2vL9!', 'P@ssw0rd12345678', 'hello PAT.WEAK my old friend']) expect(text).not.toContain(password);
      }
      const done = await submit(server, named.body, 'set', 'set', { password: GOOD });
      expect(done.body).toMatchObject({ status: 'completed' });
      // Over 64 characters is fine; over 1024 is refused by the option's schema.
      const long = await afterUsername(server, 'sign-up', 'pat.long');
      const tooLong = await submit(server, long, 'set', 'set', { password: 'z'.repeat(1025) });
      expect(tooLong.status).toBe(422);
      expect(JSON.stringify(tooLong.body)).not.toContain('z'.repeat(100));
      const sixtyPlus = `${GOOD} and ${OTHER_GOOD} again`;
      expect(sixtyPlus.length).toBeGreaterThan(64);
      expect((await submit(server, long, 'set', 'set', { password: sixtyPlus })).body).toMatchObject({ status: 'completed' });
      expectSignedIn(await signIn(server, 'sign-in', 'pat.long', sixtyPlus), 'pat.long');
    });

    it('a journey may not publish password.set with minLength below 15 unless it proves a second factor', async () => {
      const journey = signUpJourney('sign-up-short', { minLength: 8 });
      const saved = await server.admin('PUT', '/v1/admin/journeys/sign-up-short', journey);
      expect(saved.status).toBe(200);
      const errors = (saved.body.diagnostics as Doc[]).filter((d) => d.severity === 'error');
      expect(errors).toEqual([expect.objectContaining({ code: 'invalid_config', path: '/steps/set/config/minLength', stepId: 'set' })]);
      const published = await server.admin('POST', '/v1/admin/journeys/sign-up-short/publish');
      expect(published.status).toBeGreaterThanOrEqual(400);
    });
  });

  describe('password.set only for an established user', () => {
    it('refuses unauthenticated for a user only identified by a typed username, and leaves their password alone', async () => {
      const victimId = await seedUser(server, 'pat.victim', GOOD);
      const before = await passwordHashes(server, victimId);
      const result = await afterUsername(server, 'set-unproved', 'pat.victim');
      expectRejected(result, 'unauthenticated');
      expect(await passwordHashes(server, victimId)).toEqual(before);
      expectSignedIn(await signIn(server, 'sign-in', 'pat.victim', GOOD), 'pat.victim');
    });

    it('after password.authenticate, password.set replaces the password (change): the old one stops working', async () => {
      const userId = await seedUser(server, 'pat.change', GOOD);
      const asked = await afterUsername(server, 'change-password', 'pat.change');
      const setAsked = await submit(server, asked, 'auth', 'verify', { password: GOOD });
      expect(setAsked.body).toMatchObject({ status: 'waiting', step: { id: 'set' } });
      const done = await submit(server, setAsked.body, 'set', 'set', { password: OTHER_GOOD });
      expect(done.body).toMatchObject({ status: 'completed', result: { claims: { username: 'pat.change', amr: ['pwd'] } } });
      const hashes = await passwordHashes(server, userId);
      expect(hashes).toHaveLength(1);
      expect(await verifyPassword(hashes[0].phc, OTHER_GOOD)).toBe(true);
      expectAskedAgain(await signIn(server, 'sign-in', 'pat.change', GOOD), 'invalid_credentials');
      expectSignedIn(await signIn(server, 'sign-in', 'pat.change', OTHER_GOOD), 'pat.change');
    });
  });

  describe('one answer for a wrong password, an unknown user and a user without a password', () => {
    it('given by expression: the session ends rejected with the same invalid_credentials error', async () => {
      await seedUser(server, 'pat.known', GOOD);
      await seedUser(server, 'pat.nopassword');
      const wrong = await formSignIn(server, 'form-sign-in', 'pat.known', OTHER_GOOD);
      const unknown = await formSignIn(server, 'form-sign-in', 'pat.nobody', GOOD);
      const without = await formSignIn(server, 'form-sign-in', 'pat.nopassword', GOOD);
      for (const result of [wrong, unknown, without]) expectRejected(result, 'invalid_credentials');
      expect(unknown.error).toEqual(wrong.error);
      expect(without.error).toEqual(wrong.error);
      expectSignedIn(await formSignIn(server, 'form-sign-in', 'pat.known', GOOD), 'pat.known');
    });

    it('asked by the step: the same error, asked again in place', async () => {
      await seedUser(server, 'pat.asked', GOOD);
      await seedUser(server, 'pat.asked.none');
      const results = [
        await signIn(server, 'sign-in', 'pat.asked', OTHER_GOOD),
        await signIn(server, 'sign-in', 'pat.asked.nobody', GOOD),
        await signIn(server, 'sign-in', 'pat.asked.none', GOOD),
      ];
      for (const result of results) expectAskedAgain(result, 'invalid_credentials');
      expect(new Set(results.map((r) => JSON.stringify({ error: r.error, step: r.step })))).toHaveLength(1);
      // A retry in the same session with the right password succeeds.
      const retried = await submit(server, results[0] as any, 'auth', 'verify', { password: GOOD });
      expectSignedIn(retried.body, 'pat.asked');
    });

    it('does the same hashing work in every case (the step durations are alike)', async () => {
      await seedUser(server, 'pat.timing', GOOD);
      await seedUser(server, 'pat.timing.none');
      const stepDuration = async (username: string) => {
        const result = await formSignIn(server, 'form-sign-in', username, OTHER_GOOD);
        const timeline = (await server.admin('GET', `/v1/admin/sessions/${result.sessionId}`)).body.timeline as Doc[];
        return timeline.find((e) => e.event === 'error' && e.stepId === 'auth')!.durationMs as number;
      };
      const fastest = async (username: string) => Math.min(...[await stepDuration(username), await stepDuration(username), await stepDuration(username)]);
      const wrong = await fastest('pat.timing');
      const unknown = await fastest('pat.timing.nobody');
      const without = await fastest('pat.timing.none');
      // argon2id with 19 MiB takes tens of milliseconds: every case pays it.
      for (const ms of [wrong, unknown, without]) expect(ms).toBeGreaterThan(5);
      expect(Math.max(wrong, unknown, without) / Math.min(wrong, unknown, without)).toBeLessThan(3);
    });
  });

  describe('lockout (5 failures, 300 s by default, as totp.authenticate)', () => {
    it('the 6th attempt after 5 failures is locked (even with the right password) until 300 s have passed', async () => {
      const userId = await seedUser(server, 'pat.lock', GOOD);
      for (let i = 0; i < 5; i++) expectRejected(await formSignIn(server, 'form-sign-in', 'pat.lock', `${OTHER_GOOD} ${i}`), 'invalid_credentials');
      const locked = await formSignIn(server, 'form-sign-in', 'pat.lock', GOOD);
      expectRejected(locked, 'locked');
      const user = (await server.admin('GET', `/v1/admin/users/${userId}`)).body;
      const until = new Date(server.clock.now().getTime() + 300_000).toISOString();
      expect(user.lockouts).toEqual([{ kind: 'password', failures: 5, lockedUntil: until }]);
      expect(user.authenticators[0]).toMatchObject({ type: 'password', lockedUntil: until });
      server.clock.advance(299);
      expectRejected(await formSignIn(server, 'form-sign-in', 'pat.lock', GOOD), 'locked');
      server.clock.advance(1);
      expectSignedIn(await formSignIn(server, 'form-sign-in', 'pat.lock', GOOD), 'pat.lock');
    });

    it('a success resets the count', async () => {
      await seedUser(server, 'pat.reset', GOOD);
      for (let i = 0; i < 4; i++) expectRejected(await formSignIn(server, 'form-sign-in', 'pat.reset', OTHER_GOOD), 'invalid_credentials');
      expectSignedIn(await formSignIn(server, 'form-sign-in', 'pat.reset', GOOD), 'pat.reset');
      for (let i = 0; i < 4; i++) expectRejected(await formSignIn(server, 'form-sign-in', 'pat.reset', OTHER_GOOD), 'invalid_credentials');
      expectSignedIn(await formSignIn(server, 'form-sign-in', 'pat.reset', GOOD), 'pat.reset');
    });

    it('unknown usernames are counted and locked the same way', async () => {
      for (let i = 0; i < 5; i++) expectRejected(await formSignIn(server, 'form-sign-in', 'pat.ghost', GOOD), 'invalid_credentials');
      expectRejected(await formSignIn(server, 'form-sign-in', 'pat.ghost', GOOD), 'locked');
    });

    it('asked by the step: wrong passwords are asked again until the lock, then the session ends locked', async () => {
      await seedUser(server, 'pat.asklock', GOOD);
      let current = await afterUsername(server, 'sign-in-lock3', 'pat.asklock');
      for (let i = 0; i < 3; i++) {
        current = (await submit(server, current as any, 'auth', 'verify', { password: OTHER_GOOD })).body;
        expectAskedAgain(current, 'invalid_credentials');
      }
      const locked = await submit(server, current as any, 'auth', 'verify', { password: GOOD });
      expectRejected(locked.body, 'locked');
    });

    it('concurrent wrong guesses never exceed the limit', async () => {
      await seedUser(server, 'pat.parallel', GOOD);
      const sessions = await Promise.all(Array.from({ length: 12 }, () => startSession(server, 'form-sign-in')));
      const results = await Promise.all(sessions.map((s) => submit(server, s.body, 'login', 'go', { username: 'pat.parallel', password: OTHER_GOOD })));
      const codes = results.map((r) => r.body.error?.code);
      expect(codes.filter((c) => c === 'invalid_credentials')).toHaveLength(5);
      expect(codes.filter((c) => c === 'locked')).toHaveLength(7);
    });

    it('setting a new password (for a user a trusted caller named) clears the lockout of the old one', async () => {
      const userId = await seedUser(server, 'pat.relock', GOOD);
      for (let i = 0; i < 5; i++) expectRejected(await formSignIn(server, 'form-sign-in', 'pat.relock', OTHER_GOOD), 'invalid_credentials');
      expectRejected(await formSignIn(server, 'form-sign-in', 'pat.relock', GOOD), 'locked');
      // A server-side caller (an app that proved the user its own way) starts the session with the user.
      const user = (await services(server).users.findById(userId))!;
      const started = await server.engine.sessions.start('set-only', {}, 'app', { user: toUserContext(user) });
      expect(started, JSON.stringify(started)).toMatchObject({ status: 'waiting', step: { id: 'set' } });
      const done = await submit(server, started as any, 'set', 'set', { password: OTHER_GOOD });
      expect(done.body).toMatchObject({ status: 'completed' });
      expectSignedIn(await formSignIn(server, 'form-sign-in', 'pat.relock', OTHER_GOOD), 'pat.relock');
    });
  });

  describe('rehash', () => {
    it('a hash made with other parameters is replaced by one with the current parameters after a success, not after a failure', async () => {
      const userId = await seedUser(server, 'pat.rehash', GOOD, { memoryCost: 8192, timeCost: 3 });
      const [before] = await passwordHashes(server, userId);
      expect(before.phc).toMatch(/^\$argon2id\$v=19\$m=8192,t=3,p=1\$/);

      expectRejected(await formSignIn(server, 'form-sign-in', 'pat.rehash', OTHER_GOOD), 'invalid_credentials');
      expect(await passwordHashes(server, userId)).toEqual([before]);

      expectSignedIn(await formSignIn(server, 'form-sign-in', 'pat.rehash', GOOD), 'pat.rehash');
      const [after] = await passwordHashes(server, userId);
      expect(after.id).toBe(before.id);
      const { memoryCost, timeCost, parallelism } = PASSWORD_HASH_PARAMS;
      expect(after.phc).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$m=${memoryCost},t=${timeCost},p=${parallelism}\\$`));
      expect(await verifyPassword(after.phc, GOOD)).toBe(true);
      expectSignedIn(await formSignIn(server, 'form-sign-in', 'pat.rehash', GOOD), 'pat.rehash');
      // Already current: left as it is.
      expect(await passwordHashes(server, userId)).toEqual([after]);
    });

    it('an argon2i hash is upgraded to argon2id', async () => {
      const userId = await seedUser(server, 'pat.argon2i', GOOD, { algorithm: 1 });
      expect((await passwordHashes(server, userId))[0].phc).toMatch(/^\$argon2i\$/);
      expectSignedIn(await formSignIn(server, 'form-sign-in', 'pat.argon2i', GOOD), 'pat.argon2i');
      expect((await passwordHashes(server, userId))[0].phc).toMatch(/^\$argon2id\$/);
    });
  });
});
