/**
 * The admin API (and the few public routes beside it) from outside, as the HTTP API spec writes
 * it: step catalogue, journeys and versions, test runs, validation, sessions and their timelines,
 * users, outbox, CORS, JWKS and health.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, APP_KEY, startSession, startTestServer, submit, type HttpResult, type TestServer } from '../helpers/test-server.js';

type Doc = Record<string, any>;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A clean journey (no diagnostics at all): a form whose one option leads to complete. */
function simpleJourney(id: string, claims: Doc, extra: Doc = {}): Doc {
  return {
    id,
    name: `Journey ${id}`,
    start: 'ask',
    settings: { public: true },
    steps: {
      ask: { type: 'form', config: { outputVariable: 'answer', title: 'Continue?', options: [{ id: 'go', label: 'Go' }] }, branches: { go: 'done' } },
      done: { type: 'complete', config: { claims } },
    },
    ...extra,
  };
}

function expectError(result: HttpResult, status: number, code: string): void {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(result.body?.error?.code, JSON.stringify(result.body)).toBe(code);
  expect(typeof result.body.error.message).toBe('string');
}

/** A submit that must be refused; the session (step response, admin summary, timeline) is unchanged after it. */
async function expectRefusedSubmit(
  server: TestServer,
  session: { sessionId: string; sessionToken: string },
  body: { stepId: string; option: string; data?: unknown },
  status: number,
  code: string,
): Promise<HttpResult> {
  const state = async () => {
    const got = await server.request('GET', `/v1/sessions/${session.sessionId}`, { token: session.sessionToken });
    const admin = await server.admin('GET', `/v1/admin/sessions/${session.sessionId}`);
    return { status: got.status, body: got.body, session: admin.body.session, timelineLength: admin.body.timeline.length };
  };
  const before = await state();
  const result = await submit(server, session, body.stepId, body.option, body.data);
  expectError(result, status, code);
  expect(await state()).toEqual(before);
  return result;
}

function decodeJwtPart(token: string, index: 0 | 1): Doc {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8'));
}

describe('the admin API over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  // -------------------------------------------------------------------------------------------
  describe('GET /v1/admin/steps', () => {
    const BUILT_IN = [
      'authenticator.check',
      'challenge',
      'complete',
      'condition',
      'display',
      'email.link',
      'email.otp',
      'example.allow-list',
      'form',
      'http.request',
      'password.authenticate',
      'password.set',
      'passkey.authenticate',
      'passkey.register',
      'reject',
      'risk.decision',
      'set-variables',
      'sms.otp',
      'switch',
      'totp.authenticate',
      'totp.register',
      'user.identify',
      'user.unlock',
      'journey.call',
    ];

    it('lists the 24 built-in types (the worked example, challenge, the passkey steps and journey.call included) with the catalogue fields', async () => {
      const res = await server.admin('GET', '/v1/admin/steps');
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
      expect(res.body.map((e: Doc) => e.type).sort()).toEqual([...BUILT_IN].sort());
      for (const entry of res.body as Doc[]) {
        expect(typeof entry.type).toBe('string');
        expect(typeof entry.title, entry.type).toBe('string');
        expect(entry.title.length, entry.type).toBeGreaterThan(0);
        expect(typeof entry.category, entry.type).toBe('string');
        expect(entry.category.length, entry.type).toBeGreaterThan(0);
        expect(typeof entry.description, entry.type).toBe('string');
        expect(entry.description.length, entry.type).toBeGreaterThan(0);
        expect(entry.configSchema, entry.type).toMatchObject({ type: 'object' });
        expect(typeof entry.interactive, entry.type).toBe('boolean');
        const branches = entry.branches;
        if (Array.isArray(branches)) {
          for (const name of branches) expect(typeof name).toBe('string');
          // The implicit failure branch is not listed.
          expect(branches, entry.type).not.toContain('failure');
        } else {
          expect(branches, entry.type).toMatchObject({ from: expect.stringMatching(/^\//), key: expect.any(String) });
        }
      }
    });

    it('describes form, switch and the fixed-branch types as the journey format says', async () => {
      const res = await server.admin('GET', '/v1/admin/steps');
      const byType = new Map<string, Doc>((res.body as Doc[]).map((e) => [e.type, e]));
      // { from, key } with no extra names (an empty `extra` list is the same thing).
      const { extra: formExtra = [], ...formBranches } = byType.get('form')!.branches;
      expect(formBranches).toEqual({ from: '/options', key: 'id' });
      expect(formExtra).toEqual([]);
      expect(byType.get('form')!.interactive).toBe(true);
      expect(byType.get('switch')!.branches).toEqual({ from: '/cases', key: 'id', extra: ['default'] });
      expect(byType.get('switch')!.interactive).toBe(false);
      expect(byType.get('display')!.branches).toEqual(['next']);
      expect(byType.get('display')!.interactive).toBe(true);
      expect([...byType.get('condition')!.branches].sort()).toEqual(['false', 'true']);
      expect(byType.get('set-variables')!.branches).toEqual(['next']);
      expect([...byType.get('risk.decision')!.branches].sort()).toEqual(['allow', 'block', 'challenge', 'review']);
      expect(byType.get('user.identify')!.branches).toEqual(['success']);
      expect(byType.get('complete')!.branches).toEqual([]);
      expect(byType.get('reject')!.branches).toEqual([]);
      // The config schema refuses unlisted keys.
      expect(byType.get('form')!.configSchema).toMatchObject({ additionalProperties: false, required: expect.arrayContaining(['outputVariable', 'options']) });
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('journeys: drafts, versions, restore, delete', () => {
    const id = 'adm-crud';
    const broken = {
      id,
      name: 'CRUD (broken)',
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: { type: 'form', config: { outputVariable: 'answer', options: [{ id: 'go', label: 'Go' }] }, branches: { go: 'missing' } },
        done: { type: 'complete', config: { claims: {} } },
      },
    };
    const v1 = simpleJourney(id, { v: 1 }, { description: 'first', layout: { ask: { x: 10, y: 20 }, done: { x: 300, y: 20 } } });
    const v2 = simpleJourney(id, { v: 2 }, { description: 'second' });
    const v3 = simpleJourney(id, { v: 3 }, { description: 'third', name: 'CRUD three' });

    it('saves a draft with errors (valid false + diagnostics) and serves it with an ETag', async () => {
      const put = await server.admin('PUT', `/v1/admin/journeys/${id}`, broken);
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body.valid).toBe(false);
      expect(put.body.diagnostics).toEqual(
        expect.arrayContaining([expect.objectContaining({ severity: 'error', code: 'missing_target', path: '/steps/ask/branches/go' })]),
      );
      for (const d of put.body.diagnostics as Doc[]) {
        expect(['error', 'warning']).toContain(d.severity);
        expect(typeof d.code).toBe('string');
        expect(typeof d.message).toBe('string');
        expect(d.path).toMatch(/^\//);
      }

      const got = await server.admin('GET', `/v1/admin/journeys/${id}`);
      expect(got.status).toBe(200);
      expect(got.headers.get('etag')).toMatch(/^(W\/)?".+"$/);
      expect(got.body).toEqual({ draft: broken, diagnostics: put.body.diagnostics, versions: [] });

      const list = await server.admin('GET', '/v1/admin/journeys');
      expect(list.status).toBe(200);
      expect(list.body).toEqual(expect.arrayContaining([{ id, name: 'CRUD (broken)', updatedAt: expect.any(String), latestVersion: null }]));
    });

    it('saves with the current If-Match ETag, and the ETag changes', async () => {
      const got = await server.admin('GET', `/v1/admin/journeys/${id}`);
      const etag = got.headers.get('etag')!;
      const put = await server.admin('PUT', `/v1/admin/journeys/${id}`, v1, { 'if-match': etag });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body).toEqual({ valid: true, diagnostics: [] });
      const again = await server.admin('GET', `/v1/admin/journeys/${id}`);
      expect(again.body.draft).toEqual(v1);
      expect(again.body.diagnostics).toEqual([]);
      expect(again.headers.get('etag')).not.toBe(etag);
      // The old ETag is stale now.
      expectError(await server.admin('PUT', `/v1/admin/journeys/${id}`, v2, { 'if-match': etag }), 409, 'conflict');
      expect((await server.admin('GET', `/v1/admin/journeys/${id}`)).body.draft).toEqual(v1);
    });

    it('publishes 201 { version, publishedAt } with versions 1, 2, 3', async () => {
      const first = await server.admin('POST', `/v1/admin/journeys/${id}/publish`);
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.body).toEqual({ version: 1, publishedAt: expect.any(String) });
      expect(Date.parse(first.body.publishedAt)).toBe(server.clock.now().getTime());

      expect((await server.admin('PUT', `/v1/admin/journeys/${id}`, v2)).status).toBe(200);
      const second = await server.admin('POST', `/v1/admin/journeys/${id}/publish`);
      expect(second.status).toBe(201);
      expect(second.body.version).toBe(2);

      server.clock.advance(5);
      expect((await server.admin('PUT', `/v1/admin/journeys/${id}`, v3)).status).toBe(200);
      const third = await server.admin('POST', `/v1/admin/journeys/${id}/publish`);
      expect(third.status).toBe(201);
      expect(third.body.version).toBe(3);
      expect(Date.parse(third.body.publishedAt)).toBe(server.clock.now().getTime());

      const got = await server.admin('GET', `/v1/admin/journeys/${id}`);
      expect(got.body.versions).toEqual([
        { version: 1, publishedAt: first.body.publishedAt },
        { version: 2, publishedAt: second.body.publishedAt },
        { version: 3, publishedAt: third.body.publishedAt },
      ]);
      const list = await server.admin('GET', '/v1/admin/journeys');
      expect(list.body).toEqual(expect.arrayContaining([expect.objectContaining({ id, name: 'CRUD three', latestVersion: 3 })]));

      const started = await startSession(server, id);
      expect(started.body.journeyVersion).toBe(3);
      const done = await submit(server, started.body, 'ask', 'go');
      expect(done.body.result.claims).toEqual({ v: 3 });
    });

    it('serves each version unchanged, even after the draft changes', async () => {
      const one = await server.admin('GET', `/v1/admin/journeys/${id}/versions/1`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(v1);
      expect((await server.admin('GET', `/v1/admin/journeys/${id}/versions/2`)).body).toEqual(v2);

      const changed = simpleJourney(id, { v: 'draft' }, { description: 'changed draft' });
      expect((await server.admin('PUT', `/v1/admin/journeys/${id}`, changed)).status).toBe(200);
      expect((await server.admin('GET', `/v1/admin/journeys/${id}`)).body.draft).toEqual(changed);
      expect((await server.admin('GET', `/v1/admin/journeys/${id}/versions/1`)).body).toEqual(v1);
      expect((await server.admin('GET', `/v1/admin/journeys/${id}/versions/3`)).body).toEqual(v3);
    });

    it('restores a version into the draft without publishing', async () => {
      const before = await server.admin('GET', `/v1/admin/journeys/${id}`);
      const restored = await server.admin('POST', `/v1/admin/journeys/${id}/versions/1/restore`);
      expect(restored.status, JSON.stringify(restored.body)).toBe(200);
      const after = await server.admin('GET', `/v1/admin/journeys/${id}`);
      expect(after.body.draft).toEqual(v1);
      expect(after.body.versions.map((v: Doc) => v.version)).toEqual([1, 2, 3]);
      expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
      // Starts still use the latest published version.
      const started = await startSession(server, id);
      expect(started.body.journeyVersion).toBe(3);
    });

    it('deletes (204), then answers 404; re-created, its version numbers continue', async () => {
      const deleted = await server.admin('DELETE', `/v1/admin/journeys/${id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.body === null || deleted.body === '').toBe(true);

      expectError(await startSession(server, id), 404, 'not_found');
      expectError(await server.admin('GET', `/v1/admin/journeys/${id}`), 404, 'not_found');
      expectError(await server.admin('GET', `/v1/admin/journeys/${id}/versions/1`), 404, 'not_found');
      expectError(await server.admin('DELETE', `/v1/admin/journeys/${id}`), 404, 'not_found');
      const list = await server.admin('GET', '/v1/admin/journeys');
      expect((list.body as Doc[]).map((j) => j.id)).not.toContain(id);

      const recreated = simpleJourney(id, { v: 'again' });
      const put = await server.admin('PUT', `/v1/admin/journeys/${id}`, recreated);
      expect(put.status).toBe(200);
      const published = await server.admin('POST', `/v1/admin/journeys/${id}/publish`);
      expect(published.status).toBe(201);
      expect(published.body.version).toBe(4);

      const got = await server.admin('GET', `/v1/admin/journeys/${id}`);
      const numbers = (got.body.versions as Doc[]).map((v) => v.version);
      expect(numbers).toContain(4);
      expect(new Set(numbers).size).toBe(numbers.length);
      expect((await server.admin('GET', `/v1/admin/journeys/${id}/versions/4`)).body).toEqual(recreated);

      const started = await startSession(server, id);
      expect(started.body.journeyVersion).toBe(4);
      const done = await submit(server, started.body, 'ask', 'go');
      expect(done.body.result.claims).toEqual({ v: 'again' });
      expect(done.body.journeyVersion).toBe(4);

      expect((await server.admin('POST', `/v1/admin/journeys/${id}/publish`)).body.version).toBe(5);
      const list2 = await server.admin('GET', '/v1/admin/journeys');
      expect(list2.body).toEqual(expect.arrayContaining([expect.objectContaining({ id, latestVersion: 5 })]));
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('a running session stays on its version', () => {
    const id = 'adm-pin';
    const v1 = simpleJourney(id, { version: 'one' });
    const v2 = {
      id,
      name: 'Pinned v2',
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: { type: 'form', config: { outputVariable: 'answer', options: [{ id: 'proceed', label: 'Proceed' }] }, branches: { proceed: 'notice' } },
        notice: { type: 'display', config: { title: 'Version two' }, branches: { next: 'done' } },
        done: { type: 'complete', config: { claims: { version: 'two' } } },
      },
    };

    it('finishes on version 1 after version 2 is published, and on version 2 after the journey is deleted', async () => {
      expect(await server.publish(v1)).toBe(1);
      const s1 = await startSession(server, id);
      expect(s1.body).toMatchObject({ journeyVersion: 1, step: { id: 'ask', options: [{ id: 'go', label: 'Go' }] } });

      expect(await server.publish(v2)).toBe(2);
      const s2 = await startSession(server, id);
      expect(s2.body).toMatchObject({ journeyVersion: 2, step: { id: 'ask', options: [{ id: 'proceed', label: 'Proceed' }] } });

      const s1Now = await server.request('GET', `/v1/sessions/${s1.body.sessionId}`, { token: s1.body.sessionToken });
      expect(s1Now.body).toMatchObject({ journeyVersion: 1, step: { options: [{ id: 'go' }] } });
      await expectRefusedSubmit(server, s1.body, { stepId: 'ask', option: 'proceed' }, 422, 'validation_failed');
      const s1Done = await submit(server, s1.body, 'ask', 'go');
      expect(s1Done.status, JSON.stringify(s1Done.body)).toBe(200);
      expect(s1Done.body).toMatchObject({ status: 'completed', journeyVersion: 1, result: { claims: { version: 'one' } } });
      const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: s1Done.body.result.token }, token: APP_KEY });
      expect(validated.body).toMatchObject({ valid: true, journeyId: id, journeyVersion: 1, claims: { version: 'one' } });

      await expectRefusedSubmit(server, s2.body, { stepId: 'ask', option: 'go' }, 422, 'validation_failed');
      const s2Notice = await submit(server, s2.body, 'ask', 'proceed');
      expect(s2Notice.body).toMatchObject({ status: 'waiting', step: { id: 'notice', type: 'display' } });

      // Deleted while s2 runs: it still finishes on version 2.
      expect((await server.admin('DELETE', `/v1/admin/journeys/${id}`)).status).toBe(204);
      const s2Done = await submit(server, s2.body, 'notice', 'continue');
      expect(s2Done.status, JSON.stringify(s2Done.body)).toBe(200);
      expect(s2Done.body).toMatchObject({ status: 'completed', journeyVersion: 2, result: { claims: { version: 'two' } } });
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('test runs', () => {
    const id = 'adm-test-run';
    const draft = (source: string): Doc => ({
      id,
      name: 'Test runs',
      start: 'ask',
      input: { type: 'object', additionalProperties: false, properties: { who: { type: 'string' } } },
      settings: { public: false },
      steps: {
        ask: { type: 'form', config: { outputVariable: 'answer', options: [{ id: 'go', label: 'Go' }] }, branches: { go: 'done' } },
        done: { type: 'complete', config: { claims: { source, who: "{% $exists($input.who) ? $input.who : 'nobody' %}" } } },
      },
    });

    it('runs the draft of a journey that is neither public nor published', async () => {
      expect((await server.admin('PUT', `/v1/admin/journeys/${id}`, draft('draft-1'))).status).toBe(200);
      expectError(await startSession(server, id), 404, 'not_found');
      expectError(await startSession(server, id, {}, APP_KEY), 404, 'not_found');

      const run = await server.admin('POST', `/v1/admin/journeys/${id}/test-runs`, { input: { who: 'tester' } });
      expect(run.status, JSON.stringify(run.body)).toBe(200);
      expect(run.body).toMatchObject({ journeyId: id, status: 'waiting', step: { id: 'ask', type: 'form' }, error: null, result: null });
      expect(run.body.sessionId).toMatch(UUID_V4);
      expect(typeof run.body.sessionToken).toBe('string');
      const done = await submit(server, run.body, 'ask', 'go');
      expect(done.body).toMatchObject({ status: 'completed', result: { claims: { source: 'draft-1', who: 'tester' } } });

      const noBody = await server.request('POST', `/v1/admin/journeys/${id}/test-runs`, { token: ADMIN_KEY });
      expect(noBody.status, JSON.stringify(noBody.body)).toBe(200);
      expect(noBody.body.status).toBe('waiting');

      // The input schema applies to test runs too; the body's shape is checked.
      expectError(await server.admin('POST', `/v1/admin/journeys/${id}/test-runs`, { input: { who: 5 } }), 422, 'validation_failed');
      expectError(await server.admin('POST', `/v1/admin/journeys/${id}/test-runs`, { version: 'one' }), 400, 'invalid_request');
      expectError(await server.admin('POST', `/v1/admin/journeys/${id}/test-runs`, { version: 1 }), 404, 'not_found');
    });

    it('refuses to test-run a draft with errors (422 with details.diagnostics)', async () => {
      const brokenId = 'adm-test-run-broken';
      const broken = { ...draft('broken'), id: brokenId, start: 'nowhere' };
      expect((await server.admin('PUT', `/v1/admin/journeys/${brokenId}`, broken)).body.valid).toBe(false);
      const run = await server.admin('POST', `/v1/admin/journeys/${brokenId}/test-runs`, {});
      expectError(run, 422, 'validation_failed');
      expect(run.body.error.details.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'missing_start', severity: 'error' })]));
      expect((await server.admin('GET', `/v1/admin/sessions?journeyId=${brokenId}`)).body).toEqual([]);
    });

    it('runs a given version, or the current draft, after publishing', async () => {
      expect((await server.admin('PUT', `/v1/admin/journeys/${id}`, draft('v1'))).status).toBe(200);
      expect((await server.admin('POST', `/v1/admin/journeys/${id}/publish`)).body.version).toBe(1);
      expect((await server.admin('PUT', `/v1/admin/journeys/${id}`, draft('draft-2'))).status).toBe(200);

      const ofDraft = await server.admin('POST', `/v1/admin/journeys/${id}/test-runs`, {});
      expect(ofDraft.status).toBe(200);
      const draftDone = await submit(server, ofDraft.body, 'ask', 'go');
      expect(draftDone.body.result.claims).toEqual({ source: 'draft-2', who: 'nobody' });

      const ofVersion = await server.admin('POST', `/v1/admin/journeys/${id}/test-runs`, { version: 1, input: { who: 'v-tester' } });
      expect(ofVersion.status).toBe(200);
      expect(ofVersion.body.journeyVersion).toBe(1);
      const versionDone = await submit(server, ofVersion.body, 'ask', 'go');
      expect(versionDone.body.result.claims).toEqual({ source: 'v1', who: 'v-tester' });

      // Still not public: starting needs a key, and runs the published version.
      expectError(await startSession(server, id), 401, 'unauthorized');
      const byApp = await startSession(server, id, {}, APP_KEY);
      expect(byApp.body.journeyVersion).toBe(1);
      expect((await submit(server, byApp.body, 'ask', 'go')).body.result.claims.source).toBe('v1');
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('POST /v1/admin/validate', () => {
    it('answers { valid: true, diagnostics: [] } for a clean journey and saves nothing', async () => {
      const res = await server.admin('POST', '/v1/admin/validate', simpleJourney('adm-validate', { ok: true }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ valid: true, diagnostics: [] });
      expectError(await server.admin('GET', '/v1/admin/journeys/adm-validate'), 404, 'not_found');
    });

    it('lists errors with severity, code, message and path', async () => {
      const doc = simpleJourney('adm-validate', { ok: true });
      doc.start = 'nowhere';
      doc.steps.odd = { type: 'no.such.step', config: {} };
      doc.steps.expr = { type: 'condition', config: { expression: '{% 1 + %}' }, branches: { true: 'done', false: 'done' } };
      const res = await server.admin('POST', '/v1/admin/validate', doc);
      expect(res.status).toBe(200);
      expect(res.body.valid).toBe(false);
      expect(res.body.diagnostics).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ severity: 'error', code: 'missing_start', path: '/start', message: expect.any(String) }),
          expect.objectContaining({ severity: 'error', code: 'unknown_step_type', path: '/steps/odd/type' }),
          expect.objectContaining({ severity: 'error', code: 'expression_syntax' }),
        ]),
      );
    });

    it('is valid with warnings only', async () => {
      const doc = simpleJourney('adm-validate', { ok: true });
      doc.steps.orphan = { type: 'reject', config: { code: 'never' } };
      const res = await server.admin('POST', '/v1/admin/validate', doc);
      expect(res.status).toBe(200);
      expect(res.body.valid).toBe(true);
      expect(res.body.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'unreachable_step', stepId: 'orphan' })]);
    });

    it('refuses a body that is not an object', async () => {
      expectError(await server.admin('POST', '/v1/admin/validate', [1, 2]), 400, 'invalid_request');
    });

    it('publishes a journey with warnings only', async () => {
      const doc = simpleJourney('adm-warnings', { ok: true });
      doc.steps.orphan = { type: 'reject', config: { code: 'never' } };
      const put = await server.admin('PUT', '/v1/admin/journeys/adm-warnings', doc);
      expect(put.body.valid).toBe(true);
      expect(put.body.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'unreachable_step' })]);
      const published = await server.admin('POST', '/v1/admin/journeys/adm-warnings/publish');
      expect(published.status).toBe(201);
      expect(published.body.version).toBe(1);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('GET /v1/admin/sessions', () => {
    const summaryKeys = ['createdAt', 'journeyId', 'journeyVersion', 'sessionId', 'status', 'stepId', 'updatedAt'];
    const ids: { a: string[]; b: string[]; completed: string } = { a: [], b: [], completed: '' };

    beforeAll(async () => {
      await server.publish(simpleJourney('adm-list-a', { list: 'a' }));
      await server.publish(simpleJourney('adm-list-b', { list: 'b' }));
      for (let i = 0; i < 3; i++) {
        const s = await startSession(server, 'adm-list-a');
        ids.a.push(s.body.sessionId);
        if (i === 0) {
          await submit(server, s.body, 'ask', 'go');
          ids.completed = s.body.sessionId;
        }
      }
      ids.b.push((await startSession(server, 'adm-list-b')).body.sessionId);
    });

    it('filters by journeyId, with the summary fields', async () => {
      const res = await server.admin('GET', '/v1/admin/sessions?journeyId=adm-list-a');
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(3);
      expect((res.body as Doc[]).map((s) => s.sessionId).sort()).toEqual([...ids.a].sort());
      for (const s of res.body as Doc[]) {
        expect(Object.keys(s).sort()).toEqual(summaryKeys);
        expect(s.journeyId).toBe('adm-list-a');
        expect(s.journeyVersion).toBe(1);
        expect(typeof s.createdAt).toBe('string');
        expect(typeof s.updatedAt).toBe('string');
        if (s.sessionId === ids.completed) expect(s).toMatchObject({ status: 'completed', stepId: null });
        else expect(s).toMatchObject({ status: 'waiting', stepId: 'ask' });
      }
      const b = await server.admin('GET', '/v1/admin/sessions?journeyId=adm-list-b');
      expect((b.body as Doc[]).map((s) => s.sessionId)).toEqual(ids.b);
    });

    it('filters by status', async () => {
      const completed = await server.admin('GET', '/v1/admin/sessions?journeyId=adm-list-a&status=completed');
      expect((completed.body as Doc[]).map((s) => s.sessionId)).toEqual([ids.completed]);
      const waiting = await server.admin('GET', '/v1/admin/sessions?journeyId=adm-list-a&status=waiting');
      expect((waiting.body as Doc[]).map((s) => s.sessionId).sort()).toEqual(ids.a.filter((s) => s !== ids.completed).sort());
      expect((await server.admin('GET', '/v1/admin/sessions?journeyId=adm-list-b&status=completed')).body).toEqual([]);
      const allCompleted = await server.admin('GET', '/v1/admin/sessions?status=completed&limit=500');
      expect((allCompleted.body as Doc[]).every((s) => s.status === 'completed')).toBe(true);
      expect((allCompleted.body as Doc[]).map((s) => s.sessionId)).toContain(ids.completed);
      expectError(await server.admin('GET', '/v1/admin/sessions?status=sleeping'), 400, 'invalid_request');
    });

    it('limits', async () => {
      const two = await server.admin('GET', '/v1/admin/sessions?journeyId=adm-list-a&limit=2');
      expect(two.body).toHaveLength(2);
      for (const s of two.body as Doc[]) expect(ids.a).toContain(s.sessionId);
      expect((await server.admin('GET', '/v1/admin/sessions?limit=1')).body).toHaveLength(1);
      const many = await server.admin('GET', '/v1/admin/sessions?limit=500');
      expect((many.body as Doc[]).length).toBeGreaterThanOrEqual(4);
    });

    it('GET /v1/admin/sessions/{id} has the same summary', async () => {
      const list = await server.admin('GET', '/v1/admin/sessions?journeyId=adm-list-a&status=completed');
      const one = await server.admin('GET', `/v1/admin/sessions/${ids.completed}`);
      expect(one.status).toBe(200);
      expect(one.body.session).toEqual(list.body[0]);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('session timeline', () => {
    const id = 'adm-timeline';
    const PASSWORD = 'Hunter2-Sup3r-S3cret!';
    const CODE = '918273';
    const journey = {
      id,
      name: 'Timeline',
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: {
          type: 'form',
          name: 'Credentials',
          config: {
            outputVariable: 'login',
            options: [
              {
                id: 'login',
                label: 'Sign in',
                schema: {
                  type: 'object',
                  required: ['username', 'password', 'totp_code'],
                  properties: {
                    username: { type: 'string', minLength: 1 },
                    password: { type: 'string', minLength: 1 },
                    totp_code: { type: 'string', pattern: '^[0-9]{6}$' },
                  },
                },
              },
            ],
          },
          branches: { login: 'count' },
        },
        count: { type: 'set-variables', config: { assign: { attempts: 1, greeting: "{% 'hi ' & login.username %}" } }, branches: { next: 'route' } },
        route: { type: 'switch', config: { cases: [{ id: 'root', when: "{% login.username = 'root' %}" }] }, branches: { root: 'blocked', default: 'risk' } },
        risk: {
          type: 'risk.decision',
          config: { rules: [{ when: "{% login.username = 'mallory' %}", outcome: 'block' }], default: 'allow' },
          branches: { allow: 'check', block: 'blocked', challenge: 'blocked', review: 'blocked' },
        },
        check: { type: 'condition', config: { expression: '{% attempts = 1 %}' }, branches: { true: 'done', false: 'blocked' } },
        done: { type: 'complete', config: { claims: { username: '{% login.username %}', greeting: '{% greeting %}' } } },
        blocked: { type: 'reject', config: { code: 'blocked', message: 'Blocked' } },
      },
    };

    beforeAll(async () => {
      await server.publish(journey);
    });

    it('records entered, submitted, branch and ended events', async () => {
      const started = await startSession(server, id);
      const done = await submit(server, started.body, 'ask', 'login', { username: 'alice', password: PASSWORD, totp_code: CODE });
      expect(done.body).toMatchObject({ status: 'completed', result: { claims: { username: 'alice', greeting: 'hi alice' } } });

      const res = await server.admin('GET', `/v1/admin/sessions/${started.body.sessionId}`);
      expect(res.status).toBe(200);
      expect(res.body.session).toMatchObject({ sessionId: started.body.sessionId, journeyId: id, journeyVersion: 1, status: 'completed', stepId: null });
      const timeline = res.body.timeline as Doc[];
      for (const e of timeline) {
        expect(typeof e.at).toBe('string');
        expect(Number.isNaN(Date.parse(e.at))).toBe(false);
        expect(['entered', 'submitted', 'branch', 'error', 'ended']).toContain(e.event);
        expect('stepId' in e && 'type' in e).toBe(true);
      }
      const kinds = new Set(timeline.map((e) => e.event));
      for (const kind of ['entered', 'submitted', 'branch', 'ended']) expect(kinds).toContain(kind);

      expect(timeline[0]).toMatchObject({ stepId: 'ask', type: 'form', event: 'entered' });
      expect(timeline).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ stepId: 'ask', event: 'submitted', option: 'login' }),
          expect.objectContaining({ stepId: 'ask', event: 'branch', branch: 'login' }),
          expect.objectContaining({ stepId: 'count', type: 'set-variables', event: 'branch', branch: 'next' }),
          expect.objectContaining({ stepId: 'route', type: 'switch', event: 'branch', branch: 'default' }),
          expect.objectContaining({ stepId: 'risk', type: 'risk.decision', event: 'branch', branch: 'allow' }),
          expect.objectContaining({ stepId: 'check', type: 'condition', event: 'branch', branch: 'true' }),
          expect.objectContaining({ stepId: 'done', type: 'complete', event: 'entered' }),
          expect.objectContaining({ stepId: 'done', type: 'complete', event: 'ended' }),
        ]),
      );
      // In order: entered before submitted before ended, and ended is last.
      const indexOf = (pred: (e: Doc) => boolean) => timeline.findIndex(pred);
      expect(indexOf((e) => e.event === 'entered' && e.stepId === 'ask')).toBeLessThan(indexOf((e) => e.event === 'submitted'));
      expect(indexOf((e) => e.event === 'submitted')).toBeLessThan(indexOf((e) => e.event === 'branch' && e.stepId === 'ask'));
      expect(timeline[timeline.length - 1]).toMatchObject({ event: 'ended', stepId: 'done' });
      expect(timeline.filter((e) => e.event === 'entered').map((e) => e.stepId)).toEqual(['ask', 'count', 'route', 'risk', 'check', 'done']);
    });

    it('records the reject ending', async () => {
      const started = await startSession(server, id);
      const rejected = await submit(server, started.body, 'ask', 'login', { username: 'mallory', password: PASSWORD, totp_code: CODE });
      expect(rejected.body).toMatchObject({ status: 'rejected', error: { code: 'blocked' } });
      const res = await server.admin('GET', `/v1/admin/sessions/${started.body.sessionId}`);
      const timeline = res.body.timeline as Doc[];
      expect(timeline).toEqual(expect.arrayContaining([expect.objectContaining({ stepId: 'risk', event: 'branch', branch: 'block' })]));
      expect(timeline[timeline.length - 1]).toMatchObject({ event: 'ended', stepId: 'blocked', type: 'reject' });
    });

    it('never shows a secret-named field in clear: it appears as "[redacted]"', async () => {
      const started = await startSession(server, id);
      const before = await server.admin('GET', `/v1/admin/sessions/${started.body.sessionId}`);
      expect(JSON.stringify(before.body)).not.toContain(PASSWORD);
      const done = await submit(server, started.body, 'ask', 'login', { username: 'bob', password: PASSWORD, totp_code: CODE });
      expect(done.body.status).toBe('completed');
      expect(JSON.stringify(done.body)).not.toContain(PASSWORD);
      expect(JSON.stringify(done.body)).not.toContain(CODE);

      const res = await server.admin('GET', `/v1/admin/sessions/${started.body.sessionId}`);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(CODE);
      expect(text).toContain('[redacted]');
      expect(text).toContain('bob');

      const got = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
      expect(JSON.stringify(got.body)).not.toContain(PASSWORD);
      const list = await server.admin('GET', `/v1/admin/sessions?journeyId=${id}&limit=500`);
      expect(JSON.stringify(list.body)).not.toContain(PASSWORD);
    });

    it('never shows a submitted secret in clear, even once copied into a variable with a plain name', async () => {
      // The spec: "Everywhere else (responses, timelines, logs, errors) codes and secrets never appear".
      const copyId = 'adm-timeline-copy';
      await server.publish({
        id: copyId,
        name: 'Timeline copy',
        start: 'ask',
        settings: { public: true },
        steps: {
          ask: {
            type: 'form',
            config: {
              outputVariable: 'login',
              options: [{ id: 'login', schema: { type: 'object', properties: { username: { type: 'string' }, password: { type: 'string' } } } }],
            },
            branches: { login: 'keep' },
          },
          keep: { type: 'set-variables', config: { assign: { credential: '{% login.password %}' } }, branches: { next: 'done' } },
          done: { type: 'complete', config: { claims: { username: '{% login.username %}' } } },
        },
      });
      const started = await startSession(server, copyId);
      const done = await submit(server, started.body, 'ask', 'login', { username: 'dave', password: PASSWORD });
      expect(done.body.status).toBe('completed');
      const res = await server.admin('GET', `/v1/admin/sessions/${started.body.sessionId}`);
      const timeline = res.body.timeline as Doc[];
      expect(timeline).toEqual(expect.arrayContaining([expect.objectContaining({ stepId: 'keep', event: 'branch', branch: 'next' })]));
      expect(JSON.stringify(timeline)).not.toContain(PASSWORD);
    });

    it('keeps secrets out of the timeline of a session still waiting after a refused answer', async () => {
      const started = await startSession(server, id);
      // Refused (422: bad totp_code): nothing recorded, secret nowhere.
      const refused = await expectRefusedSubmit(
        server,
        started.body,
        { stepId: 'ask', option: 'login', data: { username: 'eve', password: PASSWORD, totp_code: 'abc' } },
        422,
        'validation_failed',
      );
      expect(JSON.stringify(refused.body)).not.toContain(PASSWORD);
      const res = await server.admin('GET', `/v1/admin/sessions/${started.body.sessionId}`);
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
      expect((res.body.timeline as Doc[]).some((e) => e.event === 'submitted')).toBe(false);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('users', () => {
    const id = 'adm-user';
    const journey = {
      id,
      name: 'Users',
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: {
          type: 'form',
          config: {
            outputVariable: 'login',
            options: [{ id: 'go', label: 'Go', schema: { type: 'object', required: ['username'], properties: { username: { type: 'string', minLength: 1 }, email: { type: 'string' } } } }],
          },
          branches: { go: 'identify' },
        },
        identify: {
          type: 'user.identify',
          config: { username: '{% login.username %}', create: true, attributes: { email: '{% login.email %}' } },
          branches: { success: 'done', failure: 'unknown' },
        },
        done: { type: 'complete', config: { claims: { userId: '{% $user.id %}', username: '{% $user.username %}' } } },
        unknown: { type: 'reject', config: { code: 'unknown_user' } },
      },
    };

    beforeAll(async () => {
      await server.publish(journey);
    });

    async function run(username: string): Promise<Doc> {
      const started = await startSession(server, id);
      const done = await submit(server, started.body, 'ask', 'go', { username, email: 'carol@example.com' });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body.status).toBe('completed');
      return done.body;
    }

    it('creates a user through user.identify, lists and shows it without secrets, and deletes it', async () => {
      const first = await run('Carol.Example');
      const userId = first.result.claims.userId as string;
      expect(userId).toMatch(UUID_V4);
      const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: first.result.token }, token: APP_KEY });
      expect(validated.body).toMatchObject({ valid: true, userId });
      expect(decodeJwtPart(first.result.token, 1).sub).toBe(userId);

      // The same username, differently cased, is the same user.
      const second = await run('CAROL.EXAMPLE');
      expect(second.result.claims.userId).toBe(userId);

      const listed = await server.admin('GET', '/v1/admin/users?username=carol.example');
      expect(listed.status).toBe(200);
      expect(listed.body).toHaveLength(1);
      expect(listed.body[0]).toMatchObject({ id: userId, authenticators: [] });
      expect(String(listed.body[0].username).toLowerCase()).toBe('carol.example');
      expect((await server.admin('GET', '/v1/admin/users?username=Carol.EXAMPLE')).body.map((u: Doc) => u.id)).toEqual([userId]);
      expect((await server.admin('GET', '/v1/admin/users?username=nobody-here')).body).toEqual([]);

      const shown = await server.admin('GET', `/v1/admin/users/${userId}`);
      expect(shown.status).toBe(200);
      expect(shown.body).toMatchObject({ id: userId, authenticators: [] });
      expect(JSON.stringify(shown.body)).not.toMatch(/secret|sealed|seed|private/i);

      const deleted = await server.admin('DELETE', `/v1/admin/users/${userId}`);
      expect(deleted.status).toBe(204);
      expectError(await server.admin('GET', `/v1/admin/users/${userId}`), 404, 'not_found');
      expectError(await server.admin('DELETE', `/v1/admin/users/${userId}`), 404, 'not_found');
      expect((await server.admin('GET', '/v1/admin/users?username=carol.example')).body).toEqual([]);

      // A new run creates a new user (a new id).
      const third = await run('carol.example');
      expect(third.result.claims.userId).toMatch(UUID_V4);
      expect(third.result.claims.userId).not.toBe(userId);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('outbox, CORS, JWKS, health', () => {
    it('GET /v1/admin/outbox answers an array', async () => {
      const res = await server.admin('GET', '/v1/admin/outbox');
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
      const filtered = await server.admin('GET', '/v1/admin/outbox?sessionId=00000000-0000-4000-8000-000000000000&to=nobody@example.com');
      expect(filtered.status).toBe(200);
      expect(filtered.body).toEqual([]);
    });

    for (const path of ['/v1/journeys/x/start', '/v1/sessions/x/submit', '/v1/sessions/x']) {
      it(`answers a CORS preflight on ${path}`, async () => {
        const res = await server.request('OPTIONS', path, {
          headers: {
            origin: 'https://app.example.com',
            'access-control-request-method': path.endsWith('/x') ? 'GET' : 'POST',
            'access-control-request-headers': 'authorization,content-type',
          },
        });
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(300);
        const allowOrigin = res.headers.get('access-control-allow-origin');
        expect(['*', 'https://app.example.com']).toContain(allowOrigin);
        expect((res.headers.get('access-control-allow-methods') ?? '').toUpperCase()).toContain(path.endsWith('/x') ? 'GET' : 'POST');
        expect((res.headers.get('access-control-allow-headers') ?? '').toLowerCase()).toContain('authorization');
      });
    }

    it('adds Access-Control-Allow-Origin to a browser start', async () => {
      await server.publish(simpleJourney('adm-cors', { ok: true }));
      const res = await server.request('POST', '/v1/journeys/adm-cors/start', { body: {}, headers: { origin: 'https://app.example.com' } });
      expect(res.status).toBe(200);
      expect(['*', 'https://app.example.com']).toContain(res.headers.get('access-control-allow-origin'));
    });

    it('GET /.well-known/jwks.json lists an ES256 key with kid, and tokens name it', async () => {
      const res = await server.request('GET', '/.well-known/jwks.json');
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body.keys)).toBe(true);
      const keys = res.body.keys as Doc[];
      const es256 = keys.filter((k) => k.kty === 'EC' && k.crv === 'P-256' && typeof k.kid === 'string' && k.kid.length > 0);
      expect(es256.length).toBeGreaterThan(0);
      for (const k of keys) {
        expect(k.d).toBeUndefined();
        if (k.alg !== undefined) expect(k.alg).toBe('ES256');
      }

      await server.publish(simpleJourney('adm-jwks', { ok: true }));
      const started = await startSession(server, 'adm-jwks');
      const done = await submit(server, started.body, 'ask', 'go');
      const header = decodeJwtPart(done.body.result.token, 0);
      expect(header.alg).toBe('ES256');
      expect(es256.map((k) => k.kid)).toContain(header.kid);
    });

    it('/healthz and /readyz answer 200', async () => {
      expect((await server.request('GET', '/healthz')).status).toBe(200);
      expect((await server.request('GET', '/readyz')).status).toBe(200);
    });
  });
});

describe('CORS with CORS_ORIGINS set', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  afterAll(() => server.close({ remove: true }));

  it('allows a listed origin and not another one', async () => {
    const preflight = (origin: string) =>
      server.request('OPTIONS', '/v1/journeys/x/start', {
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).not.toBe('*');
  });
});
