/**
 * Shared helpers for the TOTP suites over HTTP: codes computed at the test clock, small journeys
 * built from the journey format, enrolment and sign-in round trips, and a log capture.
 */
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { ScureBase32Plugin, generate } from 'otplib';
import { pino, type Logger } from 'pino';
import { expect } from 'vitest';
import { startSession, submit, type TestClock, type TestServer } from '../helpers/test-server.js';
import { usernameForm, rejectWithError, loadSampleJourney } from '../helpers/journeys.js';
export { loadSampleJourney };

type Doc = Record<string, any>;

const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();

export const PERIOD = 30;

export interface CodeParams {
  algorithm?: 'sha1' | 'sha256' | 'sha512';
  digits?: 6 | 8;
  period?: number;
}

/** The code of `secret` at `date` (6 digits, SHA1, 30 s unless `params` say otherwise). */
export async function codeAt(secret: string, date: Date, params: CodeParams = {}): Promise<string> {
  return generate({ secret, epoch: Math.floor(date.getTime() / 1000), crypto, base32, ...params });
}

/** The code of the time step `offset` steps away from the clock's current one. */
export async function codeNow(secret: string, clock: TestClock, offset = 0): Promise<string> {
  return codeAt(secret, new Date(clock.now().getTime() + offset * PERIOD * 1000));
}

/** A well-formed 6-digit code that is none of the secret's codes from 4 steps before to 4 steps after now. */
export async function wrongCode(secret: string, clock: TestClock): Promise<string> {
  const near = new Set<string>();
  for (let offset = -4; offset <= 4; offset++) near.add(await codeNow(secret, clock, offset));
  for (let n = 123456; ; n = (n + 111_111) % 1_000_000) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}

export function decodeSecret(secret: string): Buffer {
  return Buffer.from(base32.decode(secret));
}



const claimsOfSuccess = {
  username: '{% $user.username %}',
  userId: '{% $user.id %}',
  n: '{% $count($userTokens()) %}',
  t: '{% $userTokens()[0].type %}',
  method: '{% $userTokens()[0].claims.method %}',
};


/** username form → user.identify (create) → totp.register with `register` → complete; failure → reject with the step's error. */
export function registerJourney(id: string, register: Doc = {}): Doc {
  return {
    id,
    name: `Register ${id}`,
    start: 'who',
    settings: { public: true },
    steps: {
      who: usernameForm('identify'),
      identify: { type: 'user.identify', config: { username: '{% account.username %}', create: true }, branches: { success: 'enrol' } },
      enrol: {
        type: 'totp.register',
        config: { issuer: 'Test Issuer', ...register },
        errorOutputVariable: 'authError',
        branches: { success: 'done', failure: 'failed' },
      },
      done: { type: 'complete', config: { claims: { username: '{% $user.username %}', enrolled: true } } },
      failed: rejectWithError,
    },
  };
}

/** A form collecting username and code, then totp.authenticate on both as expressions (plus `auth`), then complete or reject. */
export function authJourney(id: string, auth: Doc = {}): Doc {
  return {
    id,
    name: `Authenticate ${id}`,
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
                required: ['username', 'code'],
                properties: { username: { type: 'string', minLength: 1 }, code: { type: 'string', minLength: 1, writeOnly: true } },
              },
            },
          ],
        },
        branches: { go: 'auth' },
      },
      auth: {
        type: 'totp.authenticate',
        config: { username: '{% creds.username %}', code: '{% creds.code %}', ...auth },
        errorOutputVariable: 'authError',
        branches: { success: 'done', failure: 'no' },
      },
      done: { type: 'complete', config: { claims: claimsOfSuccess } },
      no: rejectWithError,
    },
  };
}

/** A username form then totp.authenticate without config.code: the step asks option `verify` itself. */
export function verifyJourney(id: string, auth: Doc = {}): Doc {
  return {
    id,
    name: `Verify ${id}`,
    start: 'who',
    settings: { public: true },
    steps: {
      who: usernameForm('auth'),
      auth: {
        type: 'totp.authenticate',
        config: { username: '{% account.username %}', ...auth },
        errorOutputVariable: 'authError',
        branches: { success: 'done', failure: 'no' },
      },
      done: { type: 'complete', config: { claims: claimsOfSuccess } },
      no: rejectWithError,
    },
  };
}

/** Registers (confirm) and authenticates in the same session (the step asks `verify`). */
export function enrolThenAuthJourney(id: string, auth: Doc = {}): Doc {
  return {
    id,
    name: `Enrol then authenticate ${id}`,
    start: 'who',
    settings: { public: true },
    steps: {
      who: usernameForm('identify'),
      identify: { type: 'user.identify', config: { username: '{% account.username %}', create: true }, branches: { success: 'enrol' } },
      enrol: { type: 'totp.register', config: { issuer: 'Test Issuer', recoveryCodes: 0 }, branches: { success: 'auth' } },
      auth: { type: 'totp.authenticate', config: { ...auth }, errorOutputVariable: 'authError', branches: { success: 'done', failure: 'no' } },
      done: { type: 'complete', config: { claims: claimsOfSuccess } },
      no: rejectWithError,
    },
  };
}

/** The enrolment journey `enrolUser` runs: confirm false, so the app is registered at once (no code spent). */
export const QUICK_ENROL_ID = 'quick-enrol';
export const quickEnrolJourney = (): Doc => registerJourney(QUICK_ENROL_ID, { confirm: false });

export interface Enrolled {
  userId: string;
  username: string;
  secret: string;
  recoveryCodes: string[];
  authenticatorId: string;
}

/** Registers an authenticator app for a new user through `quick-enrol` (must be published). */
export async function enrolUser(server: TestServer, username: string): Promise<Enrolled> {
  const started = await startSession(server, QUICK_ENROL_ID);
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const shown = await submit(server, started.body, 'who', 'next', { username });
  expect(shown.body.status, JSON.stringify(shown.body)).toBe('waiting');
  expect(shown.body.step.id).toBe('enrol');
  const { secret, recoveryCodes } = shown.body.step.data as { secret: string; recoveryCodes?: string[] };
  const done = await submit(server, shown.body, 'enrol', 'continue');
  expect(done.body.status, JSON.stringify(done.body)).toBe('completed');
  const user = await findUser(server, username);
  expect(user.authenticators).toHaveLength(1);
  return { userId: user.id, username, secret, recoveryCodes: recoveryCodes ?? [], authenticatorId: user.authenticators[0].id };
}

export async function findUser(server: TestServer, username: string): Promise<Doc> {
  const listed = await server.admin('GET', `/v1/admin/users?username=${encodeURIComponent(username)}`);
  expect(listed.status).toBe(200);
  expect(listed.body, `user ${username}`).toHaveLength(1);
  return listed.body[0];
}

export async function getUser(server: TestServer, userId: string): Promise<Doc> {
  const got = await server.admin('GET', `/v1/admin/users/${userId}`);
  expect(got.status, JSON.stringify(got.body)).toBe(200);
  return got.body;
}

/** Starts a session of an `authJourney` (waiting at the form). */
export async function startLogin(server: TestServer, journeyId: string): Promise<{ sessionId: string; sessionToken: string }> {
  const started = await startSession(server, journeyId);
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  expect(started.body.step.id).toBe('login');
  return started.body;
}

/** Answers the form of an `authJourney` session: the final step response. */
export async function submitLogin(server: TestServer, session: { sessionId: string; sessionToken: string }, username: string, code: string): Promise<Doc> {
  const answered = await submit(server, session, 'login', 'go', { username, code });
  expect(answered.status, JSON.stringify(answered.body)).toBe(200);
  return answered.body;
}

/** One whole sign-in through an `authJourney`: the final step response. */
export async function login(server: TestServer, journeyId: string, username: string, code: string): Promise<Doc> {
  return submitLogin(server, await startLogin(server, journeyId), username, code);
}

/** A pino logger at trace level whose JSON lines are kept in memory. */
export function captureLogs(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, text: () => lines.join('') };
}

/** A 6-digit code appears in `text` as a number of its own (not inside a longer run of digits). */
export function containsCode(text: string, code: string): boolean {
  return new RegExp(`(?<![0-9])${code}(?![0-9])`).test(text);
}
