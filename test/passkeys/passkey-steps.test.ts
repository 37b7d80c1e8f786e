/**
 * passkey.register and passkey.authenticate over HTTP against a real engine, answered by a
 * software authenticator (real ES256 signatures): the options they generate, and the edge cases of
 * verification (wrong origin, wrong RP id hash, a replayed challenge, user verification required
 * but absent, unknown credentials, counters, the per-client failure limit).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { rejectWithError, usernameForm } from '../helpers/journeys.js';
import { SoftAuthenticator } from '../../testing/fakes/soft-authenticator.js';

type Doc = any;

const ORIGIN = 'https://login.example.test';
const RP_ID = 'example.test';

const signedIn = { userId: '{% $user.id %}', amr: '{% $auth.amr %}', method: '{% $userTokens()[0].claims.method %}', tokenType: '{% $userTokens()[0].type %}' };

function registerJourney(id: string, config: Doc = {}): Doc {
  return {
    id,
    name: id,
    start: 'who',
    settings: { public: true },
    steps: {
      who: usernameForm('identify'),
      identify: { type: 'user.identify', config: { username: '{% account.username %}', mode: 'create' }, branches: { success: 'enrol' } },
      enrol: { type: 'passkey.register', config, errorOutputVariable: 'authError', branches: { success: 'done', skipped: 'done', failure: 'failed' } },
      done: { type: 'complete', config: { claims: { userId: '{% $user.id %}' } } },
      failed: rejectWithError,
    },
  };
}

function signInJourney(id: string, config: Doc = {}, named = false): Doc {
  return {
    id,
    name: id,
    start: named ? 'who' : 'passkey',
    settings: { public: true },
    steps: {
      ...(named ? { who: usernameForm('passkey') } : {}),
      passkey: {
        type: 'passkey.authenticate',
        config: { ...(named ? { username: '{% account.username %}' } : {}), ...config },
        errorOutputVariable: 'authError',
        branches: { success: 'done', failure: 'failed' },
      },
      done: { type: 'complete', config: { claims: signedIn } },
      failed: rejectWithError,
    },
  };
}

describe('passkey steps', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { WEBAUTHN_RP_ID: RP_ID, WEBAUTHN_RP_NAME: 'Example', WEBAUTHN_ORIGINS: ORIGIN } });
    await server.publish(registerJourney('pk-register'));
    // A trusted caller names the user (input.userId): established without a factor.
    await server.publish({
      id: 'pk-add',
      name: 'pk-add',
      start: 'who',
      steps: {
        who: { type: 'user.identify', config: { userId: '{% $input.userId %}', mode: 'find' }, branches: { success: 'enrol' } },
        enrol: { type: 'passkey.register', config: {}, branches: { success: 'done', skipped: 'done' } },
        done: { type: 'complete', config: { claims: {} } },
      },
    });
    await server.publish(registerJourney('pk-register-uv', { userVerification: 'required', name: 'Laptop' }));
    await server.publish(signInJourney('pk-signin'));
    await server.publish(signInJourney('pk-signin-preferred', { userVerification: 'preferred' }));
    await server.publish(signInJourney('pk-signin-named', {}, true));
    await server.publish(signInJourney('pk-signin-limited', { clientLimit: { count: 3, windowSeconds: 600 } }));
  });
  afterAll(() => server.close({ remove: true }));

  const authenticator = (options: { backupEligible?: boolean; startCount?: number } = {}) => new SoftAuthenticator({ origin: ORIGIN, rpId: RP_ID }, options);

  /** Registers `device` for a new user `username` through pk-register; answers the user id. */
  async function register(username: string, device: SoftAuthenticator, journey = 'pk-register'): Promise<string> {
    const started = await startSession(server, journey);
    const asked = await submit(server, started.body, 'who', 'next', { username });
    expect(asked.body.step, JSON.stringify(asked.body)).toMatchObject({ id: 'enrol', type: 'passkey.register' });
    const done = await submit(server, started.body, 'enrol', 'register', { credential: device.create(asked.body.step.data.options) });
    expect(done.body, JSON.stringify(done.body)).toMatchObject({ status: 'completed' });
    return done.body.result.claims.userId;
  }

  async function startSignIn(journey = 'pk-signin') {
    const started = await startSession(server, journey);
    expect(started.body.step, JSON.stringify(started.body)).toMatchObject({ id: 'passkey', type: 'passkey.authenticate' });
    return started.body;
  }

  const answer = (session: Doc, credential: unknown) => submit(server, session, 'passkey', 'verify', { credential });

  it('generates creation options from the configured relying party: resident key required, attestation none, existing passkeys excluded', async () => {
    const device = authenticator();
    const userId = await register('opt.user', device);

    // A second enrolment of the same user (established by the trusted caller who names them).
    const started = await server.request('POST', '/v1/journeys/pk-register/start', { body: {}, token: APP_KEY });
    const asked = await submit(server, started.body, 'who', 'next', { username: 'opt.fresh' });
    const options = asked.body.step.data.options;
    expect(options).toMatchObject({
      rp: { id: RP_ID, name: 'Example' },
      user: { name: 'opt.fresh', displayName: 'opt.fresh' },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -257 }],
      excludeCredentials: [],
    });
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(asked.body.step.options.map((o: Doc) => o.id)).toEqual(['register', 'cancel']);

    // The user who already has one (named by a trusted caller): it is excluded, so the same
    // authenticator is not enrolled twice.
    const again = await server.request('POST', '/v1/journeys/pk-add/start', { body: { input: { userId } }, token: APP_KEY });
    expect(again.body.step.data.options.excludeCredentials).toEqual([{ id: device.id, type: 'public-key', transports: ['internal'] }]);
    expect(userId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('registers, then signs in without a username: the passkey names the user; amr hwk, a passkey token', async () => {
    const device = authenticator();
    const userId = await register('usernameless', device);
    const session = await startSignIn();
    expect(session.step.data.options).toMatchObject({ rpId: RP_ID, allowCredentials: [], userVerification: 'required' });
    const done = await answer(session, device.get(session.step.data.options));
    expect(done.body, JSON.stringify(done.body)).toMatchObject({ status: 'completed', result: { claims: { userId, amr: ['hwk'], method: 'passkey', tokenType: 'passkey' } } });

    const user = (await server.admin('GET', `/v1/admin/users/${userId}`)).body;
    expect(user.authenticators).toHaveLength(1);
    expect(user.authenticators[0]).toMatchObject({ type: 'passkey', name: 'Passkey', aaguid: '00000000-0000-0000-0000-000000000000', backedUp: false });
    expect(user.authenticators[0].lastUsedAt).toBe(server.clock.now().toISOString());
  });

  it('a synced (backup-eligible) passkey proves swk', async () => {
    const device = authenticator({ backupEligible: true });
    const userId = await register('synced', device);
    const session = await startSignIn();
    const done = await answer(session, device.get(session.step.data.options));
    expect(done.body.result.claims).toMatchObject({ userId, amr: ['swk'] });
    expect((await server.admin('GET', `/v1/admin/users/${userId}`)).body.authenticators[0]).toMatchObject({ backedUp: true });
  });

  it('with a username, allows only that user\'s passkeys', async () => {
    const mine = authenticator();
    const theirs = authenticator();
    const userId = await register('named.one', mine);
    await register('named.two', theirs);
    const started = await startSession(server, 'pk-signin-named');
    const asked = await submit(server, started.body, 'who', 'next', { username: 'named.one' });
    expect(asked.body.step.data.options.allowCredentials).toEqual([{ id: mine.id, type: 'public-key', transports: ['internal'] }]);
    // Another user's genuine passkey is not theirs.
    const refused = await answer(started.body, theirs.get(asked.body.step.data.options));
    expect(refused.body).toMatchObject({ status: 'waiting', step: { id: 'passkey' }, error: { code: 'unknown_credential' } });
    const next = refused.body.step.data.options;
    const done = await answer(started.body, mine.get(next));
    expect(done.body.result.claims).toMatchObject({ userId, amr: ['hwk'] });
  });

  it('a named user without passkeys, or no such user, gets the same decoy allow list: nothing tells them apart', async () => {
    await register('decoy.known', authenticator());
    const asked = async (username: string) => {
      const started = await startSession(server, 'pk-signin-named');
      return (await submit(server, started.body, 'who', 'next', { username })).body.step.data.options.allowCredentials;
    };
    const nobody = await asked('decoy.nobody');
    expect(nobody).toHaveLength(1);
    expect(nobody[0]).toMatchObject({ type: 'public-key', transports: ['internal'] });
    expect(nobody[0].id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await asked('decoy.nobody')).toEqual(nobody);
    expect(await asked('decoy.other')).not.toEqual(nobody);
    // A user with a passkey is asked for it, never the decoy.
    expect((await asked('decoy.known'))[0].id).not.toBe(nobody[0].id);
  });

  it('authenticator.check tells an established user with a passkey from one without', async () => {
    await server.publish({
      id: 'pk-has',
      name: 'pk-has',
      start: 'who',
      steps: {
        who: { type: 'user.identify', config: { userId: '{% $input.userId %}', mode: 'find' }, branches: { success: 'has' } },
        has: { type: 'authenticator.check', config: { kind: 'passkey' }, branches: { present: 'yes', absent: 'no' } },
        yes: { type: 'complete', config: { claims: { passkey: true } } },
        no: { type: 'complete', config: { claims: { passkey: false } } },
      },
    });
    const withPasskey = await register('has.passkey', authenticator());
    const without = (await server.engine.store.users.create({ id: 'no-passkey-user', username: 'no.passkey', attributes: {}, createdAt: server.clock.now().toISOString() })).id;
    const check = async (userId: string) =>
      (await server.request('POST', '/v1/journeys/pk-has/start', { body: { input: { userId } }, token: APP_KEY })).body.result.claims.passkey;
    expect(await check(withPasskey)).toBe(true);
    expect(await check(without)).toBe(false);
  });

  it('an admin deletes a passkey: it no longer signs in', async () => {
    const device = authenticator();
    const userId = await register('deleted', device);
    const [passkey] = (await server.admin('GET', `/v1/admin/users/${userId}`)).body.authenticators;
    expect((await server.admin('DELETE', `/v1/admin/users/${userId}/authenticators/${passkey.id}`)).status).toBe(204);
    expect((await server.admin('GET', `/v1/admin/users/${userId}`)).body.authenticators).toEqual([]);
    const session = await startSignIn();
    expect((await answer(session, device.get(session.step.data.options))).body).toMatchObject({ status: 'waiting', error: { code: 'unknown_credential' } });
  });

  it('refuses a wrong origin and a wrong RP id hash (invalid_credential), keeping the step with a new challenge', async () => {
    const device = authenticator();
    await register('edges', device);
    const session = await startSignIn();
    const first = session.step.data.options;
    const wrongOrigin = await answer(session, device.get(first, { origin: 'https://evil.example' }));
    expect(wrongOrigin.body).toMatchObject({ status: 'waiting', step: { id: 'passkey' }, error: { code: 'invalid_credential' } });
    const second = wrongOrigin.body.step.data.options;
    expect(second.challenge).not.toBe(first.challenge);
    const wrongRp = await answer(session, device.get(second, { rpId: 'evil.example' }));
    expect(wrongRp.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_credential' } });
  });

  it('a challenge is single use: an answer signed for a spent challenge is refused, in the same or another session', async () => {
    const device = authenticator();
    await register('replay', device);
    const session = await startSignIn();
    const options = session.step.data.options;
    const cancelled = await submit(server, session, 'passkey', 'cancel');
    expect(cancelled.body).toMatchObject({ status: 'waiting', error: { code: 'not_allowed' } });
    // Signed for the first challenge, which the cancel spent.
    const replayed = await answer(session, device.get(options));
    expect(replayed.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_credential' } });

    const good = device.get(replayed.body.step.data.options);
    expect((await answer(session, good)).body.status).toBe('completed');
    // The same answer in another session: its challenge is not that session's.
    const other = await startSignIn();
    const again = await answer(other, good);
    expect(again.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_credential' } });
  });

  it('refuses an answer without user verification when it is required, accepts it when preferred', async () => {
    const device = authenticator();
    await register('uv', device);
    const session = await startSignIn();
    const refused = await answer(session, device.get(session.step.data.options, { userVerified: false }));
    expect(refused.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_credential' } });
    const preferred = await startSignIn('pk-signin-preferred');
    expect((await answer(preferred, device.get(preferred.step.data.options, { userVerified: false }))).body.status).toBe('completed');

    // At registration too, when the step requires it.
    const started = await startSession(server, 'pk-register-uv');
    const asked = await submit(server, started.body, 'who', 'next', { username: 'uv.reg' });
    const unverified = await submit(server, started.body, 'enrol', 'register', { credential: authenticator().create(asked.body.step.data.options, { userVerified: false }) });
    expect(unverified.body).toMatchObject({ status: 'waiting', step: { id: 'enrol' }, error: { code: 'invalid_credential' } });
  });

  it('refuses registration answers for another origin or RP id', async () => {
    const started = await startSession(server, 'pk-register');
    const asked = await submit(server, started.body, 'who', 'next', { username: 'reg.edges' });
    const wrongOrigin = await submit(server, started.body, 'enrol', 'register', { credential: authenticator().create(asked.body.step.data.options, { origin: 'http://localhost:3000' }) });
    expect(wrongOrigin.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_credential' } });
    const wrongRp = await submit(server, started.body, 'enrol', 'register', { credential: authenticator().create(wrongOrigin.body.step.data.options, { rpId: 'other.test' }) });
    expect(wrongRp.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_credential' } });
    const users = (await server.admin('GET', '/v1/admin/users?username=reg.edges')).body;
    expect(users[0].authenticators).toEqual([]);
  });

  it('malformed answers are refused in place (200, the step waits), never a server error', async () => {
    // Failures from this address count towards its limit: a fresh window before and after.
    server.clock.advance(901);
    const device = authenticator();
    await register('malformed', device);
    const session = await startSignIn();
    const good = device.get(session.step.data.options);
    const shapes: unknown[] = [
      {},
      { id: 5 },
      { id: good.id, response: 'x' },
      { ...good, response: { ...good.response, signature: '!!!' } },
      { ...good, response: { ...good.response, authenticatorData: '' } },
      { ...good, response: { ...good.response, clientDataJSON: Buffer.from('not json').toString('base64url') } },
      { ...good, response: { ...good.response, userHandle: 12 } },
      { ...good, type: 'other' },
    ];
    for (const credential of shapes) {
      const refused = await answer(session, credential);
      expect(refused.status, JSON.stringify(credential)).toBe(200);
      expect(refused.body, JSON.stringify(credential)).toMatchObject({ status: 'waiting', step: { id: 'passkey' } });
      expect(['invalid_credential', 'unknown_credential']).toContain(refused.body.error.code);
    }
    // Registration too.
    const started = await startSession(server, 'pk-register');
    await submit(server, started.body, 'who', 'next', { username: 'malformed.reg' });
    for (const credential of [{}, { id: 'x', response: {} }, { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'AA' } }]) {
      const refused = await submit(server, started.body, 'enrol', 'register', { credential });
      expect(refused.body, JSON.stringify(credential)).toMatchObject({ status: 'waiting', step: { id: 'enrol' }, error: { code: 'invalid_credential' } });
    }
    server.clock.advance(901);
  });

  it('an unknown credential is refused unknown_credential', async () => {
    const stranger = authenticator();
    stranger.userHandle = Buffer.from('no-such-user').toString('base64url');
    const session = await startSignIn();
    const refused = await answer(session, stranger.get(session.step.data.options));
    expect(refused.body).toMatchObject({ status: 'waiting', error: { code: 'unknown_credential' } });
  });

  it('counters: 0 then 0 is legal; once above 0, a counter that does not increase is refused counter_mismatch', async () => {
    const noCounter = authenticator();
    await register('counter.zero', noCounter);
    for (let i = 0; i < 2; i++) {
      const session = await startSignIn();
      expect((await answer(session, noCounter.get(session.step.data.options))).body.status).toBe('completed');
    }

    const counting = authenticator({ startCount: 5 });
    const userId = await register('counter.five', counting);
    const session = await startSignIn();
    const ok = await answer(session, counting.get(session.step.data.options));
    expect(ok.body.result.claims.userId).toBe(userId);
    expect(counting.signCount).toBe(6);
    // A clone that stayed at 6 (or went back): refused.
    for (const stale of [6, 3, 0]) {
      const clone = await startSignIn();
      const refused = await answer(clone, counting.get(clone.step.data.options, { signCount: stale }));
      expect(refused.body, `count ${stale}`).toMatchObject({ status: 'waiting', error: { code: 'counter_mismatch' } });
    }
    const next = await startSignIn();
    expect((await answer(next, counting.get(next.step.data.options))).body.status).toBe('completed');
  });

  it('limits failed ceremonies per client address, not per credential: successes do not count', async () => {
    // A fresh window: the failures of the tests before (from the same address) are forgotten.
    server.clock.advance(901);
    const device = authenticator();
    await register('limited', device);
    // Two successes, then three failures fill the limit of 3 failures.
    for (let i = 0; i < 2; i++) {
      const session = await startSignIn('pk-signin-limited');
      expect((await answer(session, device.get(session.step.data.options))).body.status).toBe('completed');
    }
    const session = await startSignIn('pk-signin-limited');
    let options = session.step.data.options;
    for (let i = 0; i < 3; i++) {
      const refused = await answer(session, device.get(options, { origin: 'https://evil.example' }));
      expect(refused.body.error.code).toBe('invalid_credential');
      options = refused.body.step.data.options;
    }
    const limited = await answer(session, device.get(options));
    expect(limited.body).toMatchObject({ status: 'waiting', error: { code: 'rate_limited', message: expect.stringContaining('600 s'), retryAfter: 600 } });
    // The window passes: the same (genuine) passkey signs in.
    server.clock.advance(601);
    const later = await startSignIn('pk-signin-limited');
    expect((await answer(later, device.get(later.step.data.options))).body.status).toBe('completed');
  });

  it('registers only for an established user: a typed username alone is refused unauthenticated', async () => {
    const journey = {
      id: 'pk-register-unproved',
      name: 'unproved',
      start: 'who',
      settings: { public: true },
      steps: {
        who: usernameForm('identify'),
        identify: { type: 'user.identify', config: { username: '{% account.username %}', mode: 'find' }, branches: { success: 'enrol' } },
        enrol: { type: 'passkey.register', config: {}, errorOutputVariable: 'authError', branches: { success: 'done', skipped: 'failed', failure: 'failed' } },
        done: { type: 'complete', config: { claims: {} } },
        failed: rejectWithError,
      },
    };
    await server.publish(journey);
    await register('victim', authenticator());
    const started = await startSession(server, 'pk-register-unproved');
    const refused = await submit(server, started.body, 'who', 'next', { username: 'victim' });
    expect(refused.body).toMatchObject({ status: 'rejected', error: { code: 'unauthenticated' } });
  });
});
