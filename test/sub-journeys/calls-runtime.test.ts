/**
 * How a call behaves while sessions run (#20): `latest` pinned when the session reaches the call,
 * abort propagation, `$auth` into and out of the child, a call's input never counted as a trusted
 * caller's word, the shared step limit, and admin test runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, ADMIN_KEY, startSession, submit, type TestServer } from '../helpers/test-server.js';
import { child, grandchild, parent, startCallServer } from './sub-journey-fixtures.js';

/** A child version whose single step differs from child() v1: a v1 snapshot cannot run on it. */
function childV2() {
  return {
    id: 'child',
    start: 'other',
    steps: {
      other: { type: 'form', config: { outputVariable: 'x', options: [{ id: 'go', label: 'go' }] }, branches: { go: 'done' } },
      done: { type: 'complete', config: { claims: { generation: 'two' } } },
    },
  };
}

describe('sub-journeys at run time', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startCallServer();
  });
  afterAll(() => server.close({ remove: true }));

  it('pins "latest" when the session reaches the call, and records the version', async () => {
    const started = await startSession(server, 'parent');
    await submit(server, started.body, 'welcome', 'go');
    // A session that has not reached the call yet.
    const later = await startSession(server, 'parent');

    expect(await server.publish(childV2())).toBe(2);

    // The first session carries on in child v1 to the end.
    expect((await submit(server, started.body, 'outer/hello', 'next')).body.step.id).toBe('outer/inner/confirm');
    const done = await submit(server, started.body, 'outer/inner/confirm', 'ok');
    expect(done.body.result.claims.child.fromGrandchild).toBe('g1');
    const detail = await server.admin('GET', `/v1/admin/sessions/${started.body.sessionId}`);
    expect(detail.body.timeline.find((e: { stepId: string }) => e.stepId === 'outer/hello')).toMatchObject({ journey: { id: 'child', version: 1 } });
    expect(detail.body.timeline.find((e: { stepId: string }) => e.stepId === 'outer/inner/confirm')).toMatchObject({ journey: { id: 'grandchild', version: 1 } });

    // The other reaches the call now: it runs version 2.
    const atV2 = await submit(server, later.body, 'welcome', 'go');
    expect(atV2.body.step.id).toBe('outer/other');
    const doneV2 = await submit(server, later.body, 'outer/other', 'go');
    expect(doneV2.body.result.claims.child).toEqual({ generation: 'two' });

    await server.publish(child());
  });

  it('ends the session failed with the child\'s error when the call aborts on failure', async () => {
    await server.publish({ ...parent('abort'), id: 'strict-parent' });
    const started = await startSession(server, 'strict-parent');
    await submit(server, started.body, 'welcome', 'go');
    await submit(server, started.body, 'outer/hello', 'next');
    const ended = await submit(server, started.body, 'outer/inner/confirm', 'no');
    expect(ended.body).toMatchObject({ status: 'failed', error: { code: 'grand_refused', message: 'the grandchild said no' }, result: null });
  });

  it('hands the caller\'s $auth to the child and brings the child\'s factor back (mfa)', async () => {
    await server.publish({
      id: 'seen-auth',
      start: 'ask',
      steps: {
        ask: { type: 'form', config: { outputVariable: 'a', options: [{ id: 'ok', label: 'ok' }] }, branches: { ok: 'remember' } },
        remember: { type: 'set-variables', config: { assign: { before: '{% $auth.amr %}' } }, branches: { next: 'otp' } },
        otp: { type: 'test.prove', config: { method: 'otp' }, branches: { next: 'done' } },
        done: { type: 'complete', config: { claims: { before: '{% before %}', after: '{% $auth.amr %}' } } },
      },
    });
    await server.publish({
      id: 'step-up',
      start: 'password',
      settings: { public: true },
      steps: {
        password: { type: 'test.prove', config: { method: 'pwd' }, branches: { next: 'second' } },
        second: { type: 'journey.call', config: { journeyId: 'seen-auth', outputVariable: 'seen' }, branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: { seen: '{% seen %}', amr: '{% $auth.amr %}' } } },
      },
    });
    const started = await startSession(server, 'step-up');
    expect(started.body.step.id).toBe('second/ask');
    const done = await submit(server, started.body, 'second/ask', 'ok');
    expect(done.body.result.claims).toEqual({ seen: { before: ['pwd'], after: ['pwd', 'otp', 'mfa'] }, amr: ['pwd', 'otp', 'mfa'] });
    const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: APP_KEY });
    expect(validated.body).toMatchObject({ valid: true, userId: 'user-1', amr: ['pwd', 'otp', 'mfa'] });
  });

  it('never counts a call\'s input as a trusted caller\'s word', async () => {
    const identify = (id: string) => ({
      id,
      start: 'find',
      steps: {
        find: { type: 'user.identify', config: { username: '{% $input.username %}' }, branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: { established: '{% $exists($auth) and $auth != null %}' } } },
      },
    });
    await server.publish({ id: 'make-user', start: 'make', steps: {
      make: { type: 'user.identify', config: { username: 'grace', mode: 'create' }, branches: { success: 'done' } },
      done: { type: 'complete' },
    } });
    expect((await startSession(server, 'make-user', {}, APP_KEY)).body.status).toBe('completed');
    await server.publish(identify('identify'));
    // Started by an app key, the input names an established user…
    const direct = await startSession(server, 'identify', { input: { username: 'grace' } }, APP_KEY);
    expect(direct.body.result.claims.established).toBe(true);
    // …but handed on by a call, the same input establishes nobody.
    await server.publish({ id: 'relay', start: 'call', input: { type: 'object' }, steps: {
      call: { type: 'journey.call', config: { journeyId: 'identify', input: { username: '{% $input.username %}' }, outputVariable: 'r' }, branches: { success: 'done' } },
      done: { type: 'complete', config: { claims: { child: '{% r %}' } } },
    } });
    const relayed = await startSession(server, 'relay', { input: { username: 'grace' } }, APP_KEY);
    expect(relayed.body.status).toBe('completed');
    expect(relayed.body.result.claims.child.established).toBe(false);
    const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: relayed.body.result.token }, token: APP_KEY });
    expect(validated.body.userId).toBeNull();
  });

  it('admin test runs of a draft run its calls too', async () => {
    const started = await server.admin('POST', '/v1/admin/journeys/parent/test-runs', { input: {} });
    expect(started.status).toBe(200);
    expect(started.body.step.id).toBe('welcome');
    await submit(server, started.body, 'welcome', 'go');
    await submit(server, started.body, 'outer/hello', 'next');
    const done = await submit(server, started.body, 'outer/inner/confirm', 'ok');
    expect(done.body.status).toBe('completed');
  });
});
