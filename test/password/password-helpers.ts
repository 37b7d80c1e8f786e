/**
 * Shared helpers for the password suites over HTTP: small journeys built from the journey format,
 * sign-up / sign-in round trips, users seeded straight into the store (with a hash of any
 * parameters), and reading token claims.
 */
import { expect } from 'vitest';
import type { StepServices } from '../../engine/steps/step-types.js';
import { hashPassword, replacePassword, type HashParams } from '../../steps/password-common/hashing.js';
import { normalisePassword } from '../../steps/password-common/policy.js';
import { startSession, submit, type TestServer } from '../helpers/test-server.js';
import { usernameForm, rejectWithError } from '../helpers/journeys.js';

type Doc = Record<string, any>;


/** What a completed session says about its user and how they were authenticated. */
const claimsOfSuccess = {
  username: '{% $user.username %}',
  userId: '{% $user.id %}',
  amr: '{% $auth.amr %}',
  tokenTypes: '{% $userTokens().type %}',
};


/** username form → user.identify (mode create: established) → password.set (asks `set`) → complete; failure → reject with the error. */
export function signUpJourney(id: string, set: Doc = {}): Doc {
  return {
    id,
    name: `Sign up ${id}`,
    start: 'who',
    settings: { public: true },
    steps: {
      who: usernameForm('identify'),
      identify: { type: 'user.identify', config: { username: '{% account.username %}', mode: 'create' }, branches: { success: 'set' } },
      set: { type: 'password.set', config: set, errorOutputVariable: 'authError', branches: { success: 'done', failure: 'failed' } },
      done: { type: 'complete', config: { claims: claimsOfSuccess } },
      failed: rejectWithError,
    },
  };
}

/** username form → user.identify (mode find: identified, nothing proved) → password.set → complete; failure → reject. */
export function unprovedSetJourney(id: string): Doc {
  const journey = signUpJourney(id);
  journey.steps.identify.config = { username: '{% account.username %}', mode: 'find' };
  return journey;
}

/** username form → password.authenticate (asks `verify`, plus `auth`) → complete; failure → reject with the error. */
export function signInJourney(id: string, auth: Doc = {}): Doc {
  return {
    id,
    name: `Sign in ${id}`,
    start: 'who',
    settings: { public: true },
    steps: {
      who: usernameForm('auth'),
      auth: {
        type: 'password.authenticate',
        config: { username: '{% account.username %}', ...auth },
        errorOutputVariable: 'authError',
        branches: { success: 'done', failure: 'no' },
      },
      done: { type: 'complete', config: { claims: claimsOfSuccess } },
      no: rejectWithError,
    },
  };
}

/** One form with username and password (writeOnly), then password.authenticate on both as expressions. */
export function formSignInJourney(id: string, auth: Doc = {}): Doc {
  return {
    id,
    name: `Form sign in ${id}`,
    start: 'login',
    settings: { public: true },
    steps: {
      login: {
        type: 'form',
        config: {
          outputVariable: 'creds',
          options: [
            {
              id: 'go',
              label: 'Sign in',
              schema: {
                type: 'object',
                required: ['username', 'password'],
                properties: { username: { type: 'string', minLength: 1 }, password: { type: 'string', minLength: 1, format: 'password', writeOnly: true } },
              },
            },
          ],
        },
        branches: { go: 'auth' },
      },
      auth: {
        type: 'password.authenticate',
        config: { username: '{% creds.username %}', password: '{% creds.password %}', ...auth },
        errorOutputVariable: 'authError',
        branches: { success: 'done', failure: 'no' },
      },
      done: { type: 'complete', config: { claims: claimsOfSuccess } },
      no: rejectWithError,
    },
  };
}

/** password.set first (for a session started with a user by a trusted caller) → complete. */
export function setOnlyJourney(id: string): Doc {
  return {
    id,
    name: `Set only ${id}`,
    start: 'set',
    steps: {
      set: { type: 'password.set', errorOutputVariable: 'authError', branches: { success: 'done', failure: 'no' } },
      done: { type: 'complete', config: { claims: claimsOfSuccess } },
      no: rejectWithError,
    },
  };
}

/** Sign in with the password, then choose a new one (password change) → complete. */
export function changePasswordJourney(id: string): Doc {
  return {
    id,
    name: `Change password ${id}`,
    start: 'who',
    settings: { public: true },
    steps: {
      who: usernameForm('auth'),
      auth: { type: 'password.authenticate', config: { username: '{% account.username %}' }, errorOutputVariable: 'authError', branches: { success: 'set', failure: 'no' } },
      set: { type: 'password.set', errorOutputVariable: 'authError', branches: { success: 'done', failure: 'no' } },
      done: { type: 'complete', config: { claims: claimsOfSuccess } },
      no: rejectWithError,
    },
  };
}

export type Session = { sessionId: string; sessionToken: string };

/** Starts a session of a journey beginning with the username form, and answers it: the response after. */
export async function afterUsername(server: TestServer, journeyId: string, username: string): Promise<Doc & Session> {
  const started = await startSession(server, journeyId);
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const answered = await submit(server, started.body, 'who', 'next', { username });
  expect(answered.status, JSON.stringify(answered.body)).toBe(200);
  return answered.body;
}

/** Signs up through a signUpJourney: the final response. */
export async function signUp(server: TestServer, journeyId: string, username: string, password: string): Promise<Doc> {
  const asked = await afterUsername(server, journeyId, username);
  expect(asked, JSON.stringify(asked)).toMatchObject({ status: 'waiting', step: { id: 'set' } });
  const done = await submit(server, asked, 'set', 'set', { password });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return done.body;
}

/** Signs in through a signInJourney (one password try): the final response. */
export async function signIn(server: TestServer, journeyId: string, username: string, password: string): Promise<Doc> {
  const asked = await afterUsername(server, journeyId, username);
  expect(asked, JSON.stringify(asked)).toMatchObject({ status: 'waiting', step: { id: 'auth' } });
  const done = await submit(server, asked, 'auth', 'verify', { password });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return done.body;
}

/** Signs in through a formSignInJourney: the final response. */
export async function formSignIn(server: TestServer, journeyId: string, username: string, password: string): Promise<Doc> {
  const started = await startSession(server, journeyId);
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const done = await submit(server, started.body, 'login', 'go', { username, password });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return done.body;
}

export function services(server: TestServer): StepServices {
  return server.engine.runtime.options.services;
}

/**
 * A user straight in the store, with a password when given (hashed with `params`, default the
 * current ones). Answers the user id.
 */
export async function seedUser(server: TestServer, username: string, password?: string, params: Partial<HashParams> = {}): Promise<string> {
  const { users, credentials } = services(server);
  const user = await users.create({ username });
  if (password !== undefined) {
    await replacePassword(credentials, user.id, await hashPassword(normalisePassword(password), params), server.clock.now().toISOString());
  }
  return user.id;
}

/** The user's password authenticators with their PHC strings (unsealed). */
export async function passwordHashes(server: TestServer, userId: string): Promise<Array<{ id: string; phc: string }>> {
  const { credentials } = services(server);
  const all = await credentials.authenticators.listByUser(userId);
  return all.filter((a) => a.type === 'password').map((a) => ({ id: a.id, phc: credentials.unseal(a.sealedSecret!, `authenticator:${a.id}`) }));
}

/** The payload of a JWT (not verified: the engine's own tests cover signatures). */
export function jwtClaims(token: string): Doc {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Doc;
}
