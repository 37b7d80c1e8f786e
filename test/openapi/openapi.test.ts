/**
 * GET /openapi.json: a valid OpenAPI 3.1 document that describes every route the server serves
 * (checked against the express router and the spec's route table), and whose schemas real
 * responses satisfy.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, openApiDocument } from '../../engine/http/openapi.js';
import { startBodySchema, submitBodySchema } from '../../engine/http/contract/schemas.js';
import { journeySchema } from '../../engine/journey/journey-schema.js';
import { createAjv } from '../../engine/journey/schema-validator.js';
import { ADMIN_KEY, startSession, startTestServer, submit, type HttpResult, type TestServer } from '../helpers/test-server.js';

type Doc = ReturnType<typeof openApiDocument>;
type AnyRecord = Record<string, any>;

/** The spec's route table (shared/spec/http-api.md), with path parameters written `{}`. */
const SPEC_ROUTES = [
  'POST /v1/journeys/{}/start',
  'POST /v1/sessions/{}/submit',
  'GET /v1/sessions/{}',
  'POST /v1/tokens/validate',
  'GET /.well-known/jwks.json',
  'GET /v1/admin/steps',
  'GET /v1/admin/journeys',
  'GET /v1/admin/journeys/{}',
  'PUT /v1/admin/journeys/{}',
  'POST /v1/admin/journeys/{}/publish',
  'GET /v1/admin/journeys/{}/versions/{}',
  'POST /v1/admin/journeys/{}/versions/{}/restore',
  'DELETE /v1/admin/journeys/{}',
  'POST /v1/admin/journeys/{}/test-runs',
  'POST /v1/admin/validate',
  'GET /v1/admin/sessions',
  'GET /v1/admin/sessions/{}',
  'GET /v1/admin/outbox',
  'GET /v1/admin/users',
  'GET /v1/admin/users/{}',
  'DELETE /v1/admin/users/{}',
  'DELETE /v1/admin/users/{}/authenticators/{}',
  'POST /v1/admin/users/{}/unlock',
  'GET /openapi.json',
  'GET /metrics',
  'GET /healthz',
  'GET /readyz',
];

/** What the document must cover: the API itself, not the designer, runner or Authsignal surfaces. */
const inScope = (path: string) => path.startsWith('/v1/') || ['/.well-known/jwks.json', '/healthz', '/readyz', '/metrics', '/openapi.json'].includes(path);

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function documentedRoutes(doc: Doc): string[] {
  const routes: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as AnyRecord)) {
    for (const method of Object.keys(item).filter((k) => METHODS.includes(k))) {
      routes.push(`${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`);
    }
  }
  return routes.sort();
}

/** Every route registered in the express app, walking nested routers. */
function registeredRoutes(app: AnyRecord): string[] {
  const routes: string[] = [];
  const walk = (stack: AnyRecord[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          if (method === '_all') continue;
          const path = `${prefix}${String(layer.route.path)}`.replace(/:[A-Za-z_]+/g, '{}');
          routes.push(`${method.toUpperCase()} ${path}`);
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk(app.router.stack, '');
  return [...new Set(routes)].sort();
}

function operationOf(doc: Doc, method: string, path: string): AnyRecord {
  const op = (doc.paths as AnyRecord)[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${path} is not documented`);
  return op;
}

describe('GET /openapi.json', () => {
  let server: TestServer;
  let doc: Doc;
  let ajv: ReturnType<typeof createAjv>;
  const base = 'https://journey-engine.local/openapi.json';

  beforeAll(async () => {
    server = await startTestServer();
    const served = await server.request('GET', '/openapi.json');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/application\/json/);
    doc = served.body;
    ajv = createAjv();
    ajv.addSchema({ $id: base, components: doc.components });
  });
  afterAll(() => server.close({ remove: true }));

  /** Validates a response against the schema the document gives for its route and status. */
  function expectDocumented(method: string, path: string, response: HttpResult) {
    const op = operationOf(doc, method, path);
    const documented = op.responses[String(response.status)];
    expect(documented, `${method} ${path} answered ${response.status}, which is not documented`).toBeDefined();
    const schema = documented.content?.['application/json']?.schema;
    if (!schema) {
      expect(response.body === null || response.body === '', `${method} ${path} ${response.status} has an undocumented body`).toBe(true);
      return;
    }
    const validate = ajv.compile({ $id: `${base}/check/${method}${path}/${response.status}/${Math.random()}`, ...rebase(schema) });
    const ok = validate(response.body);
    expect(ok, `${method} ${path} ${response.status}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(response.body)}`).toBe(true);
  }

  /** Document-relative refs (#/components/...) resolved against the document's id. */
  function rebase(schema: unknown): any {
    return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, `"${base}#/components/`));
  }

  function schemaOf(name: string) {
    return ajv.compile({ $ref: `${base}#/components/schemas/${name}` });
  }

  describe('the document', () => {
    it('passes the OpenAPI 3.1 schema validator, which does refuse a broken document', async () => {
      const validator = new Validator();
      const result = await validator.validate(structuredClone(doc));
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(validator.version).toBe('3.1');
      expect(doc.openapi).toMatch(/^3\.1\./);

      // The validator is not a rubber stamp: a response without its description is refused.
      const broken = structuredClone(doc) as AnyRecord;
      delete broken.paths['/v1/tokens/validate'].post.responses['200'].description;
      expect((await new Validator().validate(broken)).valid).toBe(false);
    });

    it('is the same document as the module builds, and a fresh copy each time', () => {
      expect(doc).toEqual(openApiDocument());
      const a = openApiDocument();
      (a.info as AnyRecord).title = 'changed';
      expect(openApiDocument().info.title).not.toBe('changed');
    });

    it('uses the very schemas the server validates with', () => {
      const schemas = doc.components.schemas as AnyRecord;
      expect(schemas.StartBody).toEqual(JSON.parse(JSON.stringify(startBodySchema)));
      expect(schemas.SubmitBody).toEqual(JSON.parse(JSON.stringify(submitBodySchema)));
      const { $schema: _s, $id: _i, ...journey } = journeySchema;
      expect(schemas.Journey).toEqual(JSON.parse(JSON.stringify(journey)));
      expect(operationOf(doc, 'POST', '/v1/journeys/{journeyId}/start').requestBody.content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/StartBody',
      });
    });

    it('declares the three bearer schemes, and each route says which it needs', () => {
      const schemes = doc.components.securitySchemes as AnyRecord;
      for (const name of ['adminKey', 'appKey', 'sessionToken']) expect(schemes[name]).toMatchObject({ type: 'http', scheme: 'bearer' });
      const names = (path: string, method = 'get') =>
        (operationOf(doc, method, path).security as AnyRecord[]).map((s) => Object.keys(s).join('+') || 'none').sort();
      expect(names('/v1/journeys/{journeyId}/start', 'post')).toEqual(['adminKey', 'appKey', 'none']);
      expect(names('/v1/sessions/{sessionId}')).toEqual(['sessionToken']);
      expect(names('/v1/sessions/{sessionId}/submit', 'post')).toEqual(['sessionToken']);
      expect(names('/v1/tokens/validate', 'post')).toEqual(['adminKey', 'appKey']);
      expect(names('/.well-known/jwks.json')).toEqual([]);
      expect(names('/healthz')).toEqual([]);
      for (const [path, item] of Object.entries(doc.paths as AnyRecord)) {
        for (const method of Object.keys(item).filter((k) => METHODS.includes(k))) {
          expect(Array.isArray(item[method].security), `${method} ${path} has no security`).toBe(true);
          if (path.startsWith('/v1/admin/')) expect(names(path, method)).toEqual(['adminKey']);
        }
      }
    });
  });

  describe('routes', () => {
    it('documents exactly the routes the express app registers (in the API scope)', () => {
      const registered = registeredRoutes(server.engine.app as unknown as AnyRecord).filter((r) => inScope(r.split(' ')[1]));
      expect(registered.length).toBeGreaterThanOrEqual(SPEC_ROUTES.length);
      expect(documentedRoutes(doc)).toEqual(registered);
    });

    it("documents every route of the spec's route table, and the app serves each", () => {
      const documented = new Set(documentedRoutes(doc));
      const registered = new Set(registeredRoutes(server.engine.app as unknown as AnyRecord));
      for (const route of SPEC_ROUTES) {
        expect(documented.has(route), `${route} is not documented`).toBe(true);
        expect(registered.has(route), `${route} is not served`).toBe(true);
      }
    });

    it("documents every error a route may answer, each with the error body and that status's codes", () => {
      const statusesOf = (method: string, path: string) =>
        Object.keys(operationOf(doc, method, path).responses)
          .filter((s) => Number(s) >= 400)
          .sort();
      expect(statusesOf('POST', '/v1/journeys/{journeyId}/start')).toEqual(['400', '401', '404', '422', '429', '500']);
      expect(statusesOf('POST', '/v1/sessions/{sessionId}/submit')).toEqual(['400', '401', '404', '409', '410', '422', '429', '500']);
      expect(statusesOf('GET', '/v1/sessions/{sessionId}')).toEqual(['401', '404', '410', '500']);
      expect(statusesOf('POST', '/v1/tokens/validate')).toEqual(['400', '401', '500']);
      expect(statusesOf('PUT', '/v1/admin/journeys/{journeyId}')).toEqual(['400', '401', '403', '404', '409', '500']);
      expect(statusesOf('POST', '/v1/admin/journeys/{journeyId}/publish')).toEqual(['401', '403', '404', '422', '500']);

      const submit409 = operationOf(doc, 'POST', '/v1/sessions/{sessionId}/submit').responses['409'];
      expect(submit409.content['application/json'].schema.allOf[1].properties.error.properties.code.enum.sort()).toEqual([
        'conflict',
        'session_ended',
        'stale_step',
      ]);
      expect(operationOf(doc, 'POST', '/v1/admin/journeys/{journeyId}/test-runs').responses['422']).toBeDefined();

      for (const [path, item] of Object.entries(doc.paths as AnyRecord)) {
        for (const method of Object.keys(item).filter((k) => METHODS.includes(k))) {
          const responses = item[method].responses as AnyRecord;
          expect(responses['500'], `${method} ${path} has no 500`).toBeDefined();
          if (path.startsWith('/v1/admin/')) {
            expect(responses['401'], `${method} ${path}`).toBeDefined();
            expect(responses['403'], `${method} ${path}`).toBeDefined();
          }
          for (const [status, response] of Object.entries(responses)) {
            if (Number(status) < 400 || status === '503') continue;
            // The email link pages (/v1/links/...) answer HTML pages for browsers, never JSON.
            if (path.startsWith('/v1/links/')) {
              expect(Object.keys(response.content), `${method} ${path} ${status}`).toEqual(['text/html']);
              continue;
            }
            const schema = response.content['application/json'].schema;
            expect(schema.allOf[0]).toEqual({ $ref: '#/components/schemas/Error' });
            for (const code of schema.allOf[1].properties.error.properties.code.enum as Array<keyof typeof ERROR_STATUS>) {
              expect(ERROR_STATUS[code], `${method} ${path} ${status} lists ${code}`).toBe(Number(status));
            }
          }
        }
      }
      expect((doc.components.schemas as AnyRecord).Error.properties.error.properties.code.enum.sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    });
  });

  describe('real responses match their documented schemas', () => {
    const journey = {
      id: 'oa-form',
      name: 'OpenAPI: a form',
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: {
          type: 'form',
          name: 'Ask a name',
          config: {
            outputVariable: 'login',
            title: 'Who are you?',
            options: [
              { id: 'go', label: 'Go', schema: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } },
              { id: 'cancel', label: 'Cancel' },
            ],
          },
          branches: { go: 'identify', cancel: 'no' },
        },
        identify: { type: 'user.identify', config: { username: '{% login.name %}', create: true }, branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: { name: '{% login.name %}' } } },
        no: { type: 'reject', config: { code: 'cancelled', message: 'Cancelled' } },
      },
    };

    beforeAll(async () => {
      await server.publish(journey);
    });

    it('start, submit and get answer documented step responses; the token validation too', async () => {
      const started = await startSession(server, 'oa-form');
      expect(started.status).toBe(200);
      expect(started.body.status).toBe('waiting');
      expectDocumented('POST', '/v1/journeys/{journeyId}/start', started);
      // Every field the server sends is documented.
      const properties = Object.keys((doc.components.schemas as AnyRecord).StepResponse.properties);
      for (const key of Object.keys(started.body)) expect(properties, `undocumented field ${key}`).toContain(key);

      const got = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
      expectDocumented('GET', '/v1/sessions/{sessionId}', got);

      const done = await submit(server, started.body, 'ask', 'go', { name: 'alice' });
      expect(done.body.status).toBe('completed');
      expectDocumented('POST', '/v1/sessions/{sessionId}/submit', done);
      for (const key of Object.keys(done.body)) expect(properties).toContain(key);

      const valid = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: ADMIN_KEY });
      expect(valid.body.valid).toBe(true);
      expectDocumented('POST', '/v1/tokens/validate', valid);
      const again = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: ADMIN_KEY });
      expect(again.body).toEqual({ valid: false, reason: 'already_used' });
      expectDocumented('POST', '/v1/tokens/validate', again);

      const rejected = await submit(server, (await startSession(server, 'oa-form')).body, 'ask', 'cancel');
      expect(rejected.body.status).toBe('rejected');
      expectDocumented('POST', '/v1/sessions/{sessionId}/submit', rejected);
    });

    it('the step response schema refuses responses that break the status rules', async () => {
      const started = await startSession(server, 'oa-form');
      const validate = schemaOf('StepResponse');
      expect(validate(started.body)).toBe(true);
      expect(validate({ ...started.body, status: 'completed' })).toBe(false);
      expect(validate({ ...started.body, step: null })).toBe(false);
      expect(validate({ ...started.body, status: 'done' })).toBe(false);
      const { sessionToken: _t, ...withoutToken } = started.body;
      expect(validate(withoutToken)).toBe(false);
      const tokens = schemaOf('TokenValidation');
      expect(tokens({ valid: false, reason: 'expired' })).toBe(false);
      expect(tokens({ valid: true })).toBe(false);
    });

    it('refusals answer the documented error body for their route and status', async () => {
      const session = (await startSession(server, 'oa-form')).body;
      const stale = await submit(server, session, 'nope', 'go', { name: 'x' });
      expect(stale.status).toBe(409);
      expectDocumented('POST', '/v1/sessions/{sessionId}/submit', stale);
      const invalid = await submit(server, session, 'ask', 'go', { name: '' });
      expect(invalid.status).toBe(422);
      expectDocumented('POST', '/v1/sessions/{sessionId}/submit', invalid);
      const malformed = await server.request('POST', `/v1/sessions/${session.sessionId}/submit`, { body: { stepId: 'ask' }, token: session.sessionToken });
      expect(malformed.status).toBe(400);
      expectDocumented('POST', '/v1/sessions/{sessionId}/submit', malformed);
      const noToken = await server.request('GET', `/v1/sessions/${session.sessionId}`);
      expect(noToken.status).toBe(401);
      expectDocumented('GET', '/v1/sessions/{sessionId}', noToken);
      const missing = await startSession(server, 'no-such-journey');
      expect(missing.status).toBe(404);
      expectDocumented('POST', '/v1/journeys/{journeyId}/start', missing);
      const badToken = await server.request('POST', '/v1/tokens/validate', { body: { token: 5 }, token: ADMIN_KEY });
      expect(badToken.status).toBe(400);
      expectDocumented('POST', '/v1/tokens/validate', badToken);

      // A code listed under the wrong status is refused by the documented schema.
      const op = operationOf(doc, 'POST', '/v1/sessions/{sessionId}/submit');
      const validate = ajv.compile({ $id: `${base}/check/wrong-code`, ...rebase(op.responses['409'].content['application/json'].schema) });
      expect(validate({ error: { code: 'not_found', message: 'x' } })).toBe(false);
      expect(validate({ error: { code: 'stale_step', message: 'x', details: { currentStepId: 'ask' } } })).toBe(true);
    });

    it('admin routes answer their documented shapes', async () => {
      const path = '/v1/admin/journeys/{journeyId}';
      const admin = (method: string, p: string, body?: unknown, headers?: Record<string, string>) => server.admin(method, p, body, headers);

      expectDocumented('GET', '/v1/admin/steps', await admin('GET', '/v1/admin/steps'));
      expectDocumented('GET', '/v1/admin/journeys', await admin('GET', '/v1/admin/journeys'));
      const read = await admin('GET', '/v1/admin/journeys/oa-form');
      expectDocumented('GET', path, read);
      expect(read.headers.get('etag')).toMatch(/^"\d+"$/);
      const saved = await admin('PUT', '/v1/admin/journeys/oa-form', journey, { 'if-match': read.headers.get('etag')! });
      expectDocumented('PUT', path, saved);
      const conflict = await admin('PUT', '/v1/admin/journeys/oa-form', journey, { 'if-match': read.headers.get('etag')! });
      expect(conflict.status).toBe(409);
      expectDocumented('PUT', path, conflict);
      const broken = await admin('PUT', '/v1/admin/journeys/oa-broken', { ...journey, id: 'oa-broken', start: 'nowhere' });
      expect(broken.body.valid).toBe(false);
      expectDocumented('PUT', path, broken);
      const refused = await admin('POST', '/v1/admin/journeys/oa-broken/publish');
      expect(refused.status).toBe(422);
      expectDocumented('POST', `${path}/publish`, refused);
      const published = await admin('POST', '/v1/admin/journeys/oa-form/publish');
      expect(published.status).toBe(201);
      expectDocumented('POST', `${path}/publish`, published);
      const version = await admin('GET', `/v1/admin/journeys/oa-form/versions/${published.body.version}`);
      expectDocumented('GET', `${path}/versions/{version}`, version);
      expectDocumented('POST', `${path}/versions/{version}/restore`, await admin('POST', `/v1/admin/journeys/oa-form/versions/${published.body.version}/restore`));
      expectDocumented('POST', '/v1/admin/validate', await admin('POST', '/v1/admin/validate', journey));
      const testRun = await admin('POST', '/v1/admin/journeys/oa-form/test-runs', {});
      expect(testRun.body.journeyVersion).toBeNull();
      expectDocumented('POST', `${path}/test-runs`, testRun);

      const sessions = await admin('GET', '/v1/admin/sessions?journeyId=oa-form&limit=5');
      expect(sessions.body.length).toBeGreaterThan(0);
      expectDocumented('GET', '/v1/admin/sessions', sessions);
      expectDocumented('GET', '/v1/admin/sessions', await admin('GET', '/v1/admin/sessions?limit=nope'));
      const detail = await admin('GET', `/v1/admin/sessions/${sessions.body[0].sessionId}`);
      expect(detail.body.timeline.length).toBeGreaterThan(0);
      expectDocumented('GET', '/v1/admin/sessions/{sessionId}', detail);
      expectDocumented('GET', '/v1/admin/outbox', await admin('GET', '/v1/admin/outbox'));

      const users = await admin('GET', '/v1/admin/users?username=alice');
      expect(users.body.length).toBe(1);
      expectDocumented('GET', '/v1/admin/users', users);
      const userPath = '/v1/admin/users/{userId}';
      expectDocumented('GET', userPath, await admin('GET', `/v1/admin/users/${users.body[0].id}`));
      expectDocumented('POST', `${userPath}/unlock`, await admin('POST', `/v1/admin/users/${users.body[0].id}/unlock`));
      expectDocumented('DELETE', `${userPath}/authenticators/{authenticatorId}`, await admin('DELETE', `/v1/admin/users/${users.body[0].id}/authenticators/none`));
      expectDocumented('DELETE', userPath, await admin('DELETE', `/v1/admin/users/${users.body[0].id}`));

      expectDocumented('DELETE', path, await admin('DELETE', '/v1/admin/journeys/oa-broken'));
      const forbidden = await server.request('GET', '/v1/admin/journeys', { token: 'test-app-key-0123456789' });
      expect(forbidden.status).toBe(403);
      expectDocumented('GET', '/v1/admin/journeys', forbidden);
    });

    it('the operational routes answer their documented shapes', async () => {
      expectDocumented('GET', '/.well-known/jwks.json', await server.request('GET', '/.well-known/jwks.json'));
      expectDocumented('GET', '/healthz', await server.request('GET', '/healthz'));
      expectDocumented('GET', '/readyz', await server.request('GET', '/readyz'));
      expectDocumented('GET', '/openapi.json', await server.request('GET', '/openapi.json'));
      const metrics = await server.request('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(Object.keys(operationOf(doc, 'GET', '/metrics').responses['200'].content)).toEqual(['text/plain']);
    });
  });
});
