import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, startTestServer, type TestServer } from '../helpers/test-server.js';

/** A loopback allow-list API: "allowed" when the value ends with @acme.test. */
function allowListApi(): Promise<{ server: Server; url: string; received: Array<{ auth?: string; body: unknown }> }> {
  const received: Array<{ auth?: string; body: unknown }> = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as { value: string };
    received.push({ auth: req.headers.authorization, body });
    if (body.value === 'broken@acme.test') {
      res.writeHead(500).end('oops');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ allowed: body.value.endsWith('@acme.test') }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`, received })));
}

describe('the worked custom step example.allow-list', () => {
  let server: TestServer;
  let api: Awaited<ReturnType<typeof allowListApi>>;
  beforeAll(async () => {
    api = await allowListApi();
    server = await startTestServer();
    await server.publish({
      id: 'allow',
      start: 'check',
      settings: { public: true },
      steps: {
        check: {
          type: 'example.allow-list',
          config: { url: api.url, value: '{% $input.email %}', apiKey: 'k-123' },
          errorOutputVariable: 'err',
          branches: { allowed: 'in', denied: 'out', failure: 'down' },
        },
        in: { type: 'complete', config: { claims: { allowed: '{% allowList.allowed %}' } } },
        out: { type: 'reject', config: { code: 'not_allowed' } },
        down: { type: 'reject', config: { code: '{% err.code %}' } },
      },
    });
  });
  afterAll(async () => {
    await server.close({ remove: true });
    await new Promise((resolve) => api.server.close(resolve));
  });

  it('appears in the step catalogue like a built-in, with its schema and branches', async () => {
    const res = await server.admin('GET', '/v1/admin/steps');
    const entry = res.body.find((e: { type: string }) => e.type === 'example.allow-list');
    expect(entry).toMatchObject({ category: 'integration', branches: ['allowed', 'denied'], interactive: false });
    expect(entry.configSchema.required).toEqual(['url', 'value']);
  });

  it('branches allowed or denied on the API answer, sending the value and the key', async () => {
    const yes = await startSession(server, 'allow', { input: { email: 'ann@acme.test' } });
    expect(yes.body).toMatchObject({ status: 'completed', result: { claims: { allowed: true } } });
    const no = await startSession(server, 'allow', { input: { email: 'bob@other.test' } });
    expect(no.body).toMatchObject({ status: 'rejected', error: { code: 'not_allowed' } });
    expect(api.received.slice(-2)).toEqual([
      { auth: 'Bearer k-123', body: { value: 'ann@acme.test' } },
      { auth: 'Bearer k-123', body: { value: 'bob@other.test' } },
    ]);
  });

  it('fails allow_list_unavailable (failure branch) when the API errors', async () => {
    const down = await startSession(server, 'allow', { input: { email: 'broken@acme.test' } });
    expect(down.body).toMatchObject({ status: 'rejected', error: { code: 'allow_list_unavailable' } });
  });
});
