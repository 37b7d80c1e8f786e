/**
 * Response headers (http-api.md, "Response headers"): every response carries
 * X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer; every API answer, page and
 * error Cache-Control: no-store, except the JWKS (public, max-age=300) and the hashed designer
 * assets (immutable); the designer and runner pages a Content-Security-Policy without inline
 * script, and without eval on the runner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDesignerBuilt } from '../e2e/e2e-helpers.js';
import { ADMIN_KEY, APP_KEY, startSession, startTestServer, type TestServer } from '../helpers/test-server.js';

const RUNNER_CSP =
  "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
const DESIGNER_CSP = RUNNER_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'");

describe('response headers', () => {
  let server: TestServer;
  let session: { sessionId: string; sessionToken: string };
  let asset: string;

  beforeAll(async () => {
    [server] = await Promise.all([startTestServer(), ensureDesignerBuilt()]);
    await server.publish({ id: 'headers', start: 'ask', settings: { public: true }, steps: {
      ask: { type: 'form', config: { outputVariable: 'answer', options: [{ id: 'next', label: 'Next', schema: { type: 'object' } }] }, branches: { next: 'done' } },
      done: { type: 'complete' },
    } });
    session = (await startSession(server, 'headers')).body;
    const page = await (await fetch(`${server.url}/designer/`)).text();
    asset = /src="(\/designer\/assets\/[^"]+\.js)"/.exec(page)![1];
  }, 120_000);
  afterAll(() => server?.close({ remove: true }));

  const send = (method: string, path: string, init: { token?: string; body?: string; headers?: Record<string, string> } = {}) =>
    fetch(server.url + path, {
      method,
      redirect: 'manual',
      body: init.body,
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
    });

  /** [what, method, path, options, expected status, expected Cache-Control] */
  const routes: Array<[string, string, string, () => { token?: string; body?: string; headers?: Record<string, string> }, number, string]> = [
    ['start (client API)', 'POST', '/v1/journeys/headers/start', () => ({ body: '{}' }), 200, 'no-store'],
    ['session (client API)', 'GET', '/v1/sessions/{id}', () => ({ token: session.sessionToken }), 200, 'no-store'],
    ['submit refused (client API)', 'POST', '/v1/sessions/{id}/submit', () => ({ token: 'wrong', body: '{}' }), 401, 'no-store'],
    ['token validation (client API)', 'POST', '/v1/tokens/validate', () => ({ token: APP_KEY, body: '{"token":"x.y.z"}' }), 200, 'no-store'],
    ['malformed JSON', 'POST', '/v1/journeys/headers/start', () => ({ body: '{' }), 400, 'no-store'],
    ['admin list', 'GET', '/v1/admin/journeys', () => ({ token: ADMIN_KEY }), 200, 'no-store'],
    ['admin without a key', 'GET', '/v1/admin/journeys', () => ({}), 401, 'no-store'],
    ['admin step catalogue', 'GET', '/v1/admin/steps', () => ({ token: ADMIN_KEY }), 200, 'no-store'],
    ['Authsignal server API without a key', 'GET', '/authsignal/v1/users/u1', () => ({}), 401, 'no-store'],
    ['Authsignal client API without a token', 'POST', '/authsignal/v1/client/verify/totp', () => ({ body: '{}' }), 401, 'no-store'],
    ['health', 'GET', '/healthz', () => ({}), 200, 'no-store'],
    ['readiness', 'GET', '/readyz', () => ({}), 200, 'no-store'],
    ['metrics', 'GET', '/metrics', () => ({}), 200, 'no-store'],
    ['OpenAPI document', 'GET', '/openapi.json', () => ({}), 200, 'no-store'],
    ['unknown route', 'GET', '/v1/nothing-here', () => ({}), 404, 'no-store'],
    ['CORS preflight', 'OPTIONS', '/v1/journeys/headers/start', () => ({ headers: { origin: 'https://app.example.test', 'access-control-request-method': 'POST' } }), 204, 'no-store'],
    ['email link page, unknown token', 'GET', '/v1/links/not-a-real-token-000000000000000000000', () => ({}), 0, 'no-store'],
    ['JWKS', 'GET', '/.well-known/jwks.json', () => ({}), 200, 'public, max-age=300'],
    ['designer asset', 'GET', '{asset}', () => ({}), 200, 'public, max-age=31536000, immutable'],
    ['unknown designer asset', 'GET', '/designer/assets/nope-0000.js', () => ({}), 404, 'no-store'],
    ['designer redirect', 'GET', '/designer', () => ({}), 301, 'no-store'],
    ['designer page', 'GET', '/designer/', () => ({}), 200, 'no-store'],
    ['designer client-side route', 'GET', '/designer/journeys/headers', () => ({}), 200, 'no-store'],
    ['runner page', 'GET', '/run/headers', () => ({}), 200, 'no-store'],
    ['root redirect to the designer', 'GET', '/', () => ({}), 302, 'no-store'],
    ['API reference page', 'GET', '/docs', () => ({}), 200, 'no-store'],
  ];

  it.each(routes)('%s: %s %s', async (_what, method, rawPath, options, status, cacheControl) => {
    const path = rawPath.replace('{id}', session.sessionId).replace('{asset}', asset);
    const response = await send(method, path, options());
    if (status) expect(response.status).toBe(status);
    else expect(response.status).toBeLessThan(500);
    expect(response.headers.get('cache-control')).toBe(cacheControl);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    await response.arrayBuffer();
  });

  it('the designer pages carry the designer CSP (eval for Ajv, no inline script or style) and deny framing', async () => {
    for (const path of ['/designer/', '/designer/index.html', '/designer/journeys/headers/versions/1']) {
      const response = await send('GET', path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy'), path).toBe(DESIGNER_CSP);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      const html = await response.text();
      // No inline script in the built page: every <script> has a src.
      expect(html.match(/<script\b[^>]*>/g)!.every((tag) => / src="\/designer\/assets\//.test(tag))).toBe(true);
      expect(html).not.toMatch(/<style\b|\sstyle="/);
    }
  });

  it('the runner page carries the runner CSP: no eval, no inline script or style', async () => {
    for (const path of ['/run/headers', '/run/headers/', '/run/unknown-journey']) {
      const response = await send('GET', path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-security-policy'), path).toBe(RUNNER_CSP);
      expect(response.headers.get('content-security-policy')).not.toMatch(/unsafe/);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      const html = await response.text();
      expect(html.match(/<script\b[^>]*>/g)!.every((tag) => / src="\/designer\/assets\//.test(tag))).toBe(true);
      expect(html).not.toMatch(/<style\b|\sstyle="/);
    }
  });

  it('API answers carry no CSP of their own (JSON is not a document)', async () => {
    const response = await send('GET', '/healthz');
    expect(response.headers.get('content-security-policy')).toBeNull();
    await response.arrayBuffer();
  });
});
