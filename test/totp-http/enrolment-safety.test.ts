/**
 * Enrolment safety over HTTP: a new authenticator app only for the user this session established
 * (attack 2: attaching your app to someone else's account), and "already registered" decided again,
 * atomically, when an enrolment is confirmed (attack 3: a pending enrolment confirmed after the
 * owner's own, which replaced the owner's recovery codes). Both for totp.register and for the
 * challenge step's enrolment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { authJourney, codeNow, findUser, getUser, login } from './totp-helpers.js';

type Doc = Record<string, any>;

let server: TestServer;

const rejectWithError = { type: 'reject', config: { code: '{% authError.code %}', message: '{% authError.message %}' } };
const usernameForm = (next: string) => ({
  type: 'form',
  config: {
    outputVariable: 'account',
    options: [{ id: 'next', schema: { type: 'object', required: ['username'], properties: { username: { type: 'string', minLength: 1 } } } }],
  },
  branches: { next },
});

/** Public: a typed username, identified with `identify` (no factor), then totp.register. */
function typedUsernameRegister(id: string, identify: Doc, register: Doc = {}): Doc {
  return {
    id,
    start: 'who',
    settings: { public: true },
    steps: {
      who: usernameForm('identify'),
      identify: { type: 'user.identify', config: { username: '{% account.username %}', ...identify }, branches: { success: 'enrol' } },
      enrol: { type: 'totp.register', config: { issuer: 'Test', ...register }, errorOutputVariable: 'authError', branches: { success: 'done', failure: 'failed' } },
      done: { type: 'complete', config: { claims: { enrolled: true } } },
      failed: rejectWithError,
    },
  };
}

/** Public sign-up: a new user (mode create, established), then `next` (totp.register by default). */
function signUp(id: string, register: Doc | null = {}): Doc {
  return {
    id,
    start: 'who',
    settings: { public: true },
    steps: {
      who: usernameForm('identify'),
      identify: {
        type: 'user.identify',
        config: { username: '{% account.username %}', mode: 'create', attributes: { email: '{% account.username & "@example.test" %}' } },
        errorOutputVariable: 'authError',
        branches: { success: register ? 'enrol' : 'done', failure: 'failed' },
      },
      ...(register
        ? { enrol: { type: 'totp.register', config: { issuer: 'Test', ...register }, errorOutputVariable: 'authError', branches: { success: 'done', failure: 'failed' } } }
        : {}),
      done: { type: 'complete', config: { claims: { userId: '{% $user.id %}' } } },
      failed: rejectWithError,
    },
  };
}

/** Not public: an app names the user at start (established by the caller's word), then totp.register. */
function appRegister(id: string, register: Doc = {}): Doc {
  return {
    id,
    start: 'identify',
    steps: {
      identify: { type: 'user.identify', config: { userId: '{% $input.userId %}' }, branches: { success: 'enrol' } },
      enrol: { type: 'totp.register', config: { issuer: 'Test', ...register }, errorOutputVariable: 'authError', branches: { success: 'done', failure: 'failed' } },
      done: { type: 'complete', config: { claims: { enrolled: true } } },
      failed: rejectWithError,
    },
  };
}

/** Not public: an app names the user at start, then the challenge step. */
function appChallenge(id: string): Doc {
  return {
    id,
    start: 'identify',
    steps: {
      identify: { type: 'user.identify', config: { userId: '{% $input.userId %}' }, branches: { success: 'mfa' } },
      mfa: { type: 'challenge', config: { methods: ['AUTHENTICATOR_APP', 'EMAIL_OTP'] }, errorOutputVariable: 'authError', branches: { success: 'done', failure: 'failed' } },
      done: { type: 'complete', config: { claims: { method: '{% challenge.verificationMethod %}', enrolled: '{% challenge.enrolled %}' } } },
      failed: rejectWithError,
    },
  };
}

/** Public: a typed username (mode find), then the challenge step. */
function typedUsernameChallenge(id: string): Doc {
  return {
    id,
    start: 'who',
    settings: { public: true },
    steps: {
      who: usernameForm('identify'),
      identify: { type: 'user.identify', config: { username: '{% account.username %}', mode: 'find' }, branches: { success: 'mfa' } },
      mfa: { type: 'challenge', config: { methods: ['AUTHENTICATOR_APP', 'EMAIL_OTP'] }, errorOutputVariable: 'authError', branches: { success: 'done', failure: 'failed' } },
      done: { type: 'complete', config: { claims: { method: '{% challenge.verificationMethod %}' } } },
      failed: rejectWithError,
    },
  };
}

beforeAll(async () => {
  server = await startTestServer();
  await server.publish(signUp('signup', null));
  await server.publish(signUp('signup-enrol'));
  await server.publish(typedUsernameRegister('typed-find', { mode: 'find' }));
  await server.publish(typedUsernameRegister('typed-find-replace', { mode: 'find' }, { replaceExisting: true }));
  await server.publish(typedUsernameRegister('typed-legacy', { create: true }));
  await server.publish(typedUsernameRegister('typed-find-or-create', { mode: 'find-or-create' }));
  await server.publish(signUp('signup-enrol-other', { username: '{% account.other %}' }));
  await server.publish(appRegister('app-enrol'));
  await server.publish(appRegister('app-enrol-quick', { confirm: false }));
  await server.publish(appRegister('app-enrol-replace', { replaceExisting: true }));
  await server.publish(appChallenge('app-challenge'));
  await server.publish(typedUsernameChallenge('typed-challenge'));
  await server.publish(authJourney('auth-rc', { allowRecoveryCodes: true }));
});

afterAll(() => server.close({ remove: true }));

/** A new user through the public sign-up (no authenticator): their id. */
async function newUser(username: string): Promise<string> {
  const started = await startSession(server, 'signup');
  const done = await submit(server, started.body, 'who', 'next', { username });
  expect(done.body, JSON.stringify(done.body)).toMatchObject({ status: 'completed' });
  return done.body.result.claims.userId as string;
}

async function startTyped(journeyId: string, username: string): Promise<any> {
  const started = await startSession(server, journeyId);
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const answered = await submit(server, started.body, 'who', 'next', { username });
  expect(answered.status, JSON.stringify(answered.body)).toBe(200);
  return answered.body;
}

/** An app-started session for `userId`, waiting at its first interactive step. */
async function startForApp(journeyId: string, userId: string): Promise<any> {
  const started = await startSession(server, journeyId, { input: { userId } }, APP_KEY);
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  return started.body;
}

describe('totp.register needs the established user (attack 2)', () => {
  it.each([
    ['mode find', 'typed-find'],
    ['mode find with replaceExisting', 'typed-find-replace'],
    ['the deprecated create: true', 'typed-legacy'],
    ['mode find-or-create', 'typed-find-or-create'],
  ])('a typed username of an existing user without an app (%s) fails unauthenticated and attaches nothing', async (_name, journeyId) => {
    const username = `victim.${journeyId}`;
    const userId = await newUser(username);
    const attempt = await startTyped(journeyId, username);
    expect(attempt).toMatchObject({ status: 'rejected', step: null, error: { code: 'unauthenticated' } });
    expect((await getUser(server, userId)).authenticators).toEqual([]);
  });

  it('the same journey enrols a user it created itself (find-or-create of a new username)', async () => {
    const shown = await startTyped('typed-find-or-create', 'fresh.findorcreate');
    expect(shown).toMatchObject({ status: 'waiting', step: { id: 'enrol', type: 'totp.register' } });
    const done = await submit(server, shown, 'enrol', 'confirm', { code: await codeNow(shown.step.data.secret, server.clock) });
    expect(done.body).toMatchObject({ status: 'completed' });
    expect((await findUser(server, 'fresh.findorcreate')).authenticators).toEqual([expect.objectContaining({ type: 'totp', confirmedAt: expect.any(String) })]);
  });

  it('config.username may only name the established user: another user fails unauthenticated, for neither of them is anything stored', async () => {
    const victimId = await newUser('victim.named');
    const started = await startSession(server, 'signup-enrol-other');
    const attempt = await submit(server, started.body, 'who', 'next', { username: 'attacker.named', other: 'victim.named' });
    expect(attempt.body).toMatchObject({ status: 'rejected', error: { code: 'unauthenticated' } });
    expect((await getUser(server, victimId)).authenticators).toEqual([]);
    expect((await findUser(server, 'attacker.named')).authenticators).toEqual([]);

    // Naming themselves is fine.
    const self = await startSession(server, 'signup-enrol-other');
    const shown = await submit(server, self.body, 'who', 'next', { username: 'self.named', other: 'SELF.named' });
    expect(shown.body).toMatchObject({ status: 'waiting', step: { id: 'enrol' } });
  });
});

describe('a pending totp.register enrolment confirmed after another (attack 3)', () => {
  it('the later confirm fails already_registered: one app stays, the winner’s, and its recovery codes', async () => {
    const userId = await newUser('race.totp');
    // The attacker's enrolment starts first, then the owner's; the owner confirms first.
    const attacker = await startForApp('app-enrol', userId);
    const owner = await startForApp('app-enrol', userId);
    for (const s of [attacker, owner]) expect(s).toMatchObject({ status: 'waiting', step: { id: 'enrol' } });
    const attackerData = attacker.step.data as { secret: string; recoveryCodes: string[] };
    const ownerData = owner.step.data as { secret: string; recoveryCodes: string[] };
    expect(attackerData.recoveryCodes).toHaveLength(10);
    expect((await getUser(server, userId)).authenticators).toHaveLength(2);

    const confirmed = await submit(server, owner, 'enrol', 'confirm', { code: await codeNow(ownerData.secret, server.clock) });
    expect(confirmed.body).toMatchObject({ status: 'completed', result: { claims: { enrolled: true } } });
    const afterOwner = (await getUser(server, userId)).authenticators as Doc[];
    expect(afterOwner).toEqual([expect.objectContaining({ type: 'totp', confirmedAt: expect.any(String) })]);
    const ownerAppId = afterOwner[0].id;

    const late = await submit(server, attacker, 'enrol', 'confirm', { code: await codeNow(attackerData.secret, server.clock) });
    expect(late.body).toMatchObject({ status: 'rejected', error: { code: 'already_registered' } });
    expect((await getUser(server, userId)).authenticators.map((a: Doc) => [a.id, a.confirmedAt !== null])).toEqual([[ownerAppId, true]]);

    // The attacker's codes and app sign nobody in; the owner's recovery code and app do.
    expect(await login(server, 'auth-rc', 'race.totp', attackerData.recoveryCodes[0])).toMatchObject({ status: 'rejected', error: { code: 'invalid_code' } });
    expect(await login(server, 'auth-rc', 'race.totp', ownerData.recoveryCodes[0])).toMatchObject({ status: 'completed' });
    server.clock.advance(30);
    expect(await login(server, 'auth-rc', 'race.totp', await codeNow(attackerData.secret, server.clock))).toMatchObject({ status: 'rejected' });
    expect(await login(server, 'auth-rc', 'race.totp', await codeNow(ownerData.secret, server.clock))).toMatchObject({ status: 'completed' });
  });

  it('an app registered at once (confirm false) wins the same way over a pending enrolment', async () => {
    const userId = await newUser('race.quick');
    const pending = await startForApp('app-enrol', userId);
    const quick = await startForApp('app-enrol-quick', userId);
    expect(quick).toMatchObject({ status: 'waiting', step: { id: 'enrol' } });
    expect(await submit(server, quick, 'enrol', 'continue').then((r) => r.body.status)).toBe('completed');
    const late = await submit(server, pending, 'enrol', 'confirm', { code: await codeNow(pending.step.data.secret, server.clock) });
    expect(late.body).toMatchObject({ status: 'rejected', error: { code: 'already_registered' } });
    const apps = (await getUser(server, userId)).authenticators as Doc[];
    expect(apps).toHaveLength(1);
    expect(apps[0].confirmedAt).not.toBeNull();
  });

  it('replaceExisting: the established owner replaces their app and its recovery codes; a confirm elsewhere meanwhile cancels the replacement', async () => {
    const userId = await newUser('race.replace');
    const first = await startForApp('app-enrol', userId);
    expect((await submit(server, first, 'enrol', 'confirm', { code: await codeNow(first.step.data.secret, server.clock) })).body.status).toBe('completed');
    const firstAppId = (await getUser(server, userId)).authenticators[0].id as string;

    // Started while the first app is confirmed, confirmed: the first app and its codes are gone.
    const replacing = await startForApp('app-enrol-replace', userId);
    const done = await submit(server, replacing, 'enrol', 'confirm', { code: await codeNow(replacing.step.data.secret, server.clock) });
    expect(done.body).toMatchObject({ status: 'completed' });
    const apps = (await getUser(server, userId)).authenticators as Doc[];
    expect(apps).toEqual([expect.objectContaining({ type: 'totp', confirmedAt: expect.any(String) })]);
    expect(apps[0].id).not.toBe(firstAppId);
    expect(await login(server, 'auth-rc', 'race.replace', first.step.data.recoveryCodes[0])).toMatchObject({ status: 'rejected' });
    expect(await login(server, 'auth-rc', 'race.replace', replacing.step.data.recoveryCodes[0])).toMatchObject({ status: 'completed' });

    // A replacement pending while another session confirms a new app (with replaceExisting too) is
    // cancelled by that confirm: it fails and changes nothing.
    const slow = await startForApp('app-enrol-replace', userId);
    const fast = await startForApp('app-enrol-replace', userId);
    expect((await submit(server, fast, 'enrol', 'confirm', { code: await codeNow(fast.step.data.secret, server.clock) })).body.status).toBe('completed');
    const fastApps = (await getUser(server, userId)).authenticators as Doc[];
    expect(fastApps).toHaveLength(1);
    const cancelled = await submit(server, slow, 'enrol', 'confirm', { code: await codeNow(slow.step.data.secret, server.clock) });
    expect(cancelled.body).toMatchObject({ status: 'rejected', error: { code: 'registration_expired' } });
    expect((await getUser(server, userId)).authenticators).toEqual(fastApps);
    expect(await login(server, 'auth-rc', 'race.replace', slow.step.data.recoveryCodes[0])).toMatchObject({ status: 'rejected' });
    expect(await login(server, 'auth-rc', 'race.replace', fast.step.data.recoveryCodes[0])).toMatchObject({ status: 'completed' });
  });
});

describe('challenge enrolment', () => {
  it('is not offered to a user identified by a typed username, and cannot be forced', async () => {
    const userId = await newUser('victim.challenge');
    const shown = await startTyped('typed-challenge', 'victim.challenge');
    expect(shown).toMatchObject({ status: 'waiting', step: { id: 'mfa', type: 'challenge' } });
    expect(shown.step.options.map((o: Doc) => o.id)).toEqual(['send-email']);
    expect(shown.step.data.methods).toEqual(['EMAIL_OTP']);
    const forced = await submit(server, shown, 'mfa', 'enroll-totp');
    expect(forced.status).toBe(422);
    expect((await getUser(server, userId)).authenticators).toEqual([]);
  });

  it('a pending enrolment confirmed after another fails already_registered; the first app stays the only one', async () => {
    const userId = await newUser('race.challenge');
    const first = await startForApp('app-challenge', userId);
    const second = await startForApp('app-challenge', userId);
    for (const s of [first, second]) expect(s.step.options.map((o: Doc) => o.id)).toContain('enroll-totp');
    const firstEnrol = await submit(server, first, 'mfa', 'enroll-totp');
    const secondEnrol = await submit(server, second, 'mfa', 'enroll-totp');
    const firstSecret = firstEnrol.body.step.data.secret as string;
    const secondSecret = secondEnrol.body.step.data.secret as string;
    expect(firstSecret).not.toBe(secondSecret);

    const won = await submit(server, second, 'mfa', 'verify-totp', { code: await codeNow(secondSecret, server.clock) });
    expect(won.body).toMatchObject({ status: 'completed', result: { claims: { method: 'AUTHENTICATOR_APP', enrolled: true } } });
    const apps = (await getUser(server, userId)).authenticators as Doc[];
    expect(apps).toEqual([expect.objectContaining({ type: 'totp', confirmedAt: expect.any(String) })]);

    const lost = await submit(server, first, 'mfa', 'verify-totp', { code: await codeNow(firstSecret, server.clock) });
    expect(lost.body).toMatchObject({ status: 'rejected', error: { code: 'already_registered' } });
    expect((await getUser(server, userId)).authenticators.map((a: Doc) => a.id)).toEqual([apps[0].id]);

    // The winner's app passes a later challenge; the loser's does not.
    server.clock.advance(30);
    const later = await startForApp('app-challenge', userId);
    expect(later.step.options.map((o: Doc) => o.id)).not.toContain('enroll-totp');
    const refused = await submit(server, later, 'mfa', 'verify-totp', { code: await codeNow(firstSecret, server.clock) });
    expect(refused.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
    const passed = await submit(server, later, 'mfa', 'verify-totp', { code: await codeNow(secondSecret, server.clock) });
    expect(passed.body).toMatchObject({ status: 'completed', result: { claims: { method: 'AUTHENTICATOR_APP', enrolled: false } } });
  });
});
