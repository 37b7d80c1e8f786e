/**
 * Sub-journeys over HTTP (#20): a parent calls a child that calls a grandchild, each with a step
 * that asks; the client sees one session whose step ids nest, answers them as usual, and the
 * claims, `$user` and `$auth` come back out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, ADMIN_KEY, startSession, submit, type TestServer } from '../helpers/test-server.js';
import { child, grandchild, parent, startCallServer } from './sub-journey-fixtures.js';

describe('a two-level call over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startCallServer();
  });
  afterAll(() => server.close({ remove: true }));

  it('shows each level\'s steps with nested ids and completes with the claims, $user and $auth', async () => {
    const started = await startSession(server, 'parent');
    expect(started.body).toMatchObject({ status: 'waiting', step: { id: 'welcome', type: 'form' } });

    const atChild = await submit(server, started.body, 'welcome', 'go');
    expect(atChild.body).toMatchObject({ status: 'waiting', step: { id: 'outer/hello', type: 'form' } });
    expect(atChild.body.step.options.map((o: { id: string }) => o.id)).toEqual(['next']);

    // The session reads back the same nested step.
    const read = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(read.body.step).toMatchObject({ id: 'outer/hello' });

    // The child's bare id is stale: only the nested id is the session's step.
    const bare = await submit(server, started.body, 'hello', 'next');
    expect(bare.status).toBe(409);
    expect(bare.body.error.code).toBe('stale_step');

    const atGrandchild = await submit(server, started.body, 'outer/hello', 'next');
    expect(atGrandchild.body).toMatchObject({ status: 'waiting', step: { id: 'outer/inner/confirm', type: 'form' } });

    const done = await submit(server, started.body, 'outer/inner/confirm', 'ok');
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toMatchObject({
      child: { fromGrandchild: 'g1', amr: ['otp'] },
      amr: ['otp'],
      user: 'user-1',
    });
    // The factor the grandchild proved is the session's: the one token carries it.
    const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: APP_KEY });
    expect(validated.body).toMatchObject({ valid: true, userId: 'user-1', amr: ['otp'] });
  });

  it('records one nested timeline', async () => {
    const started = await startSession(server, 'parent');
    await submit(server, started.body, 'welcome', 'go');
    await submit(server, started.body, 'outer/hello', 'next');
    await submit(server, started.body, 'outer/inner/confirm', 'ok');
    const detail = await server.request('GET', `/v1/admin/sessions/${started.body.sessionId}`, { token: ADMIN_KEY });
    expect(detail.status).toBe(200);
    const ids = detail.body.timeline.map((e: { stepId: string; event: string }) => `${e.event}:${e.stepId}`);
    expect(ids).toEqual(expect.arrayContaining([
      'entered:outer',
      'entered:outer/hello',
      'submitted:outer/hello',
      'entered:outer/inner/confirm',
      'submitted:outer/inner/confirm',
      'ended:outer/inner/done',
      'ended:outer/done',
      'branch:outer',
      'ended:done',
    ]));
    // Each answer is recorded once, by the step that asked.
    expect(ids.filter((id: string) => id === 'submitted:outer/inner/confirm')).toHaveLength(1);
    expect(ids.filter((id: string) => id.startsWith('submitted:outer') && id.split('/').length === 1)).toHaveLength(0);
  });

  it('takes the failure branch with the child\'s error when the grandchild rejects', async () => {
    const started = await startSession(server, 'parent');
    await submit(server, started.body, 'welcome', 'go');
    await submit(server, started.body, 'outer/hello', 'next');
    const done = await submit(server, started.body, 'outer/inner/confirm', 'no');
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ failedWith: 'grand_refused' });
  });
});
