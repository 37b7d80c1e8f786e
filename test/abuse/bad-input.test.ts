/**
 * Abuse: a generated corpus of bad input (corpus.ts) sent to every endpoint of the HTTP API over
 * real loopback HTTP, byte for byte (raw-http.ts). Every case must be refused with a documented
 * 4xx and the documented error body (or, for the few read-only requests that legitimately answer
 * 200, with the documented answer), never a 5xx, a stack trace, a file path or HTML, and must
 * leave the stored state exactly as it was: the SQLite file is dumped row by row (read-only,
 * through its own connection) before and after each case and around the whole corpus, and the
 * sessions a case targets must answer GET identically with the same stored revision.
 *
 * Then: deep input just inside what the parser accepts, template strings and odd unicode in user
 * input (stored and echoed as plain strings, never evaluated), Object.prototype untouched (the
 * server runs in this process), and a normal journey still completes.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameFormJourney } from '../helpers/journeys.js';
import { ADMIN_KEY, APP_KEY, startTestServer, TestClock, type TestServer } from '../helpers/test-server.js';
import { DOCUMENTED, ENDPOINTS, generateCorpus, type AbuseCase, type Expectation, type Fixture, type SessionRef } from './corpus.js';
import { DbSnapshotter, diffSnapshots, type DbSnapshot } from './db-snapshot.js';
import { rawRequest, type RawRequest, type RawResponse } from './raw-http.js';

const corpus = generateCorpus();

// ---------------------------------------------------------------------------------------------
// Journeys
// ---------------------------------------------------------------------------------------------

type Doc = Record<string, any>;

/** ask (form: go | cancel) → shown (display) → done (complete); cancel → no (reject). */
function formJourney(id: string, settings: Doc = { public: true }): Doc {
  return nameFormJourney(id, `Abuse: ${id}`, settings);
}

function inputJourney(id: string): Doc {
  return {
    id,
    name: `Abuse: ${id}`,
    start: 'show',
    input: {
      type: 'object',
      required: ['email'],
      additionalProperties: false,
      properties: { email: { type: 'string', minLength: 3, pattern: '@' } },
    },
    settings: { public: true },
    steps: {
      show: { type: 'display', config: { title: 'Input accepted' }, branches: { next: 'done' } },
      done: { type: 'complete', config: { claims: { email: '{% $input.email %}' } } },
    },
  };
}

/** Echoes what the client sent into the claims: the submitted data, one value of it, and one input value. */
const echoJourney: Doc = {
  id: 'abuse-echo',
  name: 'Abuse: echo',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: {
      type: 'form',
      config: { outputVariable: 'answer', options: [{ id: 'go', label: 'Go', schema: { type: 'object' } }, { id: 'cancel' }] },
      branches: { go: 'done', cancel: 'no' },
    },
    done: { type: 'complete', config: { claims: { echo: '{% answer.value %}', all: '{% answer %}', input: '{% $input.value %}' } } },
    no: { type: 'reject', config: { code: 'cancelled', message: 'Cancelled' } },
  },
};

/** A branch to a step that does not exist: a draft with errors. */
const brokenJourney: Doc = {
  id: 'abuse-broken',
  name: 'Abuse: broken',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: { type: 'form', config: { outputVariable: 'x', options: [{ id: 'go', label: 'Go' }] }, branches: { go: 'nowhere' } },
    done: { type: 'complete', config: { claims: {} } },
  },
};

function registerJourney(): Doc {
  const document = JSON.parse(readFileSync(new URL('../../journeys/register-totp.json', import.meta.url), 'utf8')) as Doc;
  delete document.$schema;
  return { ...document, id: 'abuse-register' };
}

/**
 * register-totp only enrols an app for a user who proves their password, so the users are made
 * first: who (form: any username) → create (user.identify, mode create) → password (password.set,
 * asked from the client) → done. Unlike the sample sign-up, the username is not restricted to a
 * pattern, so that odd usernames (template strings) can be made too.
 */
const signUpJourney: Doc = {
  id: 'abuse-signup',
  name: 'Abuse: sign up',
  start: 'who',
  settings: { public: true },
  steps: {
    who: {
      type: 'form',
      config: {
        outputVariable: 'signup',
        options: [
          {
            id: 'next',
            label: 'Continue',
            schema: { type: 'object', required: ['username'], properties: { username: { type: 'string', minLength: 1, maxLength: 256 } } },
          },
        ],
      },
      branches: { next: 'create' },
    },
    create: {
      type: 'user.identify',
      config: { username: '{% signup.username %}', mode: 'create' },
      errorOutputVariable: 'signupError',
      branches: { success: 'password', failure: 'failed' },
    },
    password: { type: 'password.set', errorOutputVariable: 'signupError', branches: { success: 'done', failure: 'failed' } },
    done: { type: 'complete', config: { claims: { username: '{% $user.username %}' } } },
    failed: { type: 'reject', config: { code: '{% signupError.code %}', message: '{% signupError.message %}' } },
  },
};

/** 15+ characters, not a common password, and containing none of the usernames used here. */
const PASSWORD = 'seven violet kites over the harbour';

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

const STACK_OR_PATH = [
  /"stack"/,
  /\\n\s+at /,
  /\bat [\w.<>$]+ \(/,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /node_modules|node:internal/,
  /(?:^|["\s(])\/(?:work|home|usr|tmp|var|opt|root|app)\//,
  /[A-Z]:\\\\/,
  /SqliteError|RangeError|TypeError|SyntaxError: Unexpected/,
];

/** Never a 5xx, never HTML, never a stack trace or a file path. */
function assertClean(res: RawResponse, context: string): void {
  expect(res.status, `5xx: ${context}`).toBeLessThan(500);
  expect(res.headers['content-type'] ?? '', `HTML: ${context}`).not.toMatch(/html/i);
  expect(res.text, `HTML: ${context}`).not.toMatch(/<(?:!doctype|html|body|pre)\b/i);
  for (const pattern of STACK_OR_PATH) expect(res.text, `stack trace or path (${pattern}): ${context}`).not.toMatch(pattern);
}

/** The documented error body, with a code that belongs to the status. */
function assertErrorBody(res: RawResponse, context: string): void {
  expect(res.headers['content-type'] ?? '', context).toMatch(/^application\/json/);
  const body = res.json;
  expect(body !== null && typeof body === 'object' && !Array.isArray(body), context).toBe(true);
  expect(Object.keys(body), context).toEqual(['error']);
  const error = body.error;
  expect(typeof error?.code, context).toBe('string');
  expect(typeof error.message, context).toBe('string');
  expect(error.message.length, context).toBeGreaterThan(0);
  for (const key of Object.keys(error)) expect(['code', 'message', 'details'], context).toContain(key);
  if ('details' in error) expect(typeof error.details, context).toBe('object');
  expect(DOCUMENTED[res.status] ?? [], `status ${res.status} is not documented for code ${error.code}: ${context}`).toContain(error.code);
}

function assertExpectation(expectation: Expectation, res: RawResponse, fx: Fixture, context: string): void {
  const refusals = expectation.kind === 'refuse' ? expectation.allowed : (expectation.alsoRefuse ?? []);
  if (expectation.kind === 'accept' && res.status === 200) {
    expect(res.headers['content-type'] ?? '', context).toMatch(/^application\/json/);
    expect(() => expectation.check(res.json, fx), context).not.toThrow();
    return;
  }
  const allowed = refusals.map(([status, code]) => `${status} ${code}`);
  if (expectation.kind === 'accept') allowed.push('200');
  expect(allowed, `unexpected status: ${context}`).toContain(res.status === 200 ? '200' : `${res.status} ${res.json?.error?.code}`);
  assertErrorBody(res, context);
}

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

/**
 * `counters` holds the RATE_LIMITS windows. The limits are on here (set far too high to trip) so
 * that every abusive start and submit also runs through the limiter; by design the limiter counts
 * every request before it is authenticated or parsed (starts per address, submits per session id),
 * so refused requests legitimately move this table and only this one.
 */
const EXCLUDED_TABLES = new Set(['counters']);

const clock = new TestClock();
let server: TestServer;
let port: number;
let fx: Fixture;
let snapshotter: DbSnapshotter;
let corpusBefore: DbSnapshot;
let fixtureSessionsBefore: Map<string, unknown>;

const prototypeNames = {
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  function: Object.getOwnPropertyNames(Function.prototype).sort(),
  string: Object.getOwnPropertyNames(String.prototype).sort(),
};

const send = (request: RawRequest) => rawRequest(port, request);

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<RawResponse> {
  const headers: Array<[string, string]> = [];
  if (options.token) headers.push(['Authorization', `Bearer ${options.token}`]);
  if (options.body !== undefined) headers.push(['Content-Type', 'application/json']);
  return send({ method, path, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
}

async function ok(method: string, path: string, options: { token?: string; body?: unknown } = {}, status = 200): Promise<any> {
  const res = await call(method, path, options);
  if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${res.text.slice(0, 500)}`);
  return res.json;
}

const start = (journeyId: string, body: unknown = {}, token?: string) => ok('POST', `/v1/journeys/${journeyId}/start`, { body, token });
const answer = (session: SessionRef, stepId: string, option: string, data?: unknown) =>
  ok('POST', `/v1/sessions/${session.sessionId}/submit`, { token: session.sessionToken, body: data === undefined ? { stepId, option } : { stepId, option, data } });

/** Makes `username` with PASSWORD (abuse-signup), then signs in on abuse-register: it waits at the (unconfirmed) enrolment. */
async function signUpAndEnrol(username: string): Promise<any> {
  const signup = await start(signUpJourney.id);
  const asked = await answer(signup, 'who', 'next', { username });
  expect(asked.step?.id, JSON.stringify(asked)).toBe('password');
  const signedUp = await answer(signup, 'password', 'set', { password: PASSWORD });
  expect(signedUp.status, JSON.stringify(signedUp)).toBe('completed');
  expect(signedUp.result.claims).toEqual({ username });
  const enrol = await start('abuse-register');
  expect(enrol.step?.id).toBe('credentials');
  return answer(enrol, 'credentials', 'next', { username, password: PASSWORD });
}

async function completeEcho(data: unknown = { value: 'x' }, input: unknown = {}): Promise<any> {
  const session = await start(echoJourney.id, { input });
  const done = await answer(session, 'ask', 'go', data);
  if (done.status !== 'completed') throw new Error(`echo did not complete: ${JSON.stringify(done)}`);
  return done;
}

/** What a session looks like from outside (GET) and its stored revision. */
async function sessionView(session: SessionRef): Promise<unknown> {
  const got = await call('GET', `/v1/sessions/${session.sessionId}`, { token: session.sessionToken });
  return { status: got.status, body: got.json ?? got.text, revision: snapshotter.sessionRevision(session.sessionId) };
}

async function forgeTokens(fresh: string): Promise<Pick<Fixture['tokens'], 'forged' | 'algNone' | 'hs256' | 'tampered' | 'truncated' | 'noKid' | 'unknownKid'>> {
  const jwks = await ok('GET', '/.well-known/jwks.json');
  const jwk = jwks.keys[0];
  const kid = decodeProtectedHeader(fresh).kid as string;
  const payload = { ...decodeJwt(fresh), jti: randomUUID() };
  const { privateKey } = await generateKeyPair('ES256');
  const sign = (header: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(privateKey);
  const [head, body, signature] = fresh.split('.');
  const tamperedPayload = base64url.encode(JSON.stringify({ ...decodeJwt(fresh), echo: 'mallory', sub: 'admin' }));
  return {
    forged: await sign({ alg: 'ES256', kid, typ: 'JWT' }),
    algNone: `${base64url.encode(JSON.stringify({ alg: 'none', kid, typ: 'JWT' }))}.${base64url.encode(JSON.stringify(payload))}.`,
    hs256: await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' }).sign(new TextEncoder().encode(JSON.stringify(jwk))),
    tampered: `${head}.${tamperedPayload}.${signature}`,
    truncated: `${head}.${body}.${signature.slice(0, -6)}`,
    noKid: await sign({ alg: 'ES256', typ: 'JWT' }),
    unknownKid: await sign({ alg: 'ES256', kid: randomUUID(), typ: 'JWT' }),
  };
}

async function buildFixture(): Promise<Fixture> {
  const form = formJourney('abuse-form');
  const formVersion = await server.publish(form);
  await server.publish(formJourney('abuse-private', { public: false }));
  await server.publish(inputJourney('abuse-input'));
  await server.publish(echoJourney);
  await server.publish(formJourney('abuse-ttl', { public: true, sessionTtlSeconds: 60 }));
  await server.publish(signUpJourney);
  await server.publish(registerJourney());
  await server.publish(formJourney('abuse-deleted'));
  await ok('DELETE', '/v1/admin/journeys/abuse-deleted', { token: ADMIN_KEY }, 204);
  await ok('PUT', '/v1/admin/journeys/abuse-draft-only', { token: ADMIN_KEY, body: formJourney('abuse-draft-only') });
  await ok('PUT', '/v1/admin/journeys/abuse-input-draft', { token: ADMIN_KEY, body: inputJourney('abuse-input-draft') });
  const broken = await ok('PUT', `/v1/admin/journeys/${brokenJourney.id}`, { token: ADMIN_KEY, body: brokenJourney });
  expect(broken.valid).toBe(false);

  // Tokens that must be refused: one that will expire, one from a test run.
  const expiredToken = (await completeEcho()).result.token as string;
  const testRun = await ok('POST', `/v1/admin/journeys/${echoJourney.id}/test-runs`, { token: ADMIN_KEY, body: {} });
  const testRunToken = (await answer(testRun, 'ask', 'go', { value: 'x' })).result.token as string;
  const expired: SessionRef = await start('abuse-ttl');
  clock.advance(400); // past TOKEN_TTL_SECONDS (300) and the 60 s session TTL
  const usedToken = (await completeEcho()).result.token as string;
  expect((await ok('POST', '/v1/tokens/validate', { token: APP_KEY, body: { token: usedToken } })).valid).toBe(true);
  const fresh = (await completeEcho()).result.token as string;

  const waiting: SessionRef = await start(form.id);
  const other: SessionRef = await start(form.id);
  const completed: SessionRef = await start(form.id);
  await answer(completed, 'ask', 'go', { name: 'alice' });
  expect((await answer(completed, 'shown', 'continue')).status).toBe('completed');
  const rejected: SessionRef = await start(form.id);
  expect((await answer(rejected, 'ask', 'cancel')).status).toBe('rejected');

  // Two users, each with a password and an (unconfirmed) authenticator app from the TOTP enrolment journey.
  for (const username of ['abuse-alice', 'abuse-bob']) {
    const waitingForCode = await signUpAndEnrol(username);
    expect(waitingForCode.step?.id, JSON.stringify(waitingForCode)).toBe('enrol');
  }
  const userId = async (username: string) => (await ok('GET', `/v1/admin/users?username=${username}`, { token: ADMIN_KEY }))[0].id as string;
  const a = await userId('abuse-alice');
  const b = await userId('abuse-bob');
  const userA = await ok('GET', `/v1/admin/users/${a}`, { token: ADMIN_KEY });
  const appA = userA.authenticators.find((authenticator: { type: string }) => authenticator.type === 'totp');
  expect(appA, JSON.stringify(userA.authenticators)).toMatchObject({ id: expect.any(String), confirmedAt: null });

  return {
    adminKey: ADMIN_KEY,
    appKey: APP_KEY,
    journeys: {
      form: form.id,
      private: 'abuse-private',
      input: 'abuse-input',
      draftOnly: 'abuse-draft-only',
      broken: brokenJourney.id,
      deleted: 'abuse-deleted',
      inputDraft: 'abuse-input-draft',
    },
    formVersion,
    formDocument: form,
    waiting,
    other,
    completed,
    rejected,
    expired,
    users: { a, b, authenticatorA: appA.id },
    tokens: { fresh, used: usedToken, expired: expiredToken, testRun: testRunToken, ...(await forgeTokens(fresh)) },
  };
}

const fixtureSessions = () => ({ waiting: fx.waiting, other: fx.other, completed: fx.completed, rejected: fx.rejected, expired: fx.expired });

beforeAll(async () => {
  server = await startTestServer({ clock, env: { RATE_LIMITS: 'start=1000000/60,submit=1000000/60' } });
  port = Number(new URL(server.url).port);
  fx = await buildFixture();
  snapshotter = new DbSnapshotter(join(server.dataDir, 'journeys.db'), EXCLUDED_TABLES);
  fixtureSessionsBefore = new Map();
  for (const [name, session] of Object.entries(fixtureSessions())) fixtureSessionsBefore.set(name, await sessionView(session));
  corpusBefore = snapshotter.snapshot();
}, 60_000);

afterAll(async () => {
  snapshotter?.close();
  await server?.close({ remove: true });
});

/** The snapshot taken after the previous case: nothing writes between two cases, so it is the next one's "before". */
let lastSnapshot: DbSnapshot | undefined;

async function runCase(c: AbuseCase): Promise<void> {
  const target = c.session?.(fx);
  const sessionBefore = target ? await sessionView(target) : undefined;
  const before = lastSnapshot ?? snapshotter.snapshot();
  lastSnapshot = undefined;
  const request = c.build(fx);
  const res = await send(request);
  const after = snapshotter.snapshot();
  lastSnapshot = after;
  const context = `${c.name}\n  ${request.method} ${request.path.length > 200 ? `${request.path.slice(0, 200)}…` : request.path}\n  → ${res.status} ${res.headers['content-type'] ?? ''} ${res.text.slice(0, 600)}`;
  assertClean(res, context);
  assertExpectation(c.expect, res, fx, context);
  expect(res.ms, `too slow (${Math.round(res.ms)} ms): ${context}`).toBeLessThan(c.maxMs ?? 5000);
  const changed = diffSnapshots(before, after);
  expect(changed, `the stored state changed: ${context}\n${changed.join('\n')}`).toEqual([]);
  if (target) expect(await sessionView(target), `the targeted session changed: ${context}`).toEqual(sessionBefore);
}

describe('the generated bad-input corpus', () => {
  it('has at least 200 cases, covering every endpoint of the spec and every kind of bad input', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    const perEndpoint = new Map<string, number>();
    for (const c of corpus) perEndpoint.set(c.endpoint, (perEndpoint.get(c.endpoint) ?? 0) + 1);
    for (const endpoint of ENDPOINTS) expect(perEndpoint.get(endpoint) ?? 0, endpoint).toBeGreaterThanOrEqual(8);
    const groups = new Set(corpus.map((c) => c.group));
    for (const group of ['malformed-json', 'content-type', 'empty-body', 'wrong-types', 'missing-fields', 'extra-fields', 'huge-body', 'deep-nesting', 'odd-unicode', 'unknown-ids', 'invalid-ids', 'auth', 'session-state', 'bad-tokens', 'templates', 'prototype-keys', 'over-long', 'query', 'methods']) {
      expect(groups.has(group as AbuseCase['group']), group).toBe(true);
    }
  });

  for (const [index, c] of corpus.entries()) {
    it(`#${index + 1} [${c.group}] ${c.name}`, () => runCase(c));
  }

  it('left the database as it was, row by row, in every table but counters', () => {
    const changed = diffSnapshots(corpusBefore, snapshotter.snapshot(), 50);
    expect(changed, changed.join('\n')).toEqual([]);
  });

  it('left every fixture session as it was (GET answer and stored revision)', async () => {
    for (const [name, session] of Object.entries(fixtureSessions())) {
      expect(await sessionView(session), name).toEqual(fixtureSessionsBefore.get(name));
    }
  });

  it('did not pollute Object.prototype (nor Array, Function or String prototypes) of this process, which hosts the server', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames.object);
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(prototypeNames.array);
    expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(prototypeNames.function);
    expect(Object.getOwnPropertyNames(String.prototype).sort()).toEqual(prototypeNames.string);
    const probe = {} as Record<string, unknown>;
    expect(probe.isAdmin).toBeUndefined();
    expect(Object.keys(probe)).toEqual([]);
    for (let n = 1; n <= 200; n++) expect(probe[`polluted_by_abuse_${n}`]).toBeUndefined();
  });

  it('never consumed the fresh token: it still validates, once', async () => {
    const first = await ok('POST', '/v1/tokens/validate', { token: APP_KEY, body: { token: fx.tokens.fresh } });
    expect(first).toMatchObject({ valid: true, state: 'CHALLENGE_SUCCEEDED', journeyId: echoJourney.id });
    const second = await ok('POST', '/v1/tokens/validate', { token: APP_KEY, body: { token: fx.tokens.fresh } });
    expect(second).toEqual({ valid: false, reason: 'already_used' });
  });
});

describe('deep input just inside what the JSON parser accepts', () => {
  /** The deepest `data` the client routes parse: 422 (unknown option) once parsed, 400 when the parser gives up. */
  async function deepestParsed(): Promise<number> {
    let low = 10;
    let high = 100_000;
    while (high - low > 16) {
      const mid = Math.floor((low + high) / 2);
      const res = await send({
        method: 'POST',
        path: `/v1/sessions/${fx.waiting.sessionId}/submit`,
        headers: [['Authorization', `Bearer ${fx.waiting.sessionToken}`], ['Content-Type', 'application/json']],
        body: `{"stepId":"ask","option":"no-such-option","data":{"x":${'['.repeat(mid)}${']'.repeat(mid)}}}`,
      });
      assertClean(res, `probe at depth ${mid}`);
      if (res.status === 422) low = mid;
      else if (res.status === 400) high = mid;
      else throw new Error(`probe at depth ${mid}: ${res.status} ${res.text}`);
    }
    return low;
  }

  it('answers a submit whose data nests as deep as the parser allows without a 5xx, and keeps serving', async () => {
    const depth = await deepestParsed();
    const uncaught: unknown[] = [];
    const monitor = (error: unknown) => uncaught.push(error);
    process.on('uncaughtExceptionMonitor', monitor);
    try {
      for (const nesting of [Math.floor(depth * 0.75), depth - 16]) {
        const session: SessionRef = await start(echoJourney.id);
        const res = await send({
          method: 'POST',
          path: `/v1/sessions/${session.sessionId}/submit`,
          headers: [['Authorization', `Bearer ${session.sessionToken}`], ['Content-Type', 'application/json']],
          body: `{"stepId":"ask","option":"go","data":{"x":${'['.repeat(nesting)}${']'.repeat(nesting)}}}`,
        });
        const context = `submit with data nested ${nesting} deep (the parser accepts ${depth}) → ${res.status} ${res.text.slice(0, 300)}`;
        // Errors thrown inside the session's state machine surface on a later tick.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect.soft(uncaught.splice(0).map(String), `uncaught exceptions (outside a test they end the server process): ${context}`).toEqual([]);
        expect.soft(res.status, `5xx: ${context}`).toBeLessThan(500);
        expect.soft(res.ms, `too slow: ${context}`).toBeLessThan(3000);
        if (res.status < 500) {
          assertClean(res, context);
          if (res.status !== 200) assertErrorBody(res, context);
        }
      }
    } finally {
      process.off('uncaughtExceptionMonitor', monitor);
    }
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('answers a test run whose input nests 5,000 deep (admin routes have no reviver) without a 5xx', async () => {
    const res = await send({
      method: 'POST',
      path: `/v1/admin/journeys/${echoJourney.id}/test-runs`,
      headers: [['Authorization', `Bearer ${ADMIN_KEY}`], ['Content-Type', 'application/json']],
      body: `{"input":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
    });
    const context = `${res.status} ${res.text.slice(0, 300)}`;
    assertClean(res, context);
    if (res.status !== 200) assertErrorBody(res, context);
  });
});

describe('template strings and odd unicode in user input are stored and echoed as plain strings', () => {
  const TEMPLATES = [
    '{% $now() %}',
    '{% 1 + 1 %}',
    '{%answer.value%}',
    '{% $input %}',
    '{% $user.id %}',
    '{% $userTokens() %}',
    '{% $millis() %}',
    '{% $eval("1+1") %}',
    '{% "a" & "b" %}',
    '{% %}',
    '{%',
    '%}',
    '$sum([1, 2])',
    '$now()',
    '{{ 7 * 7 }}',
    '${7 * 7}',
    '#{7 * 7}',
    '<%= 7 * 7 %>',
    '{% answer.__proto__ %}',
    '{% $string($$) %}',
  ];

  it.each(TEMPLATES)('keeps %j literal in form data, nested data, data keys and start input', async (template) => {
    const data = { value: template, nested: { list: [template, { deeper: template }] }, [template]: template };
    const done = await completeEcho(data, { value: template });
    expect(done.result.claims.echo).toBe(template);
    expect(done.result.claims.all).toEqual(data);
    expect(done.result.claims.input).toBe(template);
    // The signed token carries the same literal claims.
    const validated = await ok('POST', '/v1/tokens/validate', { token: APP_KEY, body: { token: done.result.token } });
    expect(validated.valid).toBe(true);
    expect(validated.claims.echo).toBe(template);
    expect(validated.claims.all).toEqual(data);
    // And the admin timeline shows the submitted values as they were sent.
    const timeline = (await ok('GET', `/v1/admin/sessions/${done.sessionId}`, { token: ADMIN_KEY })).timeline as Array<Record<string, any>>;
    const shown = timeline.find((e) => e.event === 'submitted')?.data;
    expect(shown?.value).toBe(template);
    expect(shown?.nested).toEqual(data.nested);
  });

  it('keeps a template string literal when a step uses it as a username', async () => {
    const username = '{% "ad" & "min" %}';
    const next = await signUpAndEnrol(username);
    expect(next.step?.id, JSON.stringify(next)).toBe('enrol');
    const users = await ok('GET', `/v1/admin/users?username=${encodeURIComponent(username)}`, { token: ADMIN_KEY });
    expect(users.map((u: { username: string }) => u.username)).toEqual([username]);
    expect(await ok('GET', '/v1/admin/users?username=admin', { token: ADMIN_KEY })).toEqual([]);
  });

  const ODD_VALUES: Array<[string, string]> = [
    ['NUL', 'a\u0000b'],
    ['lone high surrogate', 'a\ud800b'],
    ['lone low surrogate', '\udc00'],
    ['RTL override', '\u202eevil.exe'],
    ['zero-width joiner', '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}'],
    ['4-byte emoji', '\u{1F600}\u{1F4A9}'],
    ['combining marks', 'e\u0301\u0302\u0303'],
    ['BOM', '\ufeffx'],
    ['"__proto__" as a value', '__proto__'],
  ];
  it.each(ODD_VALUES)('round-trips %s in form data unchanged', async (_label, value) => {
    const data = { value, [`k${value}`]: value };
    const done = await completeEcho(data, { value });
    expect(done.result.claims.echo).toBe(value);
    expect(done.result.claims.all).toEqual(data);
    expect(done.result.claims.input).toBe(value);
    const got = await ok('GET', `/v1/sessions/${done.sessionId}`, { token: done.sessionToken });
    expect(got.result.claims.all).toEqual(data);
  });
});

describe('after all of it', () => {
  it('still completes a normal journey, and its token validates once', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    const session = await start(fx.journeys.form);
    expect(session).toMatchObject({ status: 'waiting', step: { id: 'ask' } });
    const shown = await answer(session, 'ask', 'go', { name: 'alice' });
    expect(shown.step.id).toBe('shown');
    const done = await answer(session, 'shown', 'continue');
    expect(done).toMatchObject({ status: 'completed', result: { claims: { name: 'alice' } } });
    const validated = await ok('POST', '/v1/tokens/validate', { token: APP_KEY, body: { token: done.result.token } });
    expect(validated).toMatchObject({ valid: true, claims: { name: 'alice' } });
    // The waiting fixture session, abused all along, can still be answered.
    const answered = await answer(fx.waiting, 'ask', 'go', { name: 'bob' });
    expect(answered.step.id).toBe('shown');
  });
});
