import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { reveal, run } from './step-helpers.js';

describe('set-variables step', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  it('assigns literals of every JSON type and follows next', async () => {
    const started = await run(server, {
      set: {
        type: 'set-variables',
        config: { assign: { s: 'text', n: 42, b: false, z: null, o: { nested: [1, 'two'] }, a: [true] } },
        branches: { next: 'done' },
      },
      done: reveal({ s: '{% s %}', n: '{% n %}', b: '{% b %}', z: '{% z %}', o: '{% o %}', a: '{% a %}' }),
    });
    expect(started.body.status).toBe('completed');
    expect(started.body.result.claims).toEqual({ s: 'text', n: 42, b: false, z: null, o: { nested: [1, 'two'] }, a: [true] });
  });

  it('evaluates expressions against input, user-less scope and existing variables', async () => {
    const started = await run(
      server,
      {
        one: { type: 'set-variables', config: { assign: { base: 10 } }, branches: { next: 'two' } },
        two: {
          type: 'set-variables',
          config: { assign: { sum: '{% base + $input.add %}', greeting: "{% 'hi ' & $input.name %}", user: '{% $exists($user.id) %}', obj: { inner: '{% base * 2 %}' } } },
          branches: { next: 'done' },
        },
        done: reveal({ sum: '{% sum %}', greeting: '{% greeting %}', userIsNull: '{% user = false %}', obj: '{% obj %}', base: '{% base %}' }),
      },
      {},
      { add: 5, name: 'Zed' },
    );
    expect(started.body.result.claims).toEqual({ sum: 15, greeting: 'hi Zed', userIsNull: true, obj: { inner: 20 }, base: 10 });
  });

  it('every value sees the variables as they were before the step', async () => {
    const started = await run(server, {
      init: { type: 'set-variables', config: { assign: { a: 1, b: 100 } }, branches: { next: 'swap' } },
      swap: {
        type: 'set-variables',
        // Order matters only if values saw each other's new values: they must not.
        config: { assign: { a: '{% b %}', b: '{% a %}', c: '{% a + b %}', d: '{% $exists(d) %}' } },
        branches: { next: 'done' },
      },
      done: reveal({ a: '{% a %}', b: '{% b %}', c: '{% c %}', d: '{% d %}' }),
    });
    expect(started.body.result.claims).toEqual({ a: 100, b: 1, c: 101, d: false });
  });

  it('overwrites existing variables and keeps the others', async () => {
    const started = await run(server, {
      init: { type: 'set-variables', config: { assign: { keep: 'k', tries: 0 } }, branches: { next: 'count' } },
      count: { type: 'set-variables', config: { assign: { tries: '{% tries + 1 %}' } }, branches: { next: 'done' } },
      done: reveal({ keep: '{% keep %}', tries: '{% tries %}' }),
    });
    expect(started.body.result.claims).toEqual({ keep: 'k', tries: 1 });
  });

  it('an expression evaluation error fails expression_error', async () => {
    const started = await run(server, {
      set: {
        type: 'set-variables',
        config: { assign: { x: "{% $error('boom') %}" } },
        errorOutputVariable: 'err',
        branches: { next: 'done', failure: 'f' },
      },
      done: reveal({ path: 'next' }),
      f: reveal({ path: 'failure', code: '{% err.code %}', x: '{% $exists(x) %}' }),
    });
    expect(started.body.result.claims).toEqual({ path: 'failure', code: 'expression_error', x: false });
  });

  it('an unwired next ends failed with unwired_branch', async () => {
    const started = await run(server, {
      // Only the failure branch is wired (so the journey has a reachable terminal); next is not.
      set: { type: 'set-variables', config: { assign: { x: 1 } }, branches: { failure: 'done' } },
      done: reveal({ reached: 'failure' }),
    });
    expect(started.body.status).toBe('failed');
    expect(started.body.error.code).toBe('unwired_branch');
  });

  it('is refused at publish without assign, with an unknown key, or with a bad variable name', async () => {
    for (const config of [{}, { assign: { x: 1 }, other: true }, { assign: { 'bad-name': 1 } }, { assign: { '1st': 1 } }]) {
      const result = await server.admin('POST', '/v1/admin/validate', {
        id: 'set-invalid',
        start: 'set',
        steps: { set: { type: 'set-variables', config, branches: { next: 'done' } }, done: { type: 'complete' } },
      });
      expect(result.body.valid, JSON.stringify(config)).toBe(false);
      expect(result.body.diagnostics.map((d: { code: string }) => d.code)).toContain('invalid_config');
    }
  });
});
