/**
 * A called journey's steps count against its caller's request (#20): the step limit and the CPU
 * budget of a start or submit are shared, so a call cannot be used to run more than one request may.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STEPS_WITHOUT_CLIENT } from '../../engine/runtime/step-executor.js';
import { ADMIN_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';

describe('limits shared with the child', () => {
  let server: TestServer;
  let tight: TestServer;
  beforeAll(async () => {
    // The step limit is what ends the loop below, not the CPU budget.
    server = await startTestServer({ env: { RUN_CPU_BUDGET_MS: '60000' } });
    tight = await startTestServer({ env: { RUN_CPU_BUDGET_MS: '50' } });
    await server.publish({
      id: 'tick',
      start: 'set',
      steps: {
        set: { type: 'set-variables', config: { assign: { ticked: true } }, branches: { next: 'done' } },
        done: { type: 'complete', config: { claims: { ticked: '{% ticked %}' } } },
      },
    });
    await tight.publish({
      id: 'heavy',
      start: 'burn',
      steps: {
        burn: { type: 'set-variables', config: { assign: { total: '{% $count($map([1..90000], function($v) { $uppercase($string($v) & \'abcdefgh\') })) %}' } }, branches: { next: 'done' } },
        done: { type: 'complete' },
      },
    });
  });
  afterAll(async () => {
    await server.close({ remove: true });
    await tight.close({ remove: true });
  });

  it('counts the child\'s steps toward the step limit', async () => {
    // A loop through a call never waits for the client: only the step limit ends it.
    await server.publish({
      id: 'looper',
      start: 'mark',
      settings: { public: true },
      steps: {
        mark: { type: 'set-variables', config: { assign: { round: 1 } }, branches: { next: 'again' } },
        again: { type: 'journey.call', config: { journeyId: 'tick' }, branches: { success: 'mark', failure: 'stop' } },
        stop: { type: 'reject', config: { code: 'stopped', message: 'stopped' } },
      },
    });
    const started = await startSession(server, 'looper');
    expect(started.body).toMatchObject({ status: 'failed', error: { code: 'step_limit_exceeded' } });
    const detail = await server.request('GET', `/v1/admin/sessions/${started.body.sessionId}`, { token: ADMIN_KEY });
    const rounds = detail.body.timeline.filter((e: { stepId: string; event: string }) => e.event === 'entered' && e.stepId === 'again').length;
    // Four steps a round (two of the caller's, two of the child's): a quarter of the limit, not half.
    expect(rounds).toBeGreaterThanOrEqual(MAX_STEPS_WITHOUT_CLIENT / 4 - 2);
    expect(rounds).toBeLessThanOrEqual(MAX_STEPS_WITHOUT_CLIENT / 4 + 2);
  });

  it('charges the child\'s expressions to the request\'s CPU budget', async () => {
    await tight.publish({
      id: 'burner',
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: { type: 'form', config: { outputVariable: 'a', options: [{ id: 'go', label: 'go' }] }, branches: { go: 'call' } },
        call: { type: 'journey.call', config: { journeyId: 'heavy' }, branches: { success: 'done' } },
        done: { type: 'complete' },
      },
    });
    const started = await startSession(tight, 'burner');
    const ended = await submit(tight, started.body, 'ask', 'go');
    // The child failed on the budget; the call, with no failure branch, ends the session so.
    expect(ended.body).toMatchObject({ status: 'failed', error: { code: 'budget_exceeded' } });
    const detail = await tight.request('GET', `/v1/admin/sessions/${started.body.sessionId}`, { token: ADMIN_KEY });
    expect(detail.body.timeline.find((e: { event: string; error?: { code: string } }) => e.event === 'error' && e.error?.code === 'budget_exceeded')).toMatchObject({ stepId: 'call/burn' });
  });
});
