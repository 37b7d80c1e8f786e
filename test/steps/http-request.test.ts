import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { reveal, run } from './step-helpers.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback API that records every request it gets. */
async function startApi() {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const path = (req.url ?? '').split('?')[0];
      if (path === '/json') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-custom': 'yes' });
        res.end(JSON.stringify({ ok: true, list: [1, 2], nested: { a: 'b' } }));
      } else if (path === '/echo') {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, contentType: req.headers['content-type'] ?? null, received: body ? JSON.parse(body) : null }));
      } else if (path === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('{"looks":"like json but is text"}');
      } else if (path === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'nope' }));
      } else if (path === '/broken') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('down');
      } else if (path === '/redirect') {
        res.writeHead(302, { location: '/json' });
        res.end();
      } else if (path === '/slow') {
        hanging.push(res); // never answered
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('hello');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    received,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An http.request step with success → exposes `out`, failure → exposes `err`. */
function httpJourney(config: Record<string, unknown>) {
  return {
    call: {
      type: 'http.request',
      config: { outputVariable: 'out', ...config },
      errorOutputVariable: 'err',
      branches: { success: 'ok', failure: 'onError' },
    },
    ok: reveal({ path: 'success', out: '{% out %}' }),
    onError: reveal({ path: 'failure', err: '{% err %}', hasOut: '{% $exists(out) %}' }),
  };
}

describe('http.request step', () => {
  let server: TestServer;
  let api: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    server = await startTestServer();
    api = await startApi();
  });
  afterAll(async () => {
    await api.close();
    await server.close({ remove: true });
  });
  beforeEach(() => {
    api.received.length = 0;
  });

  it('GET (the default method) with headers; output { status, headers, body } with the JSON body parsed', async () => {
    const started = await run(
      server,
      httpJourney({ url: '{% $input.base & "/json?q=1" %}', headers: { 'x-api-key': '{% $input.key %}', 'x-fixed': 'literal' } }),
      {},
      { base: api.base, key: 'secret-123' },
    );
    expect(started.body.status).toBe('completed');
    const { path, out } = started.body.result.claims;
    expect(path).toBe('success');
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ ok: true, list: [1, 2], nested: { a: 'b' } });
    expect(out.headers['x-custom']).toBe('yes');
    expect(out.headers['content-type']).toMatch(/application\/json/);
    expect(Object.keys(out).sort()).toEqual(['body', 'headers', 'status']);

    expect(api.received).toHaveLength(1);
    expect(api.received[0]).toMatchObject({ method: 'GET', url: '/json?q=1', body: '' });
    expect(api.received[0].headers['x-api-key']).toBe('secret-123');
    expect(api.received[0].headers['x-fixed']).toBe('literal');
  });

  it('POST with a JSON body (expressions evaluated) and headers', async () => {
    const started = await run(
      server,
      httpJourney({
        url: `${api.base}/echo`,
        method: 'POST',
        headers: { authorization: "{% 'Bearer ' & $input.token %}" },
        body: { user: '{% $input.user %}', count: '{% 1 + 1 %}', fixed: [true, null] },
      }),
      {},
      { token: 'tok', user: 'ann' },
    );
    expect(started.body.result.claims.path).toBe('success');
    const out = started.body.result.claims.out;
    expect(out.status).toBe(201);
    expect(out.body).toEqual({ method: 'POST', contentType: expect.stringMatching(/^application\/json/), received: { user: 'ann', count: 2, fixed: [true, null] } });

    expect(api.received).toHaveLength(1);
    expect(api.received[0].method).toBe('POST');
    expect(api.received[0].headers.authorization).toBe('Bearer tok');
    expect(JSON.parse(api.received[0].body)).toEqual({ user: 'ann', count: 2, fixed: [true, null] });
  });

  it('a body given as one expression is sent as JSON', async () => {
    const started = await run(server, httpJourney({ url: `${api.base}/echo`, method: 'POST', body: '{% { "n": $input.n } %}' }), {}, { n: 7 });
    expect(started.body.result.claims.out.body.received).toEqual({ n: 7 });
  });

  it('keeps a non-JSON body as text', async () => {
    const started = await run(server, httpJourney({ url: `${api.base}/text` }));
    expect(started.body.result.claims.out).toMatchObject({ status: 200, body: '{"looks":"like json but is text"}' });
  });

  it('a non-2xx answer fails http_error with the status in details', async () => {
    const started = await run(server, httpJourney({ url: `${api.base}/missing` }));
    expect(started.body.status).toBe('completed');
    const { path, err } = started.body.result.claims;
    expect(path).toBe('failure');
    expect(err).toMatchObject({ code: 'http_error', message: expect.any(String), details: { status: 404 } });

    const down = await run(server, httpJourney({ url: `${api.base}/broken` }));
    expect(down.body.result.claims.err).toMatchObject({ code: 'http_error', details: { status: 503 } });
  });

  it('does not follow redirects: a 3xx is a non-2xx answer (http_error)', async () => {
    const started = await run(server, httpJourney({ url: `${api.base}/redirect` }));
    expect(started.body.result.claims.err).toMatchObject({ code: 'http_error', details: { status: 302 } });
    expect(api.received.map((r) => r.url)).toEqual(['/redirect']);
  });

  it('without a failure branch, http_error ends the session failed', async () => {
    const started = await run(server, {
      call: { type: 'http.request', config: { url: `${api.base}/missing` }, branches: { success: 'ok' } },
      ok: reveal({}),
    });
    expect(started.body.status).toBe('failed');
    expect(started.body.error.code).toBe('http_error');
  });

  it('a server that never answers fails http_timeout within timeoutMs', async () => {
    const before = Date.now();
    const started = await run(server, httpJourney({ url: `${api.base}/slow`, timeoutMs: 200 }));
    const elapsed = Date.now() - before;
    expect(started.body.result.claims).toMatchObject({ path: 'failure', err: { code: 'http_timeout' }, hasOut: false });
    expect(elapsed).toBeLessThan(4000);
    expect(api.received.map((r) => r.url)).toEqual(['/slow']);
  });

  it('a closed port fails http_unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const started = await run(server, httpJourney({ url: `http://127.0.0.1:${port}/` }));
    expect(started.body.result.claims).toMatchObject({ path: 'failure', err: { code: 'http_unreachable' } });
  });

  it('a host not in HTTP_ALLOWED_HOSTS fails host_not_allowed (refused before any connection)', async () => {
    for (const url of ['http://example.invalid/', 'http://10.0.0.1/', 'https://192.168.1.1/x', 'http://169.254.169.254/latest/meta-data/']) {
      const before = Date.now();
      const started = await run(server, httpJourney({ url, timeoutMs: 30000 }));
      expect(started.body.result.claims, url).toMatchObject({ path: 'failure', err: { code: 'host_not_allowed' } });
      // Refused up front: no connect attempt that would have to time out.
      expect(Date.now() - before, url).toBeLessThan(3000);
    }
  });

  it('is refused at publish without url, with timeoutMs out of 100–30000, an unknown method or an unknown key', async () => {
    for (const config of [
      {},
      { url: 'http://127.0.0.1/', timeoutMs: 99 },
      { url: 'http://127.0.0.1/', timeoutMs: 30001 },
      { url: 'http://127.0.0.1/', method: 'TRACE' },
      { url: 'http://127.0.0.1/', retries: 3 },
    ]) {
      const result = await server.admin('POST', '/v1/admin/validate', {
        id: 'http-invalid',
        start: 'call',
        steps: { call: { type: 'http.request', config, branches: { success: 'done' } }, done: { type: 'complete' } },
      });
      expect(result.body.valid, JSON.stringify(config)).toBe(false);
      expect(result.body.diagnostics.map((d: { code: string }) => d.code)).toContain('invalid_config');
    }
  });
});

describe('http.request with HTTP_ALLOWED_HOSTS empty (any public host)', () => {
  let server: TestServer;
  let api: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    server = await startTestServer({ env: { HTTP_ALLOWED_HOSTS: '' } });
    api = await startApi();
  });
  afterAll(async () => {
    await api.close();
    await server.close({ remove: true });
  });

  it('refuses loopback and other private addresses with host_not_allowed, sending nothing', async () => {
    const urls = [
      `${api.base}/json`,
      `http://localhost:${api.port}/json`,
      `http://[::1]:${api.port}/json`,
      `http://[::ffff:127.0.0.1]:${api.port}/json`,
      `http://2130706433:${api.port}/json`,
      `http://0.0.0.0:${api.port}/json`,
      'http://10.0.0.1/',
    ];
    for (const url of urls) {
      const started = await run(server, httpJourney({ url, timeoutMs: 30000 }));
      expect(started.body.status, url).toBe('completed');
      expect(started.body.result.claims, url).toMatchObject({ path: 'failure', err: { code: 'host_not_allowed' } });
    }
    expect(api.received).toEqual([]);
  });
});
