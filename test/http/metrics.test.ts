import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';

const journey = {
  id: 'measured',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: { type: 'form', config: { outputVariable: 'a', options: [{ id: 'ok' }, { id: 'no' }] }, branches: { ok: 'done', no: 'stop' } },
    done: { type: 'complete' },
    stop: { type: 'reject', config: { code: 'stopped' } },
  },
};

function metricValue(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(name + '{') && wanted.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('GET /metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.publish(journey);
  });
  afterAll(() => server.close({ remove: true }));

  it('counts sessions started and ended by journey and status, steps by type, and requests by route', async () => {
    const a = (await startSession(server, 'measured')).body;
    await submit(server, a, 'ask', 'ok');
    const b = (await startSession(server, 'measured')).body;
    await submit(server, b, 'ask', 'no');
    await startSession(server, 'measured');

    const res = await server.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = res.body as string;
    expect(metricValue(text, 'journey_sessions_started_total', { journey: 'measured' })).toBe(3);
    expect(metricValue(text, 'journey_sessions_ended_total', { journey: 'measured', status: 'completed' })).toBe(1);
    expect(metricValue(text, 'journey_sessions_ended_total', { journey: 'measured', status: 'rejected' })).toBe(1);
    expect(metricValue(text, 'journey_step_duration_seconds_count', { type: 'form', outcome: 'ok' })).toBe(1);
    expect(metricValue(text, 'journey_http_request_duration_seconds_count', { method: 'POST', route: '/v1/journeys/:journeyId/start', status: '200' })).toBe(3);
    // Route patterns, never concrete ids.
    expect(text).not.toContain(a.sessionId);
  });
});
