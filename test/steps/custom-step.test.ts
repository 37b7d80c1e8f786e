import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineStep } from '../../engine/sdk.js';
import { startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { reveal, run } from './step-helpers.js';

/** A non-interactive custom step: greets, fails on demand, throws on demand. */
const greetStep = defineStep({
  type: 'test.greet',
  title: 'Greet',
  category: 'data',
  description: 'Builds a greeting.',
  interactive: false,
  branches: ['success', 'vip'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1 },
      punctuation: { type: 'string', default: '!' },
      mode: { type: 'string', enum: ['normal', 'fail', 'throw'], default: 'normal' },
      outputVariable: { type: 'string' },
    },
  } as const,
  run(ctx) {
    const { name, punctuation, mode } = ctx.config;
    if (mode === 'fail') return ctx.fail({ code: 'greet_refused', message: 'will not greet', details: { name } });
    if (mode === 'throw') throw new Error('secret internal detail');
    const greeting = `Hello ${name}${punctuation}`;
    return ctx.branch(name === 'VIP' ? 'vip' : 'success', { output: { greeting }, variables: { greeted: true } });
  },
});

/** An interactive custom step: asks for a code until it gets "open-sesame", counting tries in step state. */
const askCodeStep = defineStep({
  type: 'test.ask-code',
  title: 'Ask code',
  category: 'authentication',
  description: 'Asks a code.',
  interactive: true,
  branches: ['success'],
  configSchema: { type: 'object', additionalProperties: false, properties: { maxTries: { type: 'integer', default: 2 } } } as const,
  run(ctx) {
    const tries = typeof ctx.state?.tries === 'number' ? ctx.state.tries : 0;
    const options = [{ id: 'verify', schema: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } } }];
    if (!ctx.submission) return ctx.ask({ data: { prompt: 'code?' }, options, state: { tries } });
    const code = (ctx.submission.data as { code: string }).code;
    if (code === 'open-sesame') return ctx.branch('success', { variables: { tries: tries + 1 } });
    if (tries + 1 >= ctx.config.maxTries) return ctx.fail({ code: 'too_many_attempts', message: 'out of tries' });
    return ctx.ask({ data: { prompt: 'code?' }, options, state: { tries: tries + 1 }, error: { code: 'invalid_code', message: 'wrong code' } });
  },
});

describe('a custom step', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ steps: [greetStep, askCodeStep] });
  });
  afterAll(() => server.close({ remove: true }));

  it('appears in GET /v1/admin/steps with its catalogue entry, next to the built-ins', async () => {
    const res = await server.admin('GET', '/v1/admin/steps');
    expect(res.status).toBe(200);
    const types = res.body.map((e: { type: string }) => e.type);
    for (const type of ['form', 'display', 'condition', 'switch', 'set-variables', 'risk.decision', 'http.request', 'user.identify', 'complete', 'reject', 'test.greet', 'test.ask-code']) {
      expect(types).toContain(type);
    }
    const greet = res.body.find((e: { type: string }) => e.type === 'test.greet');
    expect(greet).toMatchObject({
      type: 'test.greet',
      title: 'Greet',
      category: 'data',
      description: 'Builds a greeting.',
      configSchema: greetStep.configSchema,
      branches: ['success', 'vip'],
      interactive: false,
    });
    expect(res.body.find((e: { type: string }) => e.type === 'test.ask-code')).toMatchObject({ interactive: true, branches: ['success'] });

    const unauthenticated = await server.request('GET', '/v1/admin/steps');
    expect(unauthenticated.status).toBe(401);
  });

  it('the catalogue describes the built-ins branches as the spec says (failure never listed)', async () => {
    const res = await server.admin('GET', '/v1/admin/steps');
    const entry = (type: string) => res.body.find((e: { type: string }) => e.type === type);
    expect(entry('switch').branches).toEqual({ from: '/cases', key: 'id', extra: ['default'] });
    expect(entry('condition').branches).toEqual(['true', 'false']);
    expect(entry('display').branches).toEqual(['next']);
    expect(entry('set-variables').branches).toEqual(['next']);
    expect([...entry('risk.decision').branches].sort()).toEqual(['allow', 'block', 'challenge', 'review']);
    expect(entry('http.request').branches).toEqual(['success']);
    expect(entry('user.identify').branches).toEqual(['success']);
    expect(entry('complete').branches).toEqual([]);
    expect(entry('reject').branches).toEqual([]);
    expect(entry('form').interactive).toBe(true);
    expect(entry('display').interactive).toBe(true);
    expect(entry('condition').interactive).toBe(false);
  });

  it('the catalogue gives form branches in the documented shape { from: "/options", key: "id", extra: [] }', async () => {
    const res = await server.admin('GET', '/v1/admin/steps');
    const form = res.body.find((e: { type: string }) => e.type === 'form');
    expect(form.branches).toEqual({ from: '/options', key: 'id', extra: [] });
  });

  it('runs with config expressions evaluated and schema defaults applied; output goes to outputVariable', async () => {
    const started = await run(
      server,
      {
        greet: { type: 'test.greet', config: { name: '{% $input.who %}', outputVariable: 'hello' }, branches: { success: 'done', vip: 'vip' } },
        done: reveal({ hello: '{% hello %}', greeted: '{% greeted %}' }),
        vip: reveal({ vip: true }),
      },
      {},
      { who: 'Ann' },
    );
    expect(started.body.status).toBe('completed');
    expect(started.body.result.claims).toEqual({ hello: { greeting: 'Hello Ann!' }, greeted: true });
  });

  it('follows its own declared branches', async () => {
    const started = await run(server, {
      greet: { type: 'test.greet', config: { name: 'VIP', punctuation: '?' }, branches: { success: 'done', vip: 'vip' } },
      done: reveal({ path: 'success' }),
      vip: reveal({ path: 'vip' }),
    });
    expect(started.body.result.claims).toEqual({ path: 'vip' });
  });

  it('fails uniformly: error into errorOutputVariable and the failure branch, or the session failed', async () => {
    const handled = await run(server, {
      greet: { type: 'test.greet', config: { name: 'x', mode: 'fail' }, errorOutputVariable: 'err', branches: { success: 'done', vip: 'done', failure: 'f' } },
      done: reveal({ path: 'success' }),
      f: reveal({ path: 'failure', err: '{% err %}' }),
    });
    expect(handled.body.result.claims).toEqual({ path: 'failure', err: { code: 'greet_refused', message: 'will not greet', details: { name: 'x' } } });

    const unhandled = await run(server, {
      greet: { type: 'test.greet', config: { name: 'x', mode: 'fail' }, branches: { success: 'done' } },
      done: reveal({}),
    });
    expect(unhandled.body).toMatchObject({ status: 'failed', error: { code: 'greet_refused', message: 'will not greet' } });
  });

  it('a step that throws fails with step_error without leaking the exception', async () => {
    const started = await run(server, {
      greet: { type: 'test.greet', config: { name: 'x', mode: 'throw' }, branches: { success: 'done' } },
      done: reveal({}),
    });
    expect(started.body.status).toBe('failed');
    expect(started.body.error.code).toBe('step_error');
    expect(JSON.stringify(started.body)).not.toContain('secret internal detail');
  });

  it('its config is validated at publish like a built-in', async () => {
    const result = await server.admin('POST', '/v1/admin/validate', {
      id: 'custom-invalid',
      start: 'greet',
      steps: { greet: { type: 'test.greet', config: { mode: 'loud' }, branches: { success: 'done', nope: 'done' } }, done: { type: 'complete' } },
    });
    expect(result.body.valid).toBe(false);
    const codes = result.body.diagnostics.map((d: { code: string }) => d.code);
    expect(codes).toContain('invalid_config');
    expect(codes).toContain('unknown_branch');
  });

  it('an interactive custom step asks, keeps its state across submits, retries with error, then succeeds', async () => {
    const started = await run(server, {
      code: { type: 'test.ask-code', config: { maxTries: 3 }, branches: { success: 'done' } },
      done: reveal({ tries: '{% tries %}' }),
    });
    expect(started.body).toMatchObject({ status: 'waiting', step: { id: 'code', type: 'test.ask-code', data: { prompt: 'code?' } }, error: null });
    expect(started.body.step.options.map((o: { id: string }) => o.id)).toEqual(['verify']);

    const wrong = await submit(server, started.body, 'code', 'verify', { code: 'nope' });
    expect(wrong.body).toMatchObject({ status: 'waiting', step: { id: 'code' }, error: { code: 'invalid_code', message: 'wrong code' } });
    const refused = await submit(server, started.body, 'code', 'verify', {});
    expect(refused.status).toBe(422);

    const right = await submit(server, started.body, 'code', 'verify', { code: 'open-sesame' });
    expect(right.body.status).toBe('completed');
    expect(right.body.result.claims).toEqual({ tries: 2 });
  });

  it('an interactive custom step that runs out of tries fails', async () => {
    const started = await run(server, {
      code: { type: 'test.ask-code', branches: { success: 'done' } },
      done: reveal({}),
    });
    const first = await submit(server, started.body, 'code', 'verify', { code: 'a' });
    expect(first.body.error.code).toBe('invalid_code');
    const second = await submit(server, started.body, 'code', 'verify', { code: 'b' });
    expect(second.body).toMatchObject({ status: 'failed', error: { code: 'too_many_attempts' } });
  });
});
