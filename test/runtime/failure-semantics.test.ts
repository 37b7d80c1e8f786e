/**
 * Failure is uniform for every step (journey format, "Failure" and "Waiting"): built-in or custom,
 * failing or throwing, a step's error goes to errorOutputVariable, the failure branch is followed
 * unless onFailure is "abort" or nothing is wired, and a failure whose branch leads back to a form
 * is shown in `error` while the session waits, until the next submit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineStep } from '../../engine/steps/define-step.js';
import { startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';

const THROWN_TEXT = 'db password is hunter2 at 10.0.0.7';

const emptyConfig = { type: 'object', additionalProperties: false, properties: {} } as const;

const failingStep = defineStep({
  type: 'test.fail',
  title: 'Always fails',
  category: 'logic',
  description: 'Fails with a custom error.',
  interactive: false,
  branches: ['success'],
  configSchema: emptyConfig,
  run(ctx) {
    return ctx.fail({ code: 'custom_refusal', message: 'the custom step refused', details: { hint: 'test' } });
  },
});

const throwingStep = defineStep({
  type: 'test.throw',
  title: 'Always throws',
  category: 'logic',
  description: 'Throws an exception carrying internal details.',
  interactive: false,
  branches: ['success'],
  configSchema: emptyConfig,
  async run() {
    throw new Error(THROWN_TEXT);
  },
});

const otherBranchStep = defineStep({
  type: 'test.other',
  title: 'Takes "other"',
  category: 'logic',
  description: 'Declares success and other; always takes other.',
  interactive: false,
  branches: ['success', 'other'],
  configSchema: emptyConfig,
  run(ctx) {
    return ctx.branch('other');
  },
});

interface Subject {
  name: string;
  step: { type: string; config?: Record<string, unknown> };
  /** The response's `error` (code and message). */
  error: { code: string; message: string | RegExp };
  /** What errorOutputVariable holds (details included when the step gave them). */
  variable: Record<string, unknown>;
}

const subjects: Subject[] = [
  {
    name: 'user.identify without create, unknown user',
    step: { type: 'user.identify', config: { username: 'nobody-at-all' } },
    error: { code: 'user_not_found', message: 'no such user' },
    variable: { code: 'user_not_found', message: 'no such user' },
  },
  {
    name: 'custom step calling ctx.fail',
    step: { type: 'test.fail', config: {} },
    error: { code: 'custom_refusal', message: 'the custom step refused' },
    variable: { code: 'custom_refusal', message: 'the custom step refused', details: { hint: 'test' } },
  },
  {
    name: 'custom step whose run throws',
    step: { type: 'test.throw', config: {} },
    error: { code: 'step_error', message: /.+/ },
    variable: { code: 'step_error', message: expect.any(String) },
  },
];

let counter = 0;
const nextId = (prefix: string) => `${prefix}-${++counter}`;

function probeJourney(
  id: string,
  step: Subject['step'],
  options: { wireFailure: boolean; onFailure?: 'branch' | 'abort'; errorOutputVariable?: string | null },
) {
  const errorOutputVariable = options.errorOutputVariable === undefined ? 'err' : options.errorOutputVariable;
  return {
    id,
    name: id,
    start: 'probe',
    settings: { public: true },
    steps: {
      probe: {
        ...step,
        ...(errorOutputVariable ? { errorOutputVariable } : {}),
        ...(options.onFailure ? { onFailure: options.onFailure } : {}),
        branches: { success: 'ok', ...(options.wireFailure ? { failure: 'recovered' } : {}) },
      },
      ok: { type: 'complete', config: { claims: { path: 'success' } } },
      recovered: {
        type: 'complete',
        // Without errorOutputVariable nothing sets `err`: reading it would be unset_variable.
        config: { claims: { path: 'failure', ...(errorOutputVariable ? { err: '{% err %}' } : {}), hasErr: '{% $exists(err) %}' } },
      },
    },
  };
}

function expectError(actual: unknown, expected: Subject['error']) {
  expect(actual).toEqual({ code: expected.code, message: expect.any(String) });
  const message = (actual as { message: string }).message;
  if (expected.message instanceof RegExp) expect(message).toMatch(expected.message);
  else expect(message).toBe(expected.message);
}

describe('uniform failure semantics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ steps: [failingStep, throwingStep, otherBranchStep] });
  });
  afterAll(() => server.close({ remove: true }));

  describe.each(subjects)('$name', (subject) => {
    it('stores { code, message } in errorOutputVariable and follows the wired failure branch (onFailure absent)', async () => {
      const id = nextId('fail-branch');
      await server.publish(probeJourney(id, subject.step, { wireFailure: true }));
      const res = await startSession(server, id);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('completed');
      expect(res.body.error).toBeNull();
      expect(res.body.result.claims.path).toBe('failure');
      expect(res.body.result.claims.hasErr).toBe(true);
      expect(res.body.result.claims.err).toEqual(subject.variable);
      expect(typeof res.body.result.claims.err.message).toBe('string');
    });

    it('follows the failure branch with onFailure "branch"', async () => {
      const id = nextId('fail-explicit-branch');
      await server.publish(probeJourney(id, subject.step, { wireFailure: true, onFailure: 'branch' }));
      const res = await startSession(server, id);
      expect(res.body.status).toBe('completed');
      expect(res.body.result.claims.path).toBe('failure');
      expect(res.body.result.claims.err).toMatchObject({ code: subject.error.code });
    });

    it('follows the failure branch even without errorOutputVariable', async () => {
      const id = nextId('fail-no-var');
      await server.publish(probeJourney(id, subject.step, { wireFailure: true, errorOutputVariable: null }));
      const res = await startSession(server, id);
      expect(res.body.status).toBe('completed');
      expect(res.body.result.claims.path).toBe('failure');
      expect(res.body.result.claims.hasErr).toBe(false);
    });

    it('ends failed with the error when onFailure is "abort", although failure is wired', async () => {
      const id = nextId('fail-abort');
      await server.publish(probeJourney(id, subject.step, { wireFailure: true, onFailure: 'abort' }));
      const res = await startSession(server, id);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('failed');
      expect(res.body.result).toBeNull();
      expect(res.body.step).toBeNull();
      expectError(res.body.error, subject.error);

      const again = await server.request('GET', `/v1/sessions/${res.body.sessionId}`, { token: res.body.sessionToken });
      expect(again.body.status).toBe('failed');
      expectError(again.body.error, subject.error);
    });

    it('ends failed with the error when no failure branch is wired', async () => {
      const id = nextId('fail-unwired');
      await server.publish(probeJourney(id, subject.step, { wireFailure: false }));
      const res = await startSession(server, id);
      expect(res.body.status).toBe('failed');
      expect(res.body.result).toBeNull();
      expectError(res.body.error, subject.error);
    });
  });

  it('a step that throws fails with step_error and its message never carries the thrown text', async () => {
    const id = nextId('throw-leak');
    await server.publish(probeJourney(id, { type: 'test.throw', config: {} }, { wireFailure: true }));
    const branched = await startSession(server, id);
    expect(branched.body.result.claims.err.code).toBe('step_error');
    expect(JSON.stringify(branched.body)).not.toContain('hunter2');

    const abortId = nextId('throw-leak-abort');
    await server.publish(probeJourney(abortId, { type: 'test.throw', config: {} }, { wireFailure: false }));
    const failed = await startSession(server, abortId);
    expect(failed.body.status).toBe('failed');
    expect(failed.body.error.code).toBe('step_error');
    expect(failed.body.error.message).not.toContain('hunter2');
    expect(failed.body.error.message).not.toContain('10.0.0.7');

    // Nor in what admins see of the session.
    const history = await server.admin('GET', `/v1/admin/sessions/${failed.body.sessionId}`);
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).not.toContain('hunter2');
    expect(history.body.timeline.some((e: { event: string; error?: { code: string } }) => e.event === 'error' && e.error?.code === 'step_error')).toBe(true);
  });

  it('taking a declared branch that is not wired ends failed with unwired_branch (custom step), not the failure branch', async () => {
    const id = nextId('unwired-custom');
    const saved = await server.admin('PUT', `/v1/admin/journeys/${id}`, {
      id,
      start: 'probe',
      settings: { public: true },
      steps: {
        probe: { type: 'test.other', config: {}, errorOutputVariable: 'err', branches: { success: 'ok', failure: 'recovered' } },
        ok: { type: 'complete', config: { claims: { path: 'success' } } },
        recovered: { type: 'complete', config: { claims: { path: 'failure' } } },
      },
    });
    expect(saved.body.valid).toBe(true);
    expect(saved.body.diagnostics).toContainEqual(expect.objectContaining({ code: 'unwired_branch', severity: 'warning', stepId: 'probe' }));
    expect((await server.admin('POST', `/v1/admin/journeys/${id}/publish`)).status).toBe(201);

    const res = await startSession(server, id);
    expect(res.body.status).toBe('failed');
    expect(res.body.error).toEqual({ code: 'unwired_branch', message: expect.any(String) });
    expect(res.body.result).toBeNull();
  });

  it('taking a declared branch that is not wired ends failed with unwired_branch (built-in condition)', async () => {
    const id = nextId('unwired-condition');
    await server.publish({
      id,
      start: 'check',
      settings: { public: true },
      steps: {
        check: { type: 'condition', config: { expression: '{% $input.n > 10 %}' }, branches: { true: 'ok' } },
        ok: { type: 'complete', config: { claims: {} } },
      },
    });
    const wired = await startSession(server, id, { input: { n: 11 } });
    expect(wired.body.status).toBe('completed');
    const unwired = await startSession(server, id, { input: { n: 1 } });
    expect(unwired.body.status).toBe('failed');
    expect(unwired.body.error.code).toBe('unwired_branch');
  });
});

describe('a failure whose branch leads back to a form is shown while waiting', () => {
  let server: TestServer;
  const id = 'identify-loop';
  beforeAll(async () => {
    server = await startTestServer();
    await server.publish({
      id,
      start: 'login',
      settings: { public: true },
      steps: {
        login: {
          type: 'form',
          config: {
            outputVariable: 'login',
            title: 'Who are you?',
            options: [
              { id: 'go', label: 'Go', schema: { type: 'object', required: ['username'], properties: { username: { type: 'string', minLength: 1 } } } },
              { id: 'skip', label: 'Skip' },
            ],
          },
          branches: { go: 'identify', skip: 'info' },
        },
        identify: {
          type: 'user.identify',
          config: { username: '{% login.username %}' },
          errorOutputVariable: 'identifyError',
          branches: { success: 'welcome', failure: 'login' },
        },
        welcome: { type: 'display', config: { title: 'Welcome' }, branches: { next: 'done' } },
        info: { type: 'display', config: { title: 'Info' }, branches: { next: 'done' } },
        done: { type: 'complete', config: { claims: { lastError: '{% identifyError %}' } } },
      },
    });
    await server.engine.store.users.create({ id: 'user-alice', username: 'alice', attributes: {}, createdAt: server.clock.now().toISOString() });
  });
  afterAll(() => server.close({ remove: true }));

  it('holds the failure after the loop back, keeps it on GET and on a refused submit, and clears it after a submit that does not fail', async () => {
    const started = await startSession(server, id);
    expect(started.body).toMatchObject({ status: 'waiting', step: { id: 'login' }, error: null });

    const failed = await submit(server, started.body, 'login', 'go', { username: 'ghost' });
    expect(failed.status).toBe(200);
    expect(failed.body.status).toBe('waiting');
    expect(failed.body.step.id).toBe('login');
    expect(failed.body.error).toEqual({ code: 'user_not_found', message: 'no such user' });

    const read = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(read.body.error).toEqual({ code: 'user_not_found', message: 'no such user' });

    // A refused submit (data does not match the option schema) changes nothing.
    const refused = await submit(server, started.body, 'login', 'go', {});
    expect(refused.status).toBe(422);
    const stillThere = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(stillThere.body.error).toEqual({ code: 'user_not_found', message: 'no such user' });

    // Failing again: the error is the new failure since the previous submit.
    const failedAgain = await submit(server, started.body, 'login', 'go', { username: 'ghost2' });
    expect(failedAgain.body.step.id).toBe('login');
    expect(failedAgain.body.error).toEqual({ code: 'user_not_found', message: 'no such user' });

    const ok = await submit(server, started.body, 'login', 'go', { username: 'alice' });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('waiting');
    expect(ok.body.step.id).toBe('welcome');
    expect(ok.body.error).toBeNull();
    const readOk = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(readOk.body.error).toBeNull();

    // errorOutputVariable still holds the last failure (the response's error does not).
    const done = await submit(server, started.body, 'welcome', 'continue');
    expect(done.body.status).toBe('completed');
    expect(done.body.error).toBeNull();
    expect(done.body.result.claims.lastError).toEqual({ code: 'user_not_found', message: 'no such user' });
  });

  it('clears the error after a submit of another option that does not fail', async () => {
    const started = await startSession(server, id);
    const failed = await submit(server, started.body, 'login', 'go', { username: 'nobody' });
    expect(failed.body.error?.code).toBe('user_not_found');
    const skipped = await submit(server, started.body, 'login', 'skip');
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({ status: 'waiting', step: { id: 'info' }, error: null });
  });

  it('does not carry one session\'s error into another session', async () => {
    const first = await startSession(server, id);
    await submit(server, first.body, 'login', 'go', { username: 'ghost' });
    const second = await startSession(server, id);
    expect(second.body.error).toBeNull();
  });
});
