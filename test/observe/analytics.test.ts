/**
 * The funnel over HTTP, exactly, on SQLite and PostgreSQL: a seeded set of real sessions (each
 * path known: completed, cancelled, failed on an unreachable API, abandoned on either of two
 * waiting steps, a test run, a second version) gives these figures and no others. Waits are
 * reported as the upper bound of their histogram bucket (9 % wide).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../engine/runtime/sweeper.js';
import { waitBucket, waitBucketUpperMs } from '../../engine/store/rows/funnel.js';
import { describePostgres, freshSchema, type TestSchema } from '../helpers/postgres.js';
import { nameFormJourney } from '../helpers/journeys.js';
import { startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { newSecretKey } from '../reliability/harness.js';

/** nameFormJourney with a third option, `call`: an http.request to a closed loopback port (fails the session). */
function funnelJourney(name = 'Funnel') {
  const journey = nameFormJourney('funnel', name);
  const ask = journey.steps.ask as { config: { options: unknown[] }; branches: Record<string, string> };
  ask.config.options.push({ id: 'call', label: 'Call' });
  ask.branches.call = 'fetch';
  return {
    ...journey,
    steps: { ...journey.steps, fetch: { type: 'http.request', config: { url: 'http://127.0.0.1:9/unreachable', timeoutMs: 1000 }, branches: { success: 'done' } } },
  };
}

const reported = (ms: number) => waitBucketUpperMs(waitBucket(ms));

function funnelSuite(name: string, env: () => Record<string, string>) {
  describe(name, () => {
    let server: TestServer;
    const hour = '2026-01-15T10:00:00.000Z';

    beforeAll(async () => {
      server = await startTestServer({ env: env() });
      await server.publish(funnelJourney());
      const wait = (seconds: number) => server.clock.advance(seconds);
      const start = async () => (await startSession(server, 'funnel')).body;

      // 3 completed: 2 s on ask, 5 s on shown.
      for (let i = 0; i < 3; i++) {
        const s = await start();
        wait(2);
        const shown = (await submit(server, s, 'ask', 'go', { name: 'Ada' })).body;
        wait(5);
        expect((await submit(server, shown, 'shown', 'continue')).body.status).toBe('completed');
      }
      // 2 rejected: 10 s on ask, then cancel.
      for (let i = 0; i < 2; i++) {
        const s = await start();
        wait(10);
        expect((await submit(server, s, 'ask', 'cancel')).body.status).toBe('rejected');
      }
      // 1 failed: 1 s on ask, then the API call fails.
      const failing = await start();
      wait(1);
      expect((await submit(server, failing, 'ask', 'call')).body).toMatchObject({ status: 'failed', error: { code: 'http_unreachable' } });
      // 2 abandoned on ask; 1 abandoned on shown after 3 s on ask.
      await start();
      await start();
      const lingering = await start();
      wait(3);
      expect((await submit(server, lingering, 'ask', 'go', { name: 'Bo' })).body.step.id).toBe('shown');
      // A test run of the draft: never counted.
      const test = await server.admin('POST', '/v1/admin/journeys/funnel/test-runs', {});
      expect((await submit(server, test.body, 'ask', 'cancel')).body.status).toBe('rejected');

      // Past the TTL (900 s): the sweeper counts the three that waited as expired.
      wait(1000);
      const swept = await sweepOnce(server.engine.store, server.clock.now(), 86_400);
      expect(swept.expired).toBe(3);
      expect((await sweepOnce(server.engine.store, server.clock.now(), 86_400)).expired).toBe(0);

      // Version 2, one completed session (in the same hour).
      await server.publish(funnelJourney('Funnel v2'));
      const v2 = await start();
      const shown = (await submit(server, v2, 'ask', 'go', { name: 'Cy' })).body;
      expect((await submit(server, shown, 'shown', 'continue')).body.status).toBe('completed');
    }, 60_000);
    afterAll(() => server.close({ remove: true }));

    const analytics = async (query: string) => {
      const response = await server.admin('GET', `/v1/admin/journeys/funnel/analytics${query}`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body;
    };
    const range = `from=${encodeURIComponent('2026-01-15T00:00:00Z')}&to=${encodeURIComponent('2026-01-16T00:00:00Z')}`;

    it('version 1: totals, every step, waits, and the series', async () => {
      const body = await analytics(`?version=1&${range}`);
      expect(body).toMatchObject({ journeyId: 'funnel', version: 1, from: '2026-01-15T00:00:00.000Z', to: '2026-01-16T00:00:00.000Z' });
      expect(body.totals).toEqual({ started: 9, completed: 3, rejected: 2, failed: 1, expired: 3 });
      const steps = Object.fromEntries(body.steps.map((s: { stepId: string }) => [s.stepId, s]));
      expect(Object.keys(steps).sort()).toEqual(['ask', 'done', 'fetch', 'no', 'shown']);
      const askWaits = [2000, 2000, 2000, 10000, 10000, 1000, 3000].sort((a, b) => a - b);
      expect(steps.ask).toEqual({
        stepId: 'ask',
        entered: 9,
        branches: { go: 4, cancel: 2, call: 1 },
        errors: {},
        ended: {},
        abandoned: 2,
        wait: { count: 7, medianMs: reported(askWaits[3]), p95Ms: reported(askWaits[6]) },
      });
      // The figures docs/observability.md shows.
      expect(steps.ask.wait).toEqual({ count: 7, medianMs: 2047, p95Ms: 10623 });
      expect(steps.shown).toEqual({ stepId: 'shown', entered: 4, branches: { next: 3 }, errors: {}, ended: {}, abandoned: 1, wait: { count: 3, medianMs: reported(5000), p95Ms: reported(5000) } });
      expect(steps.done).toMatchObject({ entered: 3, ended: { completed: 3 }, abandoned: 0, wait: { count: 0, medianMs: null, p95Ms: null } });
      expect(steps.no).toMatchObject({ entered: 2, ended: { rejected: 2 } });
      expect(steps.fetch).toMatchObject({ entered: 1, errors: { http_unreachable: 1 }, ended: { failed: 1 }, branches: {} });
      expect(body.series).toEqual([{ at: hour, started: 9, completed: 3, rejected: 2, failed: 1, expired: 3 }]);
      // Reported waits are within 9 % above the true value.
      expect(reported(2000)).toBeGreaterThanOrEqual(2000);
      expect(reported(2000)).toBeLessThan(2000 * 1.091);
    });

    it('all versions, one other version, and ranges without sessions', async () => {
      const all = await analytics(`?${range}`);
      expect(all.version).toBeNull();
      expect(all.totals).toEqual({ started: 10, completed: 4, rejected: 2, failed: 1, expired: 3 });
      const v2 = await analytics(`?version=2&${range}`);
      expect(v2.totals).toEqual({ started: 1, completed: 1, rejected: 0, failed: 0, expired: 0 });
      expect(v2.steps.find((s: { stepId: string }) => s.stepId === 'ask')).toMatchObject({ entered: 1, branches: { go: 1 }, wait: { count: 1, medianMs: 0 } });
      const later = await analytics(`?from=${encodeURIComponent('2026-01-15T11:00:00Z')}&to=${encodeURIComponent('2026-01-15T12:00:00Z')}`);
      expect(later.totals).toEqual({ started: 0, completed: 0, rejected: 0, failed: 0, expired: 0 });
      expect(later.steps).toEqual([]);
      expect(later.series).toEqual([]);
      // Rounded out to whole hours: 10:30–10:31 is the 10:00 hour.
      const inside = await analytics(`?version=1&from=${encodeURIComponent('2026-01-15T10:30:00Z')}&to=${encodeURIComponent('2026-01-15T10:31:00Z')}`);
      expect(inside).toMatchObject({ from: hour, to: '2026-01-15T11:00:00.000Z', totals: { started: 9 } });
    });

    it('refuses bad queries and unknown journeys', async () => {
      expect((await server.admin('GET', '/v1/admin/journeys/nope/analytics')).status).toBe(404);
      expect((await server.admin('GET', '/v1/admin/journeys/funnel/analytics?version=x')).status).toBe(400);
      expect((await server.admin('GET', '/v1/admin/journeys/funnel/analytics?from=yesterday')).status).toBe(400);
      const reversed = await server.admin('GET', `/v1/admin/journeys/funnel/analytics?from=${encodeURIComponent('2026-01-16T00:00:00Z')}&to=${encodeURIComponent('2026-01-15T00:00:00Z')}`);
      expect(reversed.status).toBe(400);
      const long = await server.admin('GET', `/v1/admin/journeys/funnel/analytics?from=${encodeURIComponent('2024-01-01T00:00:00Z')}&to=${encodeURIComponent('2026-01-15T00:00:00Z')}`);
      expect(long.status).toBe(400);
    });
  });
}

funnelSuite('journey analytics: SQLite', () => ({}));

describePostgres('journey analytics: PostgreSQL', (url) => {
  let schema: TestSchema;
  beforeAll(() => {
    schema = freshSchema(url);
  });
  afterAll(() => schema.drop());
  funnelSuite('over one schema', () => ({ DATABASE_URL: schema.url, SECRET_KEY: newSecretKey() }));
});
