/**
 * Regular-expression denial of service, against a real engine over HTTP: an option schema
 * pattern and a JSONata regex that backtrack exponentially on a native RegExp (7 s and 13 s
 * before, freezing every request) run on RE2, so the hostile request answers at once and the
 * server keeps answering others meanwhile. Patterns RE2 cannot run are refused at publishing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashDocument } from '../../engine/runtime/journey-runtime.js';
import { startSession, startTestServer, submit, type HttpResult, type TestServer } from '../helpers/test-server.js';

const EVIL = '^(a+)+$';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  // A first request opens the connection /healthz is timed on.
  await fetch(`${server.url}/healthz`);
});
afterAll(() => server.close({ remove: true }));

/**
 * Runs `hostile` and, once it is on its way, times a /healthz answered meanwhile. Up to three
 * tries, keeping the quickest health check: a busy test machine only ever adds latency, while a
 * server frozen by the regex (seconds, before) fails every try.
 */
async function withHealthCheck(hostile: () => Promise<HttpResult>): Promise<{ results: HttpResult[]; hostileMs: number[]; healthMs: number }> {
  const results: HttpResult[] = [];
  const hostileMs: number[] = [];
  let healthMs = Infinity;
  for (let attempt = 0; attempt < 3 && healthMs >= 100; attempt++) {
    const started = performance.now();
    const running = hostile().then((result) => {
      results.push(result);
      hostileMs.push(performance.now() - started);
    });
    // Let the hostile request reach the server first, so the health check queues behind it.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const healthStarted = performance.now();
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    healthMs = Math.min(healthMs, performance.now() - healthStarted);
    await running;
  }
  return { results, hostileMs, healthMs };
}

describe('an option schema pattern meets hostile data', () => {
  beforeAll(async () => {
    await server.publish({
      id: 'redos-form',
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: {
          type: 'form',
          config: {
            outputVariable: 'answer',
            options: [{ id: 'go', schema: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: EVIL } } } }],
          },
          branches: { go: 'done' },
        },
        done: { type: 'complete', config: { claims: { name: '{% answer.name %}' } } },
      },
    });
    // The option schema is compiled at its first submission, and ajv's first compile (of its
    // meta-schema) holds the loop ~100 ms whatever the pattern: pay it before timing the attack.
    const warm = (await startSession(server, 'redos-form')).body;
    expect((await submit(server, warm, 'ask', 'go', { name: 'aaa' })).body.status).toBe('completed');
  });

  it('30 "a"s and "!" get a prompt 422 validation_failed, and /healthz answers within 100 ms meanwhile', async () => {
    const session = (await startSession(server, 'redos-form')).body;
    expect(session.status).toBe('waiting');
    const { results, hostileMs, healthMs } = await withHealthCheck(() => submit(server, session, 'ask', 'go', { name: 'a'.repeat(30) + '!' }));
    for (const result of results) {
      expect(result.status, JSON.stringify(result.body)).toBe(422);
      expect(result.body.error.code).toBe('validation_failed');
      expect(result.body.error.details.errors).toEqual([expect.objectContaining({ path: '/name', keyword: 'pattern' })]);
    }
    for (const ms of hostileMs) expect(ms).toBeLessThan(1000);
    expect(healthMs).toBeLessThan(100);
  });

  it('a value the pattern accepts still goes through', async () => {
    const session = (await startSession(server, 'redos-form')).body;
    const done = await submit(server, session, 'ask', 'go', { name: 'a'.repeat(30) });
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ name: 'a'.repeat(30) });
  });
});

describe('a JSONata regex meets hostile data', () => {
  beforeAll(async () => {
    await server.publish({
      id: 'redos-expression',
      start: 'compute',
      settings: { public: true },
      steps: {
        compute: { type: 'set-variables', config: { assign: { matches: `{% $count($match($input.x, /${EVIL}/)) %}` } }, branches: { next: 'done' } },
        done: { type: 'complete', config: { claims: { matches: '{% matches %}' } } },
      },
    });
  });

  it('$match on 28 "a"s and "!" completes at once, and /healthz answers within 100 ms meanwhile', async () => {
    const { results, hostileMs, healthMs } = await withHealthCheck(() => startSession(server, 'redos-expression', { input: { x: 'a'.repeat(28) + '!' } }));
    for (const result of results) {
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(result.body.status).toBe('completed');
      expect(result.body.result.claims).toEqual({ matches: 0 });
    }
    for (const ms of hostileMs) expect(ms).toBeLessThan(1000);
    expect(healthMs).toBeLessThan(100);
  });

  it('the same regex still matches what it should', async () => {
    const res = await startSession(server, 'redos-expression', { input: { x: 'a'.repeat(28) } });
    expect(res.body.result.claims).toEqual({ matches: 1 });
  });
});

describe('patterns RE2 cannot run are refused at publishing', () => {
  it.each([
    [
      'a backreference in an option schema',
      {
        ask: {
          type: 'form',
          config: { outputVariable: 'answer', options: [{ id: 'go', schema: { type: 'object', properties: { code: { type: 'string', pattern: '(a)\\1' } } } }] },
          branches: { go: 'done' },
        },
      },
      '/steps/ask/config/options/0/schema/properties/code/pattern',
    ],
    [
      'a backreference in a $match regex',
      { ask: { type: 'set-variables', config: { assign: { m: '{% $match("aa", /(a)\\1/) %}' } }, branches: { next: 'done' } } },
      '/steps/ask/config/assign/m',
    ],
  ])('%s: the draft is saved invalid, publishing answers 422 with unsupported_pattern', async (label, steps, path) => {
    const id = `redos-refused-${label.includes('$match') ? 'match' : 'schema'}`;
    const document = { id, start: 'ask', settings: { public: true }, steps: { ...steps, done: { type: 'complete' } } };
    const saved = await server.admin('PUT', `/v1/admin/journeys/${id}`, document);
    expect(saved.status).toBe(200);
    expect(saved.body.valid).toBe(false);
    const expected = expect.objectContaining({ severity: 'error', code: 'unsupported_pattern', path, stepId: 'ask', message: expect.stringMatching(/backreference/) });
    expect(saved.body.diagnostics).toContainEqual(expected);

    const published = await server.admin('POST', `/v1/admin/journeys/${id}/publish`);
    expect(published.status).toBe(422);
    expect(published.body.error.code).toBe('validation_failed');
    expect(published.body.error.details.diagnostics).toContainEqual(expected);
  });
});

describe('an option schema computed when the step runs', () => {
  it.each([
    ['with a backreference', '{% {"type": "object", "properties": {"n": {"type": "string", "pattern": "(a)\\\\1"}}} %}', /backreference/],
    ['that is no JSON Schema', '{% {"type": 12} %}', /schema is invalid/],
  ])('%s fails the step with expression_error when it asks (no submission can answer 500)', async (label, schema, reason) => {
    const id = `redos-computed-${label.includes('backreference') ? 'backref' : 'invalid'}`;
    await server.publish({
      id,
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: { type: 'form', config: { outputVariable: 'answer', options: [{ id: 'go', schema }] }, errorOutputVariable: 'err', branches: { go: 'done', failure: 'caught' } },
        done: { type: 'complete' },
        caught: { type: 'complete', config: { claims: { err: '{% err %}' } } },
      },
    });
    const res = await startSession(server, id);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.result.claims.err).toEqual({ code: 'expression_error', message: expect.stringMatching(reason) });
    expect(res.body.result.claims.err.message).toContain('option "go"');
  });
});

describe('a version published before patterns were checked', () => {
  it('starting it answers 422 validation_failed with the unsupported_pattern diagnostic (never a native regex)', async () => {
    const id = 'redos-legacy';
    const document = {
      id,
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: {
          type: 'form',
          config: { outputVariable: 'answer', options: [{ id: 'go', schema: { type: 'object', properties: { n: { type: 'string', pattern: '^(?!admin)' } } } }] },
          branches: { go: 'done' },
        },
        done: { type: 'complete' },
      },
    };
    // As an older engine would have stored it: straight into the store, past today's validator.
    const hash = hashDocument(document);
    await server.engine.store.journeys.putDocument(hash, document);
    await server.engine.store.journeys.publish(id, hash, document, new Date().toISOString());

    const res = await startSession(server, id);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'unsupported_pattern', path: '/steps/ask/config/options/0/schema/properties/n/pattern', message: expect.stringMatching(/lookahead/) }),
    );
  });
});
