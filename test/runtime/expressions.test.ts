/**
 * Expressions (journey format, "Expressions"): JSONata in `{% %}` strings, compiled when the
 * journey is validated, evaluated per step with the session's scope and bounded guardrails.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXPRESSION_LIMITS,
  ExpressionError,
  compileConfigTemplate,
  compileExpression,
  evaluateConfigTemplate,
  type ExpressionScope,
} from '../../engine/runtime/expressions.js';
import { defineStep } from '../../engine/steps/define-step.js';
import { ADMIN_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';

const RUNAWAY = '{% ($f := function($x){ $f($x+1) }; $f(0)) %}';
const DEEP_RECURSION = '{% ($f := function($x){ 1 + $f($x+1) }; $f(0)) %}';
const HUGE_SEQUENCE = '{% [1..200000] %}';

function scope(overrides: Partial<ExpressionScope> = {}): ExpressionScope {
  return {
    variables: {},
    input: {},
    user: null,
    tokens: [],
    now: new Date('2026-01-15T10:00:00.000Z'),
    ...overrides,
  };
}

/** Awaits a promise that must reject and answers the rejection. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('compileExpression', () => {
  it('evaluates against the session variables as the root object', async () => {
    const expression = compileExpression('{% loginData.username & "@" & domain %}');
    expect(expression.source).toBe('{% loginData.username & "@" & domain %}');
    await expect(expression.evaluate(scope({ variables: { loginData: { username: 'ada' }, domain: 'example.org' } }))).resolves.toBe('ada@example.org');
  });

  it('binds $input, $user, $userTokens() and $now()/$millis() from the scope', async () => {
    const now = new Date('2031-07-04T12:34:56.789Z');
    const tokens = [{ type: 'otp', issuedAt: '2031-07-04T12:00:00.000Z', claims: { level: 2 } }];
    const result = await compileExpression(
      '{% { "input": $input.name, "user": $user.username, "tokens": $userTokens(), "now": $now(), "millis": $millis() } %}',
    ).evaluate(scope({ input: { name: 'in' }, user: { id: 'u1', username: 'ada' }, tokens, now }));
    expect(result).toEqual({ input: 'in', user: 'ada', tokens, now: '2031-07-04T12:34:56.789Z', millis: now.getTime() });
  });

  it('answers plain JSON: sequences become arrays, functions are dropped', async () => {
    await expect(compileExpression('{% [1..3] %}').evaluate(scope())).resolves.toEqual([1, 2, 3]);
    // A built-in function value is dropped, not stored as a JSONata internal object.
    await expect(compileExpression('{% { "f": $uppercase, "list": [1, 2] } %}').evaluate(scope())).resolves.toEqual({ list: [1, 2] });
    // So is a lambda (whose JSONata environment is circular).
    await expect(compileExpression('{% { "f": function($x){ $x }, "list": [1, 2] } %}').evaluate(scope())).resolves.toEqual({ list: [1, 2] });
  });

  it('finds nothing through prototype names built at run time', async () => {
    const variables = { a: { b: 1 } };
    await expect(compileExpression('{% $lookup(a, "con" & "structor") %}').evaluate(scope({ variables }))).resolves.toBeUndefined();
    await expect(compileExpression('{% $lookup(a, "__pro" & "to__") %}').evaluate(scope({ variables }))).resolves.toBeUndefined();
    await expect(compileExpression('{% $eval("a.con" & "structor") %}').evaluate(scope({ variables }))).resolves.toBeUndefined();
  });

  it('refuses syntax errors at compile time', () => {
    expect(() => compileExpression('{% 1 + %}')).toThrow();
    expect(() => compileExpression('{% ($x := 1 %}')).toThrow();
  });

  it.each([
    ['{% __proto__ %}', '__proto__'],
    ['{% a.__proto__ %}', '__proto__'],
    ['{% a.constructor %}', 'constructor'],
    ['{% constructor %}', 'constructor'],
    ['{% $lookup(a, "constructor") %}', 'constructor'],
    ["{% a['__proto__'] %}", '__proto__'],
    ['{% a.prototype %}', 'prototype'],
  ])('refuses %s at compile time', (source, name) => {
    expect(() => compileExpression(source)).toThrow(name);
  });

  it('stops a runaway recursion within its time limit with a clear message', async () => {
    const started = performance.now();
    const error = await rejection(compileExpression(RUNAWAY).evaluate(scope()));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({ code: expect.stringMatching(/^D101[12]$/) });
  });

  it('stops a deep non-tail recursion at the stack limit', async () => {
    const error = await rejection(compileExpression(DEEP_RECURSION).evaluate(scope()));
    expect(error).toMatchObject({ code: expect.stringMatching(/^D101[12]$/) });
  });

  it('refuses a sequence longer than the limit, and allows one at the limit', async () => {
    const error = await rejection(compileExpression(HUGE_SEQUENCE).evaluate(scope()));
    expect(error).toMatchObject({ code: expect.stringMatching(/^D201[45]$/) });
    await expect(compileExpression(`{% $count([1..${EXPRESSION_LIMITS.sequenceLength}]) %}`).evaluate(scope())).resolves.toBe(EXPRESSION_LIMITS.sequenceLength);
  });

  it('binds $now() per evaluation: concurrent evaluations of one compiled expression each see their own clock', async () => {
    // Work before and after reading the clock lets the evaluations interleave.
    const expression = compileExpression('{% ($a := $sum([1..2000]); $t := $now(); $b := $sum([1..2000]); { "t": $t, "again": $now(), "ms": $millis() }) %}');
    const clocks = Array.from({ length: 8 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i, i, i, i, i)));
    const results = (await Promise.all(clocks.map((now) => expression.evaluate(scope({ now }))))) as Array<{ t: string; again: string; ms: number }>;
    results.forEach((result, i) => {
      expect(result.t).toBe(clocks[i].toISOString());
      expect(result.again).toBe(clocks[i].toISOString());
      expect(result.ms).toBe(clocks[i].getTime());
    });
  });

  it('keeps $now() with a picture string a JSONata built-in (formatted from the bound clock)', async () => {
    const now = new Date('2031-07-04T12:34:56.789Z');
    await expect(compileExpression("{% $now('[Y0001]-[M01]-[D01]') %}").evaluate(scope({ now }))).resolves.toBe('2031-07-04');
  });
});

describe('compileConfigTemplate and evaluateConfigTemplate', () => {
  it('collects every expression with its path, leaving literals as they are', () => {
    const template = compileConfigTemplate({ title: 'Hello', n: '{% a %}', nested: { list: ['{% b %}', 'x', 3] }, half: 'not {% an %} expression' });
    expect(template.expressions.map((e) => e.path)).toEqual([['n'], ['nested', 'list', '0']]);
    expect(template.expressions.map((e) => e.expression.source)).toEqual(['{% a %}', '{% b %}']);
  });

  it('replaces each expression with its value, removes keys whose value is undefined, and never mutates the template', async () => {
    const config = { title: 'Hello', n: '{% a %}', nested: { list: ['{% b %}', 'x', '{% missing %}'] }, gone: '{% missing %}', user: '{% $user.id %}' };
    const template = compileConfigTemplate(config);
    const result = await evaluateConfigTemplate(template, scope({ variables: { a: 1, b: { deep: true } }, user: { id: 'u-1', username: 'ada' } }));
    expect(result).toEqual({ title: 'Hello', n: 1, nested: { list: [{ deep: true }, 'x', null] }, user: 'u-1' });
    expect(result).not.toHaveProperty('gone');
    expect(template.literal).toEqual(config);
    const again = await evaluateConfigTemplate(template, scope({ variables: { a: 2 } }));
    expect(again).toEqual({ title: 'Hello', n: 2, nested: { list: [null, 'x', null] } });
  });

  it('copies a config without expressions (the template literal is not shared)', async () => {
    const template = compileConfigTemplate({ claims: { role: 'x' } });
    const result = (await evaluateConfigTemplate(template, scope())) as { claims: { role: string } };
    expect(result).toEqual({ claims: { role: 'x' } });
    result.claims.role = 'changed';
    expect((template.literal as { claims: { role: string } }).claims.role).toBe('x');
  });

  it('evaluates a config that is itself an expression', async () => {
    const template = compileConfigTemplate('{% { "assign": { "x": a * 2 } } %}');
    await expect(evaluateConfigTemplate(template, scope({ variables: { a: 21 } }))).resolves.toEqual({ assign: { x: 42 } });
  });

  it('throws a compile error for a bad expression anywhere in the config', () => {
    expect(() => compileConfigTemplate({ ok: '{% a %}', deep: [{ bad: '{% ( %}' }] })).toThrow();
    expect(() => compileConfigTemplate({ deep: { x: '{% a.__proto__.polluted %}' } })).toThrow('__proto__');
  });

  it('reports an evaluation failure as ExpressionError (expression_error) with the path, without quoting values', async () => {
    const template = compileConfigTemplate({ fine: 'literal', deep: { list: ['{% $number(secretValue) %}'] } });
    const error = await rejection(evaluateConfigTemplate(template, scope({ variables: { secretValue: 'topsecret-123' } })));
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).code).toBe('expression_error');
    expect((error as ExpressionError).path).toBe('/deep/list/0');
    expect((error as ExpressionError).message).not.toContain('topsecret');
  });

  it('turns the guardrails into expression_error with a message naming the limit', async () => {
    const runaway = await rejection(evaluateConfigTemplate(compileConfigTemplate({ x: RUNAWAY }), scope()));
    expect(runaway).toBeInstanceOf(ExpressionError);
    expect((runaway as Error).message).toMatch(/ms|stack depth/);
    const huge = await rejection(evaluateConfigTemplate(compileConfigTemplate({ x: HUGE_SEQUENCE }), scope()));
    expect(huge).toBeInstanceOf(ExpressionError);
    expect((huge as Error).message).toMatch(/sequence length/);
  });
});

const issuingStep = defineStep({
  type: 'test.issue-token',
  title: 'Issue a token',
  category: 'logic',
  description: 'Adds a token to $userTokens().',
  interactive: false,
  branches: ['next'],
  configSchema: { type: 'object', additionalProperties: false, properties: {} } as const,
  run(ctx) {
    return ctx.branch('next', { tokens: [{ type: 'test-token', claims: { level: 2 } }] });
  },
});

describe('expressions in journeys over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ steps: [issuingStep] });
  });
  afterAll(() => server.close({ remove: true }));

  it('$input is the start input', async () => {
    await server.publish({
      id: 'expr-input',
      start: 'done',
      settings: { public: true },
      steps: { done: { type: 'complete', config: { claims: { name: '{% $input.name %}', whole: '{% $input %}', upper: '{% $uppercase($input.name) %}' } } } },
    });
    const res = await startSession(server, 'expr-input', { input: { name: 'Ada', n: 3 } });
    expect(res.body.status).toBe('completed');
    expect(res.body.result.claims).toEqual({ name: 'Ada', whole: { name: 'Ada', n: 3 }, upper: 'ADA' });
  });

  it('$user is null before identification and the user context after', async () => {
    await server.publish({
      id: 'expr-user',
      start: 'before',
      settings: { public: true },
      steps: {
        // Reading $user itself here is unset_variable (an error): test for a user with $exists.
        before: { type: 'set-variables', config: { assign: { userBefore: '{% $exists($user.id) %}' } }, branches: { next: 'identify' } },
        identify: {
          type: 'user.identify',
          config: { username: '{% $input.username %}', create: true, attributes: { email: '{% $input.email %}' } },
          branches: { success: 'done' },
        },
        done: {
          type: 'complete',
          config: { claims: { before: '{% userBefore %}', username: '{% $user.username %}', id: '{% $user.id %}', email: '{% $user.email %}' } },
        },
      },
    });
    const res = await startSession(server, 'expr-user', { input: { username: 'grace', email: 'grace@example.org' } });
    expect(res.body.status).toBe('completed');
    const claims = res.body.result.claims;
    expect(claims).toMatchObject({ before: false, username: 'grace', email: 'grace@example.org' });
    const stored = await server.engine.store.users.findByUsername('grace');
    expect(claims.id).toBe(stored!.id);
  });

  it('$userTokens() lists { type, issuedAt, claims } of the tokens issued so far', async () => {
    await server.publish({
      id: 'expr-tokens',
      start: 'before',
      settings: { public: true },
      steps: {
        before: { type: 'set-variables', config: { assign: { countBefore: '{% $count($userTokens()) %}' } }, branches: { next: 'issue' } },
        issue: { type: 'test.issue-token', config: {}, branches: { next: 'done' } },
        done: { type: 'complete', config: { claims: { countBefore: '{% countBefore %}', tokens: '{% $userTokens() %}' } } },
      },
    });
    const res = await startSession(server, 'expr-tokens');
    expect(res.body.status).toBe('completed');
    expect(res.body.result.claims).toEqual({
      countBefore: 0,
      tokens: [{ type: 'test-token', issuedAt: server.clock.now().toISOString(), claims: { level: 2 } }],
    });
  });

  it('$now() is the injected clock at the time each step runs', async () => {
    await server.publish({
      id: 'expr-now',
      start: 'stamp',
      settings: { public: true },
      steps: {
        stamp: { type: 'set-variables', config: { assign: { startedAt: '{% $now() %}' } }, branches: { next: 'wait' } },
        wait: { type: 'display', config: { title: 'Wait' }, branches: { next: 'done' } },
        done: { type: 'complete', config: { claims: { startedAt: '{% startedAt %}', finishedAt: '{% $now() %}', millis: '{% $millis() %}' } } },
      },
    });
    server.clock.advance(86_400 * 30 + 17);
    const startTime = server.clock.now();
    const started = await startSession(server, 'expr-now');
    expect(started.body.status).toBe('waiting');
    server.clock.advance(95);
    const finishTime = server.clock.now();
    const done = await submit(server, started.body, 'wait', 'continue');
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({
      startedAt: startTime.toISOString(),
      finishedAt: finishTime.toISOString(),
      millis: finishTime.getTime(),
    });
  });

  async function publishGuarded(id: string, expression: string, wireFailure: boolean) {
    await server.publish({
      id,
      start: 'compute',
      settings: { public: true },
      steps: {
        compute: {
          type: 'set-variables',
          config: { assign: { x: expression } },
          errorOutputVariable: 'err',
          branches: { next: 'done', ...(wireFailure ? { failure: 'caught' } : {}) },
        },
        done: { type: 'complete', config: { claims: { path: 'done' } } },
        caught: { type: 'complete', config: { claims: { path: 'caught', err: '{% err %}' } } },
      },
    });
  }

  it('a runaway expression ends in a bounded expression_error, quickly', async () => {
    await publishGuarded('expr-runaway', RUNAWAY, false);
    const started = performance.now();
    const res = await startSession(server, 'expr-runaway');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('failed');
    expect(res.body.error).toEqual({ code: 'expression_error', message: expect.any(String) });
  });

  it('an expression_error is a step failure: it follows the failure branch and fills errorOutputVariable', async () => {
    await publishGuarded('expr-runaway-caught', DEEP_RECURSION, true);
    const started = performance.now();
    const res = await startSession(server, 'expr-runaway-caught');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(res.body.status).toBe('completed');
    expect(res.body.result.claims.path).toBe('caught');
    expect(res.body.result.claims.err).toMatchObject({ code: 'expression_error', message: expect.any(String) });
  });

  it('a huge sequence is refused with expression_error', async () => {
    await publishGuarded('expr-huge', HUGE_SEQUENCE, false);
    const res = await startSession(server, 'expr-huge');
    expect(res.body.status).toBe('failed');
    expect(res.body.error.code).toBe('expression_error');
  });

  it('a condition whose expression is not a boolean fails with expression_error', async () => {
    await server.publish({
      id: 'expr-condition',
      start: 'check',
      settings: { public: true },
      steps: {
        check: { type: 'condition', config: { expression: '{% $input.value %}' }, branches: { true: 'yes', false: 'no' } },
        yes: { type: 'complete', config: { claims: {} } },
        no: { type: 'reject', config: { code: 'no' } },
      },
    });
    expect((await startSession(server, 'expr-condition', { input: { value: true } })).body.status).toBe('completed');
    expect((await startSession(server, 'expr-condition', { input: { value: false } })).body.status).toBe('rejected');
    const res = await startSession(server, 'expr-condition', { input: { value: 'yes' } });
    expect(res.body.status).toBe('failed');
    expect(res.body.error.code).toBe('expression_error');
  });

  it.each(['{% a.__proto__ %}', '{% $lookup($, "constructor") %}'])('refuses %s at validation (expression_syntax) and publishing', async (expression) => {
    const id = `expr-forbidden-${expression.includes('proto') ? 'proto' : 'ctor'}`;
    const saved = await server.admin('PUT', `/v1/admin/journeys/${id}`, {
      id,
      start: 'compute',
      steps: {
        compute: { type: 'set-variables', config: { assign: { x: expression } }, branches: { next: 'done' } },
        done: { type: 'complete', config: { claims: {} } },
      },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.valid).toBe(false);
    expect(saved.body.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'expression_syntax', path: '/steps/compute/config/assign/x', stepId: 'compute' }),
    );
    const published = await server.admin('POST', `/v1/admin/journeys/${id}/publish`);
    expect(published.status).toBe(422);
  });

  it('a set-variables step assigning a variable named "__proto__" is refused by validation', async () => {
    const id = 'expr-assign-proto';
    const document = `{"id":"${id}","start":"compute","steps":{"compute":{"type":"set-variables","config":{"assign":{"__proto__":{"polluted":true}}},"branches":{"next":"done"}},"done":{"type":"complete","config":{"claims":{}}}}}`;

    // The validator itself (what PUT, publish and the designer use) refuses it.
    const direct = server.engine.admin.validate(JSON.parse(document));
    expect(direct.valid).toBe(false);
    expect(direct.diagnostics.some((d) => d.severity === 'error' && d.path.startsWith('/steps/compute/config/assign'))).toBe(true);

    // Over HTTP: PUT saves the draft and answers valid:false (http-api.md, "a draft with errors is saved all the same").
    const saved = await server.request('PUT', `/v1/admin/journeys/${id}`, { rawBody: document, token: ADMIN_KEY });
    expect(saved.status).toBe(200);
    expect(saved.body.valid).toBe(false);
    expect(saved.body.diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', stepId: 'compute' }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['errorOutputVariable', { type: 'set-variables', config: { assign: { x: 1 } }, errorOutputVariable: '__proto__', branches: { next: 'done' } }],
    ['form outputVariable', { type: 'form', config: { outputVariable: '__proto__', options: [{ id: 'go' }] }, branches: { go: 'done' } }],
    ['set-variables "constructor"', { type: 'set-variables', config: { assign: { constructor: 1 } }, branches: { next: 'done' } }],
  ])('a journey that would assign a prototype name through %s answers valid:false', async (_name, step) => {
    const id = `expr-proto-${_name.replace(/[^a-z]/gi, '').toLowerCase()}`;
    const document = { id, start: 'compute', steps: { compute: step, done: { type: 'complete', config: { claims: {} } } } };
    expect(server.engine.admin.validate(document).valid).toBe(false);
    const saved = await server.admin('PUT', `/v1/admin/journeys/${id}`, document);
    expect(saved.status).toBe(200);
    expect(saved.body.valid).toBe(false);
  });
});
