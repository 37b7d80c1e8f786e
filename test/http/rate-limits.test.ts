import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRateLimits } from '../../engine/http/rate-limit.js';
import { startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';

const journey = {
  id: 'limited',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: { type: 'display', config: { title: 'Hello' }, branches: { next: 'again' } },
    again: { type: 'display', config: { title: 'Again' }, branches: { next: 'done' } },
    done: { type: 'complete' },
  },
};

describe('RATE_LIMITS', () => {
  it('parses limits, "off", and refuses malformed values', () => {
    expect(parseRateLimits('start=300/60,submit=60/60')).toEqual({ start: { count: 300, windowSeconds: 60 }, submit: { count: 60, windowSeconds: 60 } });
    expect(parseRateLimits('off')).toEqual({});
    expect(() => parseRateLimits('start=abc')).toThrow(/RATE_LIMITS/);
    expect(() => parseRateLimits('login=5/60')).toThrow(/RATE_LIMITS/);
    expect(() => parseRateLimits('start=0/60')).toThrow(/RATE_LIMITS/);
  });

  describe('over HTTP', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ env: { RATE_LIMITS: 'start=4/60,submit=2/60' } });
      await server.publish(journey);
    });
    afterAll(() => server.close({ remove: true }));

    it('answers 429 rate_limited past the start limit per address, with Retry-After, until the window passes', async () => {
      for (let i = 0; i < 4; i++) expect((await startSession(server, 'limited')).status).toBe(200);
      const refused = await startSession(server, 'limited');
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limited');
      expect(refused.headers.get('retry-after')).toBe('60');
      server.clock.advance(61);
      expect((await startSession(server, 'limited')).status).toBe(200);
    });

    it('limits submits per session and leaves the session unchanged when refusing', async () => {
      server.clock.advance(61);
      const started = (await startSession(server, 'limited')).body;
      // Two refused submits (stale step) still count: the limit is about load, not success.
      expect((await submit(server, started, 'nope', 'continue')).status).toBe(409);
      expect((await submit(server, started, 'nope', 'continue')).status).toBe(409);
      const before = await server.request('GET', `/v1/sessions/${started.sessionId}`, { token: started.sessionToken });
      const refused = await submit(server, started, 'ask', 'continue');
      expect(refused.status).toBe(429);
      const after = await server.request('GET', `/v1/sessions/${started.sessionId}`, { token: started.sessionToken });
      expect(after.body).toEqual(before.body);
      // Wrong tokens spend nothing: knowing a session id does not let anyone lock its owner out.
      const fresh = (await startSession(server, 'limited')).body;
      for (let i = 0; i < 3; i++) expect((await submit(server, { ...fresh, sessionToken: 'wrong' }, 'ask', 'continue')).status).toBe(401);
      expect((await submit(server, fresh, 'ask', 'continue')).status).toBe(200);
      // Another session has its own budget.
      const other = (await startSession(server, 'limited')).body;
      expect((await submit(server, other, 'ask', 'continue')).status).toBe(200);
    });
  });
});
