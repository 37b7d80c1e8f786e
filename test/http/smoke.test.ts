import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';

const journey = {
  id: 'core-login',
  name: 'Core login',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: {
      type: 'form',
      config: {
        outputVariable: 'login',
        options: [{ id: 'go', label: 'Go', schema: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } }],
      },
      branches: { go: 'check' },
    },
    check: { type: 'condition', config: { expression: "{% login.name = 'alice' %}" }, branches: { true: 'done', false: 'no' } },
    done: { type: 'complete', config: { claims: { name: '{% login.name %}' } } },
    no: { type: 'reject', config: { code: 'unknown', message: 'Unknown name' } },
  },
};

describe('a core journey over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.publish(journey);
  });
  afterAll(() => server.close({ remove: true }));

  it('runs to completed with a token that validates once', async () => {
    const started = await startSession(server, 'core-login');
    expect(started.status).toBe(200);
    expect(started.body.status).toBe('waiting');
    expect(started.body.step).toMatchObject({ id: 'ask', type: 'form' });
    const done = await submit(server, started.body, 'ask', 'go', { name: 'alice' });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ name: 'alice' });

    const first = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: APP_KEY });
    expect(first.body).toMatchObject({ valid: true, state: 'CHALLENGE_SUCCEEDED', journeyId: 'core-login', journeyVersion: 1, sessionId: started.body.sessionId, claims: { name: 'alice' } });
    const second = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: APP_KEY });
    expect(second.body).toEqual({ valid: false, reason: 'already_used' });
  });

  it('ends rejected on the other branch', async () => {
    const started = await startSession(server, 'core-login');
    const done = await submit(server, started.body, 'ask', 'go', { name: 'bob' });
    expect(done.body).toMatchObject({ status: 'rejected', error: { code: 'unknown', message: 'Unknown name' }, result: null, step: null });
  });
});
