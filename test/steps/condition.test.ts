import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { reveal, run, timeline } from './step-helpers.js';

describe('condition step', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  const withExpression = (expression: unknown, step: Record<string, unknown> = {}) => ({
    check: { type: 'condition', config: { expression }, branches: { true: 'yes', false: 'no' }, ...step },
    yes: reveal({ branch: 'true' }),
    no: reveal({ branch: 'false' }),
  });

  it('follows "true" when the expression is true', async () => {
    const started = await run(server, withExpression('{% $input.n > 3 %}'), {}, { n: 5 });
    expect(started.body.status).toBe('completed');
    expect(started.body.result.claims).toEqual({ branch: 'true' });
  });

  it('follows "false" when the expression is false', async () => {
    const started = await run(server, withExpression('{% $input.n > 3 %}'), {}, { n: 1 });
    expect(started.body.result.claims).toEqual({ branch: 'false' });
  });

  it('reads session variables at the root', async () => {
    const started = await run(server, {
      init: { type: 'set-variables', config: { assign: { role: 'admin' } }, branches: { next: 'check' } },
      ...withExpression("{% role = 'admin' %}"),
    });
    expect(started.body.result.claims).toEqual({ branch: 'true' });
  });

  it('accepts literal booleans', async () => {
    expect((await run(server, withExpression(true))).body.result.claims).toEqual({ branch: 'true' });
    expect((await run(server, withExpression(false))).body.result.claims).toEqual({ branch: 'false' });
  });

  for (const [label, expression] of [
    ['a string', "{% 'yes' %}"],
    ['a number', '{% 1 %}'],
    ['zero', '{% 0 %}'],
    ['null', '{% null %}'],
    ['an object', '{% { "a": true } %}'],
    ['an array', '{% [true] %}'],
    // (A variable no step sets would be unset_variable, refused before publishing.)
    ['nothing (an absent input field)', '{% $input.missing %}'],
  ] as const) {
    it(`a non-boolean result (${label}) fails expression_error into errorOutputVariable and the failure branch`, async () => {
      const started = await run(server, {
        check: {
          type: 'condition',
          config: { expression },
          errorOutputVariable: 'err',
          branches: { true: 'yes', false: 'no', failure: 'handled' },
        },
        yes: reveal({ branch: 'true' }),
        no: reveal({ branch: 'false' }),
        handled: reveal({ branch: 'failure', err: '{% err %}' }),
      });
      expect(started.body.status).toBe('completed');
      const { branch, err } = started.body.result.claims;
      expect(branch).toBe('failure');
      expect(err).toMatchObject({ code: 'expression_error', message: expect.any(String) });
      expect(err.message.length).toBeGreaterThan(0);
      for (const key of Object.keys(err)) expect(['code', 'message', 'details']).toContain(key);
    });
  }

  it('without a failure branch, a non-boolean result ends the session failed with expression_error', async () => {
    const started = await run(server, withExpression("{% 'yes' %}"));
    expect(started.body.status).toBe('failed');
    expect(started.body.error).toMatchObject({ code: 'expression_error' });
    expect(typeof started.body.error.message).toBe('string');
    expect(started.body.result).toBeNull();
    expect(started.body.step).toBeNull();
  });

  it('with errorOutputVariable but no failure branch, the session still ends failed and the timeline records the error', async () => {
    const started = await run(server, withExpression('{% 7 %}', { errorOutputVariable: 'err' }));
    expect(started.body.status).toBe('failed');
    expect(started.body.error.code).toBe('expression_error');
    const events = await timeline(server, started.body.sessionId);
    expect(events).toContainEqual(expect.objectContaining({ stepId: 'check', event: 'ended', branch: 'failed', error: expect.objectContaining({ code: 'expression_error' }) }));
  });

  it('onFailure "abort" ends failed even when a failure branch is wired', async () => {
    const started = await run(server, {
      check: {
        type: 'condition',
        config: { expression: "{% 'yes' %}" },
        onFailure: 'abort',
        branches: { true: 'yes', false: 'no', failure: 'handled' },
      },
      yes: reveal({}),
      no: reveal({}),
      handled: reveal({ handled: true }),
    });
    expect(started.body.status).toBe('failed');
    expect(started.body.error.code).toBe('expression_error');
  });

  it('an evaluation error (runtime JSONata error) also fails expression_error', async () => {
    const started = await run(server, {
      check: { type: 'condition', config: { expression: "{% $number('abc') > 1 %}" }, errorOutputVariable: 'err', branches: { true: 'yes', false: 'no', failure: 'handled' } },
      yes: reveal({}),
      no: reveal({}),
      handled: reveal({ code: '{% err.code %}' }),
    });
    expect(started.body.result.claims).toEqual({ code: 'expression_error' });
  });

  it('a runaway expression (recursion, huge sequence) fails expression_error instead of stalling', async () => {
    for (const expression of ['{% ($f := function($x){ $f($x) + 1 }; $f(1)) > 0 %}', '{% $count([1..10000000]) > 0 %}']) {
      const before = Date.now();
      const started = await run(server, {
        check: { type: 'condition', config: { expression }, errorOutputVariable: 'err', branches: { true: 'yes', false: 'no', failure: 'handled' } },
        yes: reveal({}),
        no: reveal({}),
        handled: reveal({ code: '{% err.code %}' }),
      });
      expect(started.body.result.claims, expression).toEqual({ code: 'expression_error' });
      expect(Date.now() - before, expression).toBeLessThan(5000);
    }
  });

  it('a taken branch that is not wired ends failed with unwired_branch', async () => {
    const started = await run(server, {
      check: { type: 'condition', config: { expression: '{% false %}' }, branches: { true: 'yes' } },
      yes: reveal({}),
    });
    expect(started.body.status).toBe('failed');
    expect(started.body.error.code).toBe('unwired_branch');
  });

  it('is refused at publish without expression, with unknown keys, or with a syntax error', async () => {
    for (const [config, code] of [
      [{}, 'invalid_config'],
      [{ expression: true, extra: 1 }, 'invalid_config'],
      [{ expression: '{% 1 + %}' }, 'expression_syntax'],
      [{ expression: 'yes' }, 'invalid_config'],
    ] as const) {
      const result = await server.admin('POST', '/v1/admin/validate', {
        id: 'cond-invalid',
        start: 'check',
        steps: { check: { type: 'condition', config, branches: { true: 'done', false: 'done' } }, done: { type: 'complete' } },
      });
      expect(result.body.valid, JSON.stringify(config)).toBe(false);
      expect(result.body.diagnostics.map((d: { code: string }) => d.code), JSON.stringify(config)).toContain(code);
    }
  });
});
