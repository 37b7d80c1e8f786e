import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { reveal, run } from './step-helpers.js';

const tiers = () => ({
  pick: {
    type: 'switch',
    config: {
      cases: [
        { id: 'gold', when: '{% $input.points >= 100 %}' },
        { id: 'silver', when: '{% $input.points >= 50 %}' },
        { id: 'any', when: '{% $input.points >= 0 %}' },
      ],
    },
    branches: { gold: 'gold', silver: 'silver', any: 'any', default: 'other' },
  },
  gold: reveal({ tier: 'gold' }),
  silver: reveal({ tier: 'silver' }),
  any: reveal({ tier: 'any' }),
  other: reveal({ tier: 'default' }),
});

describe('switch step', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  it('follows the first case whose when is true, even when later cases are true too', async () => {
    expect((await run(server, tiers(), {}, { points: 150 })).body.result.claims).toEqual({ tier: 'gold' });
    expect((await run(server, tiers(), {}, { points: 60 })).body.result.claims).toEqual({ tier: 'silver' });
    expect((await run(server, tiers(), {}, { points: 1 })).body.result.claims).toEqual({ tier: 'any' });
  });

  it('follows "default" when no case is true', async () => {
    const started = await run(server, tiers(), {}, { points: -5 });
    expect(started.body.status).toBe('completed');
    expect(started.body.result.claims).toEqual({ tier: 'default' });
  });

  it('follows "default" when there are no cases', async () => {
    const started = await run(server, { pick: { type: 'switch', config: { cases: [] }, branches: { default: 'other' } }, other: reveal({ tier: 'default' }) });
    expect(started.body.result.claims).toEqual({ tier: 'default' });
  });

  it('honours literal booleans in when', async () => {
    const started = await run(server, {
      pick: { type: 'switch', config: { cases: [{ id: 'a', when: false }, { id: 'b', when: true }] }, branches: { a: 'a', b: 'b', default: 'd' } },
      a: reveal({ c: 'a' }),
      b: reveal({ c: 'b' }),
      d: reveal({ c: 'default' }),
    });
    expect(started.body.result.claims).toEqual({ c: 'b' });
  });

  it('a non-boolean when fails expression_error (failure branch and errorOutputVariable)', async () => {
    const started = await run(server, {
      pick: {
        type: 'switch',
        config: { cases: [{ id: 'a', when: "{% 'truthy' %}" }] },
        errorOutputVariable: 'err',
        branches: { a: 'a', default: 'd', failure: 'f' },
      },
      a: reveal({ c: 'a' }),
      d: reveal({ c: 'default' }),
      f: reveal({ c: 'failure', code: '{% err.code %}' }),
    });
    expect(started.body.result.claims).toEqual({ c: 'failure', code: 'expression_error' });
  });

  it('without a failure branch, a non-boolean when ends failed with expression_error', async () => {
    const started = await run(server, {
      pick: { type: 'switch', config: { cases: [{ id: 'a', when: '{% 1 %}' }] }, branches: { a: 'a', default: 'd' } },
      a: reveal({}),
      d: reveal({}),
    });
    expect(started.body.status).toBe('failed');
    expect(started.body.error.code).toBe('expression_error');
  });

  it('an unwired default ends failed with unwired_branch', async () => {
    const started = await run(server, {
      pick: { type: 'switch', config: { cases: [{ id: 'a', when: false }] }, branches: { a: 'a' } },
      a: reveal({}),
    });
    expect(started.body.status).toBe('failed');
    expect(started.body.error.code).toBe('unwired_branch');
  });

  it('is refused at publish with reserved or duplicate case ids, a missing cases list, or a branch it does not declare', async () => {
    const cases: Array<[Record<string, unknown>, Record<string, string>, string]> = [
      [{ cases: [{ id: 'default', when: true }] }, { default: 'done' }, 'invalid_config'],
      [{ cases: [{ id: 'failure', when: true }] }, { default: 'done' }, 'invalid_config'],
      [{ cases: [{ id: 'a', when: true }, { id: 'a', when: false }] }, { a: 'done', default: 'done' }, 'invalid_config'],
      [{}, { default: 'done' }, 'invalid_config'],
      [{ cases: [{ id: 'a', when: true }] }, { a: 'done', default: 'done', b: 'done' }, 'unknown_branch'],
    ];
    for (const [config, branches, code] of cases) {
      const result = await server.admin('POST', '/v1/admin/validate', {
        id: 'switch-invalid',
        start: 'pick',
        steps: { pick: { type: 'switch', config, branches }, done: { type: 'complete' } },
      });
      expect(result.body.valid, JSON.stringify(config)).toBe(false);
      expect(result.body.diagnostics.map((d: { code: string }) => d.code), JSON.stringify(config)).toContain(code);
    }
  });
});
