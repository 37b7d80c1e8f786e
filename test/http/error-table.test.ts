/**
 * The HTTP API's "Errors" table, row by row (429 and 500 aside), tested from outside: every
 * refusal answers its status and `{ error: { code, message, details? } }`, never a stack trace,
 * and a refused submit changes nothing in the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_KEY,
  APP_KEY,
  startSession,
  startTestServer,
  submit,
  TestClock,
  type HttpResult,
  type TestServer,
} from '../helpers/test-server.js';
import { nameFormJourney, nameSchema } from '../helpers/journeys.js';

// ---------------------------------------------------------------------------------------------
// Journeys (core step types only)
// ---------------------------------------------------------------------------------------------

/** ask (form) → shown (display, waits again) → done; cancel → no (reject). */
const formJourney = nameFormJourney('err-form', 'Errors: form then display');

const privateJourney = {
  id: 'err-private',
  name: 'Errors: not public',
  start: 'ask',
  settings: { public: false },
  steps: {
    ask: { type: 'form', config: { outputVariable: 'x', options: [{ id: 'ok', label: 'OK' }] }, branches: { ok: 'done' } },
    done: { type: 'complete', config: { claims: { ok: true } } },
  },
};

const inputJourney = {
  id: 'err-input',
  name: 'Errors: input schema',
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

const ttlJourney = {
  id: 'err-ttl',
  name: 'Errors: short TTL',
  start: 'ask',
  settings: { public: true, sessionTtlSeconds: 60 },
  steps: {
    ask: { type: 'form', config: { outputVariable: 'login', options: [{ id: 'go', label: 'Go', schema: nameSchema }] }, branches: { go: 'done' } },
    done: { type: 'complete', config: { claims: { name: '{% login.name %}' } } },
  },
};

/**
 * For the race: a form whose answer leads through a step that takes a while (an expression over a
 * long sequence) to a step that waits again, so that concurrent submits may overlap the running one (in one process they mostly meet a finished submit: stale_step).
 */
const raceJourney = {
  id: 'err-race',
  name: 'Errors: race',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: { type: 'form', config: { outputVariable: 'login', options: [{ id: 'go', label: 'Go', schema: nameSchema }] }, branches: { go: 'work' } },
    work: { type: 'set-variables', config: { assign: { total: '{% $sum([1..20000]) %}' } }, branches: { next: 'shown' } },
    shown: { type: 'display', config: { title: 'Hello' }, branches: { next: 'done' } },
    done: { type: 'complete', config: { claims: { name: '{% login.name %}', total: '{% total %}' } } },
  },
};

const draftOnlyJourney = { ...formJourney, id: 'err-draft-only', name: 'Errors: never published' };

/** A branch to a step that does not exist: saved as a draft, never publishable. */
const brokenJourney = {
  id: 'err-broken',
  name: 'Errors: broken',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: { type: 'form', config: { outputVariable: 'x', options: [{ id: 'go', label: 'Go' }] }, branches: { go: 'nowhere' } },
    done: { type: 'complete', config: { claims: {} } },
  },
};

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

type Session = { sessionId: string; sessionToken: string };

/** A refusal: the status, the code, the error body shape and no stack trace. */
function expectError(result: HttpResult, status: number, code: string): void {
  const context = `${result.status} ${JSON.stringify(result.body)}`;
  expect(result.status, context).toBe(status);
  expect(result.headers.get('content-type') ?? '', context).toMatch(/application\/json/);
  expect(typeof result.body, context).toBe('object');
  expect(Object.keys(result.body), context).toEqual(['error']);
  const error = result.body.error;
  expect(error.code, context).toBe(code);
  expect(typeof error.message, context).toBe('string');
  expect(error.message.length, context).toBeGreaterThan(0);
  for (const key of Object.keys(error)) expect(['code', 'message', 'details'], context).toContain(key);
  expectNoStackTrace(result.body);
}

function expectNoStackTrace(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/"stack"/);
  expect(text).not.toMatch(/\\n\s+at /);
  expect(text).not.toMatch(/\bat [\w.<>]+ \(/);
  expect(text).not.toMatch(/\.(ts|js|mjs|cjs):\d+/);
  expect(text).not.toMatch(/node_modules|node:internal/);
}

interface SessionState {
  status: number;
  body: unknown;
  summary: unknown;
  timelineLength: number;
}

/** What the session looks like from outside: its step response, its admin summary and timeline length. */
async function sessionState(server: TestServer, session: Session): Promise<SessionState> {
  const got = await server.request('GET', `/v1/sessions/${session.sessionId}`, { token: session.sessionToken });
  const admin = await server.admin('GET', `/v1/admin/sessions/${session.sessionId}`);
  expect(admin.status).toBe(200);
  expect(Array.isArray(admin.body.timeline)).toBe(true);
  return { status: got.status, body: got.body, summary: admin.body.session, timelineLength: admin.body.timeline.length };
}

/**
 * Sends a submit that must be refused, checks the refusal, and checks that the session is exactly
 * as it was before.
 */
async function expectRefusedSubmit(
  server: TestServer,
  session: Session,
  request: { body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string>; sessionId?: string },
  status: number,
  code: string,
): Promise<HttpResult> {
  const before = await sessionState(server, session);
  const token = request.token === null ? undefined : (request.token ?? session.sessionToken);
  const result = await server.request('POST', `/v1/sessions/${request.sessionId ?? session.sessionId}/submit`, {
    body: request.body,
    rawBody: request.rawBody,
    token,
    headers: request.headers,
  });
  expectError(result, status, code);
  const after = await sessionState(server, session);
  expect(after).toEqual(before);
  return result;
}

// ---------------------------------------------------------------------------------------------

describe('the errors table over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.publish(formJourney);
    await server.publish(privateJourney);
    await server.publish(inputJourney);
    await server.publish(raceJourney);
    const savedDraft = await server.admin('PUT', `/v1/admin/journeys/${draftOnlyJourney.id}`, draftOnlyJourney);
    expect(savedDraft.status).toBe(200);
    const savedBroken = await server.admin('PUT', `/v1/admin/journeys/${brokenJourney.id}`, brokenJourney);
    expect(savedBroken.status).toBe(200);
    expect(savedBroken.body.valid).toBe(false);
  });
  afterAll(() => server.close({ remove: true }));

  async function started(): Promise<Session & Record<string, any>> {
    const res = await startSession(server, formJourney.id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'waiting', step: { id: 'ask', type: 'form' } });
    return res.body;
  }

  describe('400 invalid_request', () => {
    it('refuses a malformed JSON submit and changes nothing', async () => {
      const session = await started();
      await expectRefusedSubmit(server, session, { rawBody: '{"stepId": "ask", "option": ' }, 400, 'invalid_request');
      await expectRefusedSubmit(server, session, { rawBody: "{stepId: 'ask'}" }, 400, 'invalid_request');
    });

    it('refuses a malformed JSON start and a malformed JSON journey', async () => {
      expectError(await server.request('POST', `/v1/journeys/${formJourney.id}/start`, { rawBody: '{"input": {' }), 400, 'invalid_request');
      const put = await server.request('PUT', '/v1/admin/journeys/err-malformed', { rawBody: '{"id": "err-malformed",', token: ADMIN_KEY });
      expectError(put, 400, 'invalid_request');
      expectError(await server.admin('GET', '/v1/admin/journeys/err-malformed'), 404, 'not_found');
    });

    it('refuses wrong types in a submit (option: 5, stepId: number, a non-object body) and changes nothing', async () => {
      const session = await started();
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 5, data: { name: 'alice' } } }, 400, 'invalid_request');
      await expectRefusedSubmit(server, session, { body: { stepId: 7, option: 'go', data: { name: 'alice' } } }, 400, 'invalid_request');
      await expectRefusedSubmit(server, session, { body: ['ask', 'go'] }, 400, 'invalid_request');
      await expectRefusedSubmit(server, session, { rawBody: '"ask"' }, 400, 'invalid_request');
    });

    it('refuses a submit with missing fields (no stepId, no option, empty body) and changes nothing', async () => {
      const session = await started();
      await expectRefusedSubmit(server, session, { body: { option: 'go', data: { name: 'alice' } } }, 400, 'invalid_request');
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', data: { name: 'alice' } } }, 400, 'invalid_request');
      await expectRefusedSubmit(server, session, { body: {} }, 400, 'invalid_request');
    });

    it('refuses wrong types in a start body', async () => {
      expectError(await startSession(server, formJourney.id, { input: 'alice' }), 400, 'invalid_request');
      expectError(await startSession(server, formJourney.id, { input: {}, ui: { redirectUrl: 42 } }), 400, 'invalid_request');
      expectError(await startSession(server, formJourney.id, { inputs: {} }), 400, 'invalid_request');
    });

    it('refuses a wrong type in a query (GET /v1/admin/sessions?limit=abc)', async () => {
      expectError(await server.admin('GET', '/v1/admin/sessions?limit=abc'), 400, 'invalid_request');
    });

    it('refuses an oversized submit body (> 256kb) and changes nothing', async () => {
      const session = await started();
      const big = 'x'.repeat(300 * 1024);
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: { name: big } } }, 400, 'invalid_request');
    });

    it('refuses an oversized journey body (> 256kb) and saves nothing', async () => {
      const big = { ...formJourney, id: 'err-big', description: 'x'.repeat(300 * 1024) };
      expectError(await server.admin('PUT', '/v1/admin/journeys/err-big', big), 400, 'invalid_request');
      expectError(await server.admin('GET', '/v1/admin/journeys/err-big'), 404, 'not_found');
    });

    it('refuses a journey whose body id differs from the path and saves nothing', async () => {
      const result = await server.admin('PUT', '/v1/admin/journeys/err-path-id', { ...formJourney, id: 'err-other-id' });
      expectError(result, 400, 'invalid_request');
      expectError(await server.admin('GET', '/v1/admin/journeys/err-path-id'), 404, 'not_found');
      expectError(await server.admin('GET', '/v1/admin/journeys/err-other-id'), 404, 'not_found');
    });

    it('refuses a "__proto__" key in a submit and a start (and never lets one into a published journey)', async () => {
      const session = await started();
      await expectRefusedSubmit(
        server,
        session,
        { rawBody: '{"stepId":"ask","option":"go","data":{"name":"alice","__proto__":{"polluted":true}}}' },
        400,
        'invalid_request',
      );
      await expectRefusedSubmit(server, session, { rawBody: '{"__proto__":{"stepId":"ask"},"stepId":"ask","option":"cancel"}' }, 400, 'invalid_request');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();

      const start = await server.request('POST', `/v1/journeys/${formJourney.id}/start`, { rawBody: '{"input":{"__proto__":{"admin":true}}}' });
      expectError(start, 400, 'invalid_request');

      const journeyText = JSON.stringify({ ...formJourney, id: 'err-proto' }).replace('"settings":{', '"settings":{"__proto__":{"public":true},');
      expect(journeyText).toContain('__proto__');
      const put = await server.request('PUT', '/v1/admin/journeys/err-proto', { rawBody: journeyText, token: ADMIN_KEY });
      if (put.status === 400) {
        // Refused outright: nothing saved.
        expectError(put, 400, 'invalid_request');
        expectError(await server.admin('GET', '/v1/admin/journeys/err-proto'), 404, 'not_found');
      } else {
        // Or saved as a draft with errors (drafts are saved even with errors), never publishable.
        expect(put.status, JSON.stringify(put.body)).toBe(200);
        expect(put.body.valid).toBe(false);
        expect(put.body.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ severity: 'error', code: 'invalid_document' })]));
        expectError(await server.admin('POST', '/v1/admin/journeys/err-proto/publish'), 422, 'validation_failed');
        expectError(await startSession(server, 'err-proto'), 404, 'not_found');
      }
      expect(({} as Record<string, unknown>).public).toBeUndefined();
    });
  });

  describe('401 unauthorized', () => {
    it('refuses a submit and a GET without a session token, and changes nothing', async () => {
      const session = await started();
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: { name: 'alice' } }, token: null }, 401, 'unauthorized');
      expectError(await server.request('GET', `/v1/sessions/${session.sessionId}`), 401, 'unauthorized');
    });

    it('refuses a wrong session token, another session\'s token and a non-Bearer header, and changes nothing', async () => {
      const session = await started();
      const other = await started();
      const body = { stepId: 'ask', option: 'go', data: { name: 'alice' } };
      await expectRefusedSubmit(server, session, { body, token: 'not-the-token' }, 401, 'unauthorized');
      await expectRefusedSubmit(server, session, { body, token: other.sessionToken }, 401, 'unauthorized');
      await expectRefusedSubmit(server, session, { body, token: null, headers: { authorization: `Basic ${session.sessionToken}` } }, 401, 'unauthorized');
      expectError(await server.request('GET', `/v1/sessions/${session.sessionId}`, { token: 'not-the-token' }), 401, 'unauthorized');
      expectError(await server.request('GET', `/v1/sessions/${session.sessionId}`, { token: other.sessionToken }), 401, 'unauthorized');
      // The other session is untouched too, and still answers its own token.
      const own = await server.request('GET', `/v1/sessions/${other.sessionId}`, { token: other.sessionToken });
      expect(own.status).toBe(200);
      expect(own.body.step.id).toBe('ask');
    });

    it('refuses an admin route without a key or with a wrong key', async () => {
      for (const [method, path] of [
        ['GET', '/v1/admin/steps'],
        ['GET', '/v1/admin/journeys'],
        ['GET', `/v1/admin/journeys/${formJourney.id}`],
        ['POST', `/v1/admin/journeys/${formJourney.id}/publish`],
        ['GET', '/v1/admin/sessions'],
        ['GET', '/v1/admin/users'],
      ] as const) {
        expectError(await server.request(method, path), 401, 'unauthorized');
        expectError(await server.request(method, path, { token: 'wrong-admin-key' }), 401, 'unauthorized');
        expectError(await server.request(method, path, { token: ADMIN_KEY.slice(0, -1) }), 401, 'unauthorized');
      }
      const put = await server.request('PUT', '/v1/admin/journeys/err-no-key', { body: { ...formJourney, id: 'err-no-key' } });
      expectError(put, 401, 'unauthorized');
      expectError(await server.admin('GET', '/v1/admin/journeys/err-no-key'), 404, 'not_found');
      // Nothing was published by the refused publish.
      const view = await server.admin('GET', `/v1/admin/journeys/${formJourney.id}`);
      expect(view.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);
    });

    it('refuses to start a non-public journey without a key or with a wrong key; an app key or the admin key may start it', async () => {
      const before = await server.admin('GET', `/v1/admin/sessions?journeyId=${privateJourney.id}`);
      expectError(await startSession(server, privateJourney.id), 401, 'unauthorized');
      expectError(await startSession(server, privateJourney.id, {}, 'wrong-app-key'), 401, 'unauthorized');
      const refusedAfter = await server.admin('GET', `/v1/admin/sessions?journeyId=${privateJourney.id}`);
      expect(refusedAfter.body.length).toBe(before.body.length);

      const byApp = await startSession(server, privateJourney.id, {}, APP_KEY);
      expect(byApp.status, JSON.stringify(byApp.body)).toBe(200);
      expect(byApp.body).toMatchObject({ journeyId: privateJourney.id, journeyVersion: 1, status: 'waiting', step: { id: 'ask' } });
      const done = await submit(server, byApp.body, 'ask', 'ok');
      expect(done.body).toMatchObject({ status: 'completed', result: { claims: { ok: true } } });

      const byAdmin = await startSession(server, privateJourney.id, {}, ADMIN_KEY);
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body.status).toBe('waiting');
    });

    it('refuses token validation without a key', async () => {
      expectError(await server.request('POST', '/v1/tokens/validate', { body: { token: 'x.y.z' } }), 401, 'unauthorized');
      expectError(await server.request('POST', '/v1/tokens/validate', { body: { token: 'x.y.z' }, token: 'wrong' }), 401, 'unauthorized');
    });
  });

  describe('403 forbidden', () => {
    it('refuses an app key on admin routes and changes nothing', async () => {
      for (const [method, path] of [
        ['GET', '/v1/admin/steps'],
        ['GET', '/v1/admin/journeys'],
        ['GET', `/v1/admin/journeys/${formJourney.id}`],
        ['POST', `/v1/admin/journeys/${formJourney.id}/publish`],
        ['POST', `/v1/admin/journeys/${privateJourney.id}/test-runs`],
        ['GET', '/v1/admin/sessions'],
        ['GET', '/v1/admin/users'],
        ['GET', '/v1/admin/outbox'],
      ] as const) {
        expectError(await server.request(method, path, { token: APP_KEY }), 403, 'forbidden');
      }
      const put = await server.request('PUT', '/v1/admin/journeys/err-app-key', { body: { ...formJourney, id: 'err-app-key' }, token: APP_KEY });
      expectError(put, 403, 'forbidden');
      expectError(await server.admin('GET', '/v1/admin/journeys/err-app-key'), 404, 'not_found');
      expectError(await server.request('DELETE', `/v1/admin/journeys/${formJourney.id}`, { token: APP_KEY }), 403, 'forbidden');
      expect((await startSession(server, formJourney.id)).status).toBe(200);
      const view = await server.admin('GET', `/v1/admin/journeys/${formJourney.id}`);
      expect(view.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);
    });
  });

  describe('404 not_found', () => {
    it('answers an unknown journey and a journey with a draft but no published version', async () => {
      expectError(await startSession(server, 'err-no-such-journey'), 404, 'not_found');
      expectError(await startSession(server, 'err-no-such-journey', {}, ADMIN_KEY), 404, 'not_found');
      expectError(await startSession(server, draftOnlyJourney.id), 404, 'not_found');
      expectError(await startSession(server, draftOnlyJourney.id, {}, APP_KEY), 404, 'not_found');
      expectError(await server.admin('GET', '/v1/admin/journeys/err-no-such-journey'), 404, 'not_found');
      expectError(await server.admin('POST', '/v1/admin/journeys/err-no-such-journey/publish'), 404, 'not_found');
      expectError(await server.admin('DELETE', '/v1/admin/journeys/err-no-such-journey'), 404, 'not_found');
      expectError(await server.admin('POST', '/v1/admin/journeys/err-no-such-journey/test-runs', {}), 404, 'not_found');
    });

    it('answers an unknown session on GET, submit and the admin view', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      expectError(await server.request('GET', `/v1/sessions/${unknown}`, { token: 'some-token' }), 404, 'not_found');
      const submitted = await server.request('POST', `/v1/sessions/${unknown}/submit`, { body: { stepId: 'ask', option: 'go' }, token: 'some-token' });
      expectError(submitted, 404, 'not_found');
      expectError(await server.admin('GET', `/v1/admin/sessions/${unknown}`), 404, 'not_found');
    });

    it('answers an unknown version', async () => {
      expectError(await server.admin('GET', `/v1/admin/journeys/${formJourney.id}/versions/99`), 404, 'not_found');
      expectError(await server.admin('GET', `/v1/admin/journeys/${formJourney.id}/versions/0`), 404, 'not_found');
      expectError(await server.admin('GET', `/v1/admin/journeys/${formJourney.id}/versions/abc`), 404, 'not_found');
      expectError(await server.admin('GET', `/v1/admin/journeys/${draftOnlyJourney.id}/versions/1`), 404, 'not_found');
      expectError(await server.admin('POST', `/v1/admin/journeys/${formJourney.id}/versions/99/restore`), 404, 'not_found');
      expectError(await server.admin('POST', `/v1/admin/journeys/${formJourney.id}/test-runs`, { version: 99 }), 404, 'not_found');
    });

    it('answers an unknown user', async () => {
      const unknown = '00000000-0000-4000-8000-000000000001';
      expectError(await server.admin('GET', `/v1/admin/users/${unknown}`), 404, 'not_found');
      expectError(await server.admin('DELETE', `/v1/admin/users/${unknown}`), 404, 'not_found');
    });

    it('answers an unknown route', async () => {
      expectError(await server.request('GET', '/v1/no-such-route'), 404, 'not_found');
      expectError(await server.request('POST', '/v1/no-such-route', { body: {} }), 404, 'not_found');
      expectError(await server.admin('GET', '/v1/admin/no-such-route'), 404, 'not_found');
      expectError(await server.request('GET', '/no-such-route'), 404, 'not_found');
    });
  });

  describe('409 stale_step', () => {
    it('refuses a stepId that is not the current step and changes nothing', async () => {
      const session = await started();
      await expectRefusedSubmit(server, session, { body: { stepId: 'shown', option: 'continue' } }, 409, 'stale_step');
      await expectRefusedSubmit(server, session, { body: { stepId: 'nosuchstep', option: 'go', data: { name: 'alice' } } }, 409, 'stale_step');

      const next = await submit(server, session, 'ask', 'go', { name: 'alice' });
      expect(next.status).toBe(200);
      expect(next.body.step.id).toBe('shown');
      // Answering the previous step again is stale now.
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: { name: 'mallory' } } }, 409, 'stale_step');
      const done = await submit(server, session, 'shown', 'continue');
      expect(done.body).toMatchObject({ status: 'completed', result: { claims: { name: 'alice' } } });
    });
  });

  describe('409 conflict', () => {
    it('refuses a PUT with a stale If-Match ETag and keeps the newer draft', async () => {
      const id = 'err-etag';
      const first = { ...formJourney, id, name: 'first' };
      expect((await server.admin('PUT', `/v1/admin/journeys/${id}`, first)).status).toBe(200);
      const read = await server.admin('GET', `/v1/admin/journeys/${id}`);
      const etag = read.headers.get('etag');
      expect(etag).toBeTruthy();

      const second = await server.admin('PUT', `/v1/admin/journeys/${id}`, { ...first, name: 'second' }, { 'if-match': etag! });
      expect(second.status, JSON.stringify(second.body)).toBe(200);

      const stale = await server.admin('PUT', `/v1/admin/journeys/${id}`, { ...first, name: 'third' }, { 'if-match': etag! });
      expectError(stale, 409, 'conflict');
      const after = await server.admin('GET', `/v1/admin/journeys/${id}`);
      expect(after.body.draft.name).toBe('second');
      expect(after.headers.get('etag')).not.toBe(etag);
    });

    it('lets exactly one of 20 concurrent submits through; the session advances once', async () => {
      const start = await startSession(server, raceJourney.id);
      expect(start.status).toBe(200);
      const session: Session = start.body;
      const before = await sessionState(server, session);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => submit(server, session, 'ask', 'go', { name: `user${i}` })),
      );
      const ok = results.filter((r) => r.status === 200);
      expect(ok.length, JSON.stringify(results.map((r) => [r.status, r.body?.error?.code]))).toBe(1);
      expect(ok[0].body).toMatchObject({ status: 'waiting', step: { id: 'shown', type: 'display' } });
      for (const refused of results.filter((r) => r.status !== 200)) {
        expect(refused.status).toBe(409);
        expect(['conflict', 'stale_step']).toContain(refused.body.error.code);
        expectError(refused, 409, refused.body.error.code);
      }

      const after = await sessionState(server, session);
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ status: 'waiting', step: { id: 'shown' } });
      const admin = await server.admin('GET', `/v1/admin/sessions/${session.sessionId}`);
      const timeline = admin.body.timeline as Array<{ event: string; stepId: string }>;
      expect(timeline.filter((e) => e.event === 'submitted').length).toBe(1);
      expect(timeline.filter((e) => e.event === 'entered' && e.stepId === 'shown').length).toBe(1);
      expect(timeline.length).toBeGreaterThan(before.timelineLength);

      // The winner's answer is the one kept.
      const winner = ok[0];
      const index = results.indexOf(winner);
      const done = await submit(server, session, 'shown', 'continue');
      expect(done.body).toMatchObject({ status: 'completed', result: { claims: { name: `user${index}`, total: 200010000 } } });
    });
  });

  describe('409 session_ended', () => {
    it('refuses a submit after the session completed, and changes nothing', async () => {
      const session = await started();
      await submit(server, session, 'ask', 'go', { name: 'alice' });
      const done = await submit(server, session, 'shown', 'continue');
      expect(done.body.status).toBe('completed');
      await expectRefusedSubmit(server, session, { body: { stepId: 'shown', option: 'continue' } }, 409, 'session_ended');
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: { name: 'bob' } } }, 409, 'session_ended');
      const got = await server.request('GET', `/v1/sessions/${session.sessionId}`, { token: session.sessionToken });
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ status: 'completed', result: { claims: { name: 'alice' } } });
    });

    it('refuses a submit after the session was rejected, and changes nothing', async () => {
      const session = await started();
      const rejected = await submit(server, session, 'ask', 'cancel');
      expect(rejected.body).toMatchObject({ status: 'rejected', error: { code: 'cancelled' } });
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: { name: 'alice' } } }, 409, 'session_ended');
    });
  });

  describe('422 validation_failed', () => {
    it('refuses option data that fails the option schema, listing the errors, and changes nothing', async () => {
      const session = await started();
      const missing = await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: {} } }, 422, 'validation_failed');
      expect(Array.isArray(missing.body.error.details?.errors)).toBe(true);
      expect(missing.body.error.details.errors.length).toBeGreaterThan(0);
      expect(JSON.stringify(missing.body.error.details.errors)).toMatch(/name/);

      const wrongType = await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: { name: 5 } } }, 422, 'validation_failed');
      expect(wrongType.body.error.details.errors.length).toBeGreaterThan(0);
      expect(JSON.stringify(wrongType.body.error.details.errors)).toMatch(/name/);

      const tooLong = await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: { name: 'x'.repeat(21) } } }, 422, 'validation_failed');
      expect(tooLong.body.error.details.errors.length).toBeGreaterThan(0);

      const extra = await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: { name: 'alice', admin: true } } }, 422, 'validation_failed');
      expect(extra.body.error.details.errors.length).toBeGreaterThan(0);

      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: 'alice' } }, 422, 'validation_failed');
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go' } }, 422, 'validation_failed');

      // And the right data is still accepted afterwards.
      const ok = await submit(server, session, 'ask', 'go', { name: 'alice' });
      expect(ok.status).toBe(200);
      expect(ok.body.step.id).toBe('shown');
    });

    it('refuses an unknown option and changes nothing', async () => {
      const session = await started();
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'nope', data: { name: 'alice' } } }, 422, 'validation_failed');
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'failure' } }, 422, 'validation_failed');
      await submit(server, session, 'ask', 'go', { name: 'alice' });
      await expectRefusedSubmit(server, session, { body: { stepId: 'shown', option: 'go', data: { name: 'x' } } }, 422, 'validation_failed');
    });

    it('refuses data given to an option without a schema, and changes nothing', async () => {
      const session = await started();
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'cancel', data: { reason: 'bored' } } }, 422, 'validation_failed');
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'cancel', data: 'bored' } }, 422, 'validation_failed');
      await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'cancel', data: [1] } }, 422, 'validation_failed');
      // No data or {} is accepted.
      const ok = await submit(server, session, 'ask', 'cancel', {});
      expect(ok.status).toBe(200);
      expect(ok.body.status).toBe('rejected');
    });

    it('refuses a start input that fails the journey input schema, listing the errors', async () => {
      const before = await server.admin('GET', `/v1/admin/sessions?journeyId=${inputJourney.id}`);
      for (const body of [{}, { input: {} }, { input: { email: 5 } }, { input: { email: 'no-at-sign' } }, { input: { email: 'a@b.c', extra: 1 } }]) {
        const refused = await startSession(server, inputJourney.id, body);
        expectError(refused, 422, 'validation_failed');
        expect(Array.isArray(refused.body.error.details?.errors), JSON.stringify(refused.body)).toBe(true);
        expect(refused.body.error.details.errors.length).toBeGreaterThan(0);
      }
      const after = await server.admin('GET', `/v1/admin/sessions?journeyId=${inputJourney.id}`);
      expect(after.body.length).toBe(before.body.length);

      const ok = await startSession(server, inputJourney.id, { input: { email: 'a@example.com' } });
      expect(ok.status).toBe(200);
      expect(ok.body.step.id).toBe('show');
      const done = await submit(server, ok.body, 'show', 'continue');
      expect(done.body).toMatchObject({ status: 'completed', result: { claims: { email: 'a@example.com' } } });
    });

    it('refuses to publish a journey with errors, with details.diagnostics', async () => {
      const refused = await server.admin('POST', `/v1/admin/journeys/${brokenJourney.id}/publish`);
      expectError(refused, 422, 'validation_failed');
      const diagnostics = refused.body.error.details?.diagnostics;
      expect(Array.isArray(diagnostics)).toBe(true);
      expect(diagnostics).toEqual(
        expect.arrayContaining([expect.objectContaining({ severity: 'error', code: 'missing_target', path: '/steps/ask/branches/go' })]),
      );
      const view = await server.admin('GET', `/v1/admin/journeys/${brokenJourney.id}`);
      expect(view.body.versions).toEqual([]);
      expectError(await startSession(server, brokenJourney.id), 404, 'not_found');
    });

    it('refuses a ui.redirectUrl when REDIRECT_ORIGINS is empty', async () => {
      const refused = await startSession(server, formJourney.id, { ui: { redirectUrl: 'https://app.example.com/done' } });
      expectError(refused, 422, 'validation_failed');
    });
  });
});

describe('ui.redirectUrl against REDIRECT_ORIGINS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { REDIRECT_ORIGINS: 'https://app.example.com,https://other.example.org:8443' } });
    await server.publish(formJourney);
  });
  afterAll(() => server.close({ remove: true }));

  it('answers 200 with the runner url for an allowed origin', async () => {
    const res = await startSession(server, formJourney.id, { ui: { redirectUrl: 'https://app.example.com/signed-in?next=%2Fhome' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { sessionId, sessionToken } = res.body;
    expect(res.body.url).toBe(`/run/${formJourney.id}?session=${sessionId}#t=${sessionToken}`);
    const got = await server.request('GET', `/v1/sessions/${sessionId}`, { token: sessionToken });
    expect(got.body.url).toBe(res.body.url);

    const withPort = await startSession(server, formJourney.id, { ui: { redirectUrl: 'https://other.example.org:8443/cb' } });
    expect(withPort.status).toBe(200);
    expect(withPort.body.url).toBe(`/run/${formJourney.id}?session=${withPort.body.sessionId}#t=${withPort.body.sessionToken}`);
  });

  it('answers url null when the start did not ask for ui', async () => {
    const res = await startSession(server, formJourney.id, {});
    expect(res.status).toBe(200);
    expect(res.body.url).toBeNull();
  });

  it('refuses other origins with 422 and starts no session', async () => {
    const before = await server.admin('GET', `/v1/admin/sessions?journeyId=${formJourney.id}&limit=500`);
    for (const redirectUrl of [
      'https://evil.example/cb',
      'https://app.example.com.evil.example/cb',
      'http://app.example.com/cb',
      'https://app.example.com:444/cb',
      'https://other.example.org/cb',
      '/relative/path',
      'javascript:alert(1)',
    ]) {
      const refused = await startSession(server, formJourney.id, { ui: { redirectUrl } });
      expectError(refused, 422, 'validation_failed');
    }
    const after = await server.admin('GET', `/v1/admin/sessions?journeyId=${formJourney.id}&limit=500`);
    expect(after.body.length).toBe(before.body.length);
  });
});

describe('410 session_expired', () => {
  let server: TestServer;
  const clock = new TestClock();
  beforeAll(async () => {
    server = await startTestServer({ clock });
    await server.publish(ttlJourney);
  });
  afterAll(() => server.close({ remove: true }));

  it('answers GET and submit with 410 past settings.sessionTtlSeconds, and changes nothing', async () => {
    const res = await startSession(server, ttlJourney.id);
    expect(res.status).toBe(200);
    const session: Session = res.body;

    clock.advance(30);
    const within = await server.request('GET', `/v1/sessions/${session.sessionId}`, { token: session.sessionToken });
    expect(within.status).toBe(200);
    expect(within.body.status).toBe('waiting');

    clock.advance(31);
    expectError(await server.request('GET', `/v1/sessions/${session.sessionId}`, { token: session.sessionToken }), 410, 'session_expired');
    const refused = await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: { name: 'alice' } } }, 410, 'session_expired');
    expect(refused.body.error.code).toBe('session_expired');

    // Still answered so later on (within SESSION_RETENTION_SECONDS), and still refused.
    clock.advance(3600);
    expectError(await server.request('GET', `/v1/sessions/${session.sessionId}`, { token: session.sessionToken }), 410, 'session_expired');
    await expectRefusedSubmit(server, session, { body: { stepId: 'ask', option: 'go', data: { name: 'alice' } } }, 410, 'session_expired');
    // An expired session still wants its own token.
    expectError(await server.request('GET', `/v1/sessions/${session.sessionId}`, { token: 'wrong' }), 401, 'unauthorized');
  });

  it('a new session on the same journey runs normally', async () => {
    const res = await startSession(server, ttlJourney.id);
    const done = await submit(server, res.body, 'ask', 'go', { name: 'bob' });
    expect(done.body).toMatchObject({ status: 'completed', result: { claims: { name: 'bob' } } });
  });
});
