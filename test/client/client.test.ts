/**
 * The typed client against a real engine over loopback HTTP: a journey to completion and its
 * token validated once, the admin calls (ETag and If-Match included), and every error code of the
 * API's table surfacing as a JourneyApiError with its status, code, message and details.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ERROR_STATUS,
  JourneyApiError,
  JourneyClient,
  isJourneyApiError,
  type ApiErrorCode,
  type StepResponse,
  type TokenValidation,
} from '../../client/index.js';
import { ADMIN_KEY, APP_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';

const nameSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 20 } },
};

/** ask (form) → hello (display) → done; cancel → no. */
const formJourney = {
  id: 'cl-form',
  name: 'Client: form then display',
  start: 'ask',
  settings: { public: true, sessionTtlSeconds: 60 },
  steps: {
    ask: {
      type: 'form',
      config: {
        outputVariable: 'login',
        title: 'Who are you?',
        options: [
          { id: 'go', label: 'Go', schema: nameSchema },
          { id: 'cancel', label: 'Cancel' },
        ],
      },
      branches: { go: 'hello', cancel: 'no' },
    },
    hello: { type: 'display', config: { title: 'Hello', text: "{% 'Hi ' & login.name %}" }, branches: { next: 'done' } },
    done: { type: 'complete', config: { claims: { name: '{% login.name %}', level: 2 } } },
    no: { type: 'reject', config: { code: 'cancelled', message: 'Cancelled' } },
  },
};

const privateJourney = {
  id: 'cl-private',
  name: 'Client: not public',
  start: 'done',
  settings: { public: false },
  steps: { done: { type: 'complete', config: { claims: { private: true } } } },
};

const brokenDraft = { id: 'cl-broken', name: 'Client: broken', start: 'nowhere', steps: { a: { type: 'complete' } } };

/** Runs the error-producing call and answers the JourneyApiError it threw. */
async function refusal(call: () => Promise<unknown>): Promise<JourneyApiError> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(JourneyApiError);
    return error as JourneyApiError;
  }
  throw new Error('the call was not refused');
}

describe('JourneyClient', () => {
  let server: TestServer;
  let anonymous: JourneyClient;
  let app: JourneyClient;
  let admin: JourneyClient;

  beforeAll(async () => {
    server = await startTestServer();
    await server.publish(formJourney);
    await server.publish(privateJourney);
    anonymous = new JourneyClient({ baseUrl: server.url });
    app = new JourneyClient({ baseUrl: server.url, apiKey: APP_KEY });
    admin = new JourneyClient({ baseUrl: `${server.url}/`, apiKey: ADMIN_KEY });
  });
  afterAll(() => server.close({ remove: true }));

  describe('running a journey', () => {
    it('runs a journey to completed and validates its token exactly once', async () => {
      const first: StepResponse = await anonymous.start('cl-form');
      expect(first.status).toBe('waiting');
      expect(first.step).toMatchObject({ id: 'ask', type: 'form', data: { title: 'Who are you?' } });
      expect(first.step!.options.map((o) => o.id)).toEqual(['go', 'cancel']);
      expect(first.step!.options[0].schema).toEqual(nameSchema);

      const again = await anonymous.get(first);
      expect(again).toEqual(first);

      const hello = await anonymous.submit(first, { stepId: 'ask', option: 'go', data: { name: 'alice' } });
      expect(hello).toMatchObject({ status: 'waiting', step: { id: 'hello', type: 'display', data: { text: 'Hi alice' } }, error: null });
      const done = await anonymous.submit(hello, { stepId: hello.step!.id, option: 'continue' });
      expect(done.status).toBe('completed');
      expect(done.step).toBeNull();
      expect(done.result!.claims).toEqual({ name: 'alice', level: 2 });
      expect(done.result!.token.split('.')).toHaveLength(3);

      // Refused for the backend's requirements, and not used up by that.
      expect(await app.validateToken(done.result!.token, { journeyId: 'another-journey' })).toEqual({ valid: false, reason: 'journey_mismatch' });
      expect(await app.validateToken(done.result!.token, { requireAmr: ['pwd'] })).toEqual({ valid: false, reason: 'insufficient_authentication' });
      const valid: TokenValidation = await app.validateToken(done.result!.token);
      expect(valid).toEqual({
        valid: true,
        state: 'CHALLENGE_SUCCEEDED',
        journeyId: 'cl-form',
        journeyVersion: 1,
        sessionId: first.sessionId,
        userId: null,
        amr: [],
        authTime: null,
        claims: { name: 'alice', level: 2 },
      });
      expect(await admin.validateToken(done.result!.token)).toEqual({ valid: false, reason: 'already_used' });
      expect(await app.validateToken('not.a.jwt')).toEqual({ valid: false, reason: 'invalid' });
    });

    it('sends its key on start, so non-public journeys start with an app key', async () => {
      const started = await app.start('cl-private', { input: {} });
      expect(started.status).toBe('completed');
      expect(started.result!.claims).toEqual({ private: true });
    });

    it('reads the JWKS without a key', async () => {
      const jwks = await anonymous.jwks();
      expect(jwks.keys.length).toBeGreaterThan(0);
      expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256' });
    });
  });

  describe('admin calls', () => {
    it('saves, reads (with the ETag), publishes, reads a version, validates and test-runs', async () => {
      const id = 'cl-admin';
      const saved = await admin.saveJourney({ ...formJourney, id, name: 'v1' });
      expect(saved).toMatchObject({ valid: true, diagnostics: [] });
      expect(saved.etag).toMatch(/^"\d+"$/);

      const read = await admin.getJourney(id);
      expect(read.draft).toMatchObject({ id, name: 'v1' });
      expect(read.versions).toEqual([]);
      expect(read.etag).toBe(saved.etag);
      expect((await admin.listJourneys()).find((j) => j.id === id)).toMatchObject({ name: 'v1', latestVersion: null });

      const published = await admin.publish(id);
      expect(published.version).toBe(1);
      expect(Date.parse(published.publishedAt)).not.toBeNaN();
      expect(await admin.getVersion(id, 1)).toMatchObject({ id, name: 'v1', start: 'ask' });
      expect((await admin.listJourneys()).find((j) => j.id === id)?.latestVersion).toBe(1);

      const checked = await admin.validate(brokenDraft);
      expect(checked.valid).toBe(false);
      expect(checked.diagnostics.map((d) => d.code)).toContain('missing_start');

      const run = await admin.testRun(id, {});
      expect(run).toMatchObject({ status: 'waiting', journeyVersion: null, step: { id: 'ask' } });
      const runDone = await admin.submit(run, { stepId: 'ask', option: 'cancel' });
      expect(runDone).toMatchObject({ status: 'rejected', error: { code: 'cancelled' } });

      const sessions = await admin.listSessions({ journeyId: id, limit: 10 });
      expect(sessions).toHaveLength(1);
      expect(sessions[0]).toMatchObject({ sessionId: run.sessionId, status: 'rejected', journeyVersion: null });
      expect(await admin.listSessions({ journeyId: id, status: 'waiting' })).toEqual([]);
      const detail = await admin.getSession(run.sessionId);
      expect(detail.session.sessionId).toBe(run.sessionId);
      expect(detail.timeline.map((e) => e.event)).toContain('submitted');

      expect((await admin.listSteps()).map((s) => s.type)).toContain('form');
      expect(await admin.listOutbox({ sessionId: run.sessionId })).toEqual([]);

      const restored = await admin.restoreVersion(id, 1);
      expect(restored.valid).toBe(true);
      await admin.deleteJourney(id);
      expect((await refusal(() => admin.getJourney(id))).code).toBe('not_found');
    });

    it('saves with If-Match from the ETag it read: a draft changed by someone else is a conflict', async () => {
      const id = 'cl-etag';
      const alice = new JourneyClient({ baseUrl: server.url, apiKey: ADMIN_KEY });
      const bob = new JourneyClient({ baseUrl: server.url, apiKey: ADMIN_KEY });
      await alice.saveJourney({ ...formJourney, id, name: 'first' });
      const aliceRead = await alice.getJourney(id);
      await bob.getJourney(id);
      const bobSaved = await bob.saveJourney({ ...aliceRead.draft, name: 'bob' });
      expect(bobSaved.etag).not.toBe(aliceRead.etag);

      const conflict = await refusal(() => alice.saveJourney({ ...aliceRead.draft, name: 'alice' }));
      expect(conflict).toMatchObject({ status: 409, code: 'conflict' });
      expect((await alice.getJourney(id)).draft.name).toBe('bob');

      // After reading again, alice's next save goes through, and bob's is now the stale one.
      expect((await alice.saveJourney({ ...aliceRead.draft, name: 'alice' })).valid).toBe(true);
      expect((await refusal(() => bob.saveJourney({ ...aliceRead.draft, name: 'bob again' }))).code).toBe('conflict');
      // ifMatch: null saves unconditionally.
      expect((await bob.saveJourney({ ...aliceRead.draft, name: 'forced' }, { ifMatch: null })).valid).toBe(true);
      expect((await alice.getJourney(id)).draft.name).toBe('forced');
    });
  });

  describe('errors: each code of the error table is a JourneyApiError', () => {
    const seen = new Set<ApiErrorCode>();
    const expectCode = (error: JourneyApiError, code: ApiErrorCode) => {
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('JourneyApiError');
      expect(error.code).toBe(code);
      expect(error.status).toBe(ERROR_STATUS[code]);
      expect(error.message.length).toBeGreaterThan(0);
      expect(error.message).not.toMatch(/at .*\.ts:\d+/);
      expect(error.requestId).toBeTruthy();
      expect(isJourneyApiError(error, code)).toBe(true);
      seen.add(code);
    };
    const started = () => anonymous.start('cl-form');

    it('400 invalid_request', async () => {
      const error = await refusal(() => app.validateToken(''));
      expectCode(error, 'invalid_request');
      expect((error.details as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
      expectCode(await refusal(() => anonymous.start('cl-form', { input: 'text' as never })), 'invalid_request');
    });

    it('401 unauthorized', async () => {
      expectCode(await refusal(() => anonymous.start('cl-private')), 'unauthorized');
      expectCode(await refusal(() => anonymous.validateToken('x')), 'unauthorized');
      const session = await started();
      expectCode(await refusal(() => anonymous.get({ ...session, sessionToken: 'wrong' })), 'unauthorized');
      const stranger = new JourneyClient({ baseUrl: server.url, apiKey: 'not-a-key' });
      expectCode(await refusal(() => stranger.listJourneys()), 'unauthorized');
    });

    it('403 forbidden', async () => {
      expectCode(await refusal(() => app.listJourneys()), 'forbidden');
      expectCode(await refusal(() => app.saveJourney(formJourney)), 'forbidden');
    });

    it('404 not_found', async () => {
      expectCode(await refusal(() => anonymous.start('no-such-journey')), 'not_found');
      expectCode(await refusal(() => admin.getVersion('cl-form', 99)), 'not_found');
      expectCode(await refusal(() => admin.getSession('00000000-0000-4000-8000-000000000000')), 'not_found');
      expectCode(await refusal(() => admin.publish('no-such-journey')), 'not_found');
    });

    it('409 stale_step (with the current step in details)', async () => {
      const session = await started();
      const error = await refusal(() => anonymous.submit(session, { stepId: 'hello', option: 'continue' }));
      expectCode(error, 'stale_step');
      expect(error.details).toEqual({ currentStepId: 'ask' });
    });

    it('409 conflict', async () => {
      await admin.saveJourney({ ...formJourney, id: 'cl-conflict' });
      expectCode(await refusal(() => admin.saveJourney({ ...formJourney, id: 'cl-conflict' }, { ifMatch: '"999"' })), 'conflict');
    });

    it('409 session_ended', async () => {
      const session = await started();
      const rejected = await anonymous.submit(session, { stepId: 'ask', option: 'cancel' });
      expect(rejected.status).toBe('rejected');
      expectCode(await refusal(() => anonymous.submit(session, { stepId: 'ask', option: 'cancel' })), 'session_ended');
    });

    it('410 session_expired', async () => {
      const session = await started();
      server.clock.advance(61);
      expectCode(await refusal(() => anonymous.get(session)), 'session_expired');
      expectCode(await refusal(() => anonymous.submit(session, { stepId: 'ask', option: 'cancel' })), 'session_expired');
    });

    it('422 validation_failed (with the schema errors or diagnostics in details)', async () => {
      const session = await started();
      const data = await refusal(() => anonymous.submit(session, { stepId: 'ask', option: 'go', data: { name: '' } }));
      expectCode(data, 'validation_failed');
      expect((data.details as { errors: Array<{ path: string }> }).errors[0].path).toBe('/name');
      const option = await refusal(() => anonymous.submit(session, { stepId: 'ask', option: 'nope' }));
      expectCode(option, 'validation_failed');
      expect(option.details).toEqual({ options: ['go', 'cancel'] });

      await admin.saveJourney(brokenDraft);
      const publish = await refusal(() => admin.publish('cl-broken'));
      expectCode(publish, 'validation_failed');
      expect((publish.details as { diagnostics: Array<{ code: string }> }).diagnostics.map((d) => d.code)).toContain('missing_start');
    });

    it('429 rate_limited (with Retry-After)', async () => {
      const limited = await startTestServer({ env: { RATE_LIMITS: 'start=1/60' } });
      try {
        await limited.publish(formJourney);
        const client = new JourneyClient({ baseUrl: limited.url });
        await client.start('cl-form');
        const error = await refusal(() => client.start('cl-form'));
        expectCode(error, 'rate_limited');
        expect(error.retryAfter).toBe(60);
      } finally {
        await limited.close({ remove: true });
      }
    });

    it('500 internal (never a stack trace)', async () => {
      const session = await started();
      const sessions = server.engine.sessions;
      const original = sessions.get;
      sessions.get = async () => {
        throw new Error('boom at engine/runtime/session-service.ts:1');
      };
      try {
        const error = await refusal(() => anonymous.get(session));
        expectCode(error, 'internal');
        expect(error.message).not.toMatch(/boom/);
      } finally {
        sessions.get = original;
      }
    });

    // ---- OpenID Connect provider (#18) ----
    it('409 client_exists and journey_in_use', async () => {
      const body = { clientId: 'cl-oidc', redirectUris: ['https://app.example.test/cb'], journeyId: 'cl-form' };
      await admin.createOidcClient(body);
      expectCode(await refusal(() => admin.createOidcClient(body)), 'client_exists');
      const inUse = await refusal(() => admin.deleteJourney('cl-form'));
      expectCode(inUse, 'journey_in_use');
      expect(inUse.details).toEqual({ clients: ['cl-oidc'] });
      await admin.deleteOidcClient('cl-oidc');
    });

    it('covered every code of the table', () => {
      expect([...seen].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    });
  });

  describe('without the server', () => {
    it('names a refusal without an API error body by its status', async () => {
      const fake = (status: number, body: string, headers: Record<string, string> = {}) =>
        new JourneyClient({ baseUrl: 'https://auth.example.test', fetch: async () => new Response(body, { status, headers }) });
      const gateway = await refusal(() => fake(502, '<html>Bad gateway</html>').listJourneys());
      expect(gateway).toMatchObject({ status: 502, code: 'internal', message: 'HTTP 502' });
      const gone = await refusal(() => fake(410, '').get({ sessionId: 's', sessionToken: 't' }));
      expect(gone).toMatchObject({ status: 410, code: 'session_expired' });
      const odd = await refusal(() => fake(409, JSON.stringify({ error: { code: 'weird', message: 'm' } })).listJourneys());
      expect(odd).toMatchObject({ status: 409, code: 'conflict', message: 'm' });
      const html = await refusal(() => fake(200, '<html></html>').listJourneys());
      expect(html.code).toBe('internal');
    });

    it('builds URLs and headers as documented', async () => {
      const calls: Array<{ url: string; init: RequestInit }> = [];
      const client = new JourneyClient({
        baseUrl: 'https://auth.example.test/prefix/',
        apiKey: 'k',
        fetch: async (url, init) => {
          calls.push({ url: String(url), init: init! });
          return new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } });
        },
      });
      await client.listSessions({ journeyId: 'a b', limit: 5 });
      await client.submit({ sessionId: 'id/1', sessionToken: 'tok' }, { stepId: 's', option: 'o' });
      expect(calls[0].url).toBe('https://auth.example.test/prefix/v1/admin/sessions?journeyId=a+b&limit=5');
      expect((calls[0].init.headers as Record<string, string>).authorization).toBe('Bearer k');
      expect(calls[1].url).toBe('https://auth.example.test/prefix/v1/sessions/id%2F1/submit');
      expect((calls[1].init.headers as Record<string, string>).authorization).toBe('Bearer tok');
      expect(JSON.parse(String(calls[1].init.body))).toEqual({ stepId: 's', option: 'o' });
    });

    // The contract (engine/http/contract: the error table, pure data) is the one engine module the
    // client loads at run time; nothing else of the engine may follow it into a browser bundle.
    it('bundles for the browser from client/ and the contract alone (no Node APIs, no other engine code at run time)', async () => {
      const root = fileURLToPath(new URL('../../', import.meta.url));
      const result = await build({
        entryPoints: [fileURLToPath(new URL('../../client/index.ts', import.meta.url))],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        write: false,
        metafile: true,
        logLevel: 'silent',
        absWorkingDir: root,
      });
      const inputs = Object.keys(result.metafile.inputs).map((p) => relative(root, fileURLToPath(new URL(p, `file://${root}`))));
      expect(inputs.length).toBeGreaterThan(0);
      for (const input of inputs) expect(input).toMatch(/^(client\/|engine\/http\/contract\/)/);
      const code = result.outputFiles[0].text;
      expect(code).toContain('JourneyApiError');
      expect(code).not.toMatch(/from "node:|require\("/);
    });
  });
});
