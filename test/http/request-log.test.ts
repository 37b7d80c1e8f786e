/**
 * Every response carries X-Request-Id, and the request log line names the same id with the method
 * and path only (never the query, body or Authorization header); a silent logger gets no request
 * logger at all, and the id is still there.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs } from '../totp-http/totp-helpers.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('request ids and request logs', () => {
  const logs = captureLogs();
  let logged: TestServer;
  let silent: TestServer;
  beforeAll(async () => {
    logged = await startTestServer({ logger: logs.logger });
    silent = await startTestServer({ logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await logged.close({ remove: true });
    await silent.close({ remove: true });
  });

  it('logs one line per request with the id the response carries, the method and the path without its query', async () => {
    const response = await fetch(`${logged.url}/healthz?secret=hunter2`, { headers: { authorization: 'Bearer top-secret-token' } });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = logs.lines.map((l) => JSON.parse(l) as { req?: { id: string; method: string; path: string }; res?: { status: number } }).find((l) => l.req?.id === id);
    expect(line).toMatchObject({ req: { id, method: 'GET', path: '/healthz' }, res: { status: 200 } });
    expect(logs.text()).not.toContain('hunter2');
    expect(logs.text()).not.toContain('top-secret-token');
  });

  it('keeps a well-formed X-Request-Id from the caller and replaces a malformed one', async () => {
    const kept = await fetch(`${logged.url}/healthz`, { headers: { 'x-request-id': 'edge-proxy.42' } });
    expect(kept.headers.get('x-request-id')).toBe('edge-proxy.42');
    expect(logs.text()).toContain('"id":"edge-proxy.42"');
    const replaced = await fetch(`${logged.url}/healthz`, { headers: { 'x-request-id': 'no spaces allowed' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers with an id when the logger is silent too', async () => {
    const response = await fetch(`${silent.url}/healthz`, { headers: { 'x-request-id': 'quiet-1' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('quiet-1');
  });
});
