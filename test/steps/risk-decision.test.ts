import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { reveal, run } from './step-helpers.js';

const OUTCOMES = ['allow', 'challenge', 'block', 'review'] as const;

/** A risk.decision step wired to one complete per outcome, each exposing the variable `risk`. */
function riskJourney(config: Record<string, unknown>) {
  return {
    risk: { type: 'risk.decision', config, branches: Object.fromEntries(OUTCOMES.map((o) => [o, `to_${o}`])) },
    ...Object.fromEntries(OUTCOMES.map((o) => [`to_${o}`, reveal({ branch: o, risk: '{% risk %}' })])),
  };
}

const rules = [
  { name: 'blocked country', when: "{% $input.country = 'KP' %}", outcome: 'block' },
  { name: 'new device', when: '{% $input.newDevice %}', outcome: 'challenge' },
  { when: '{% $input.amount > 1000 %}', outcome: 'review' },
];

describe('risk.decision step', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  it("the first matching rule gives the outcome and branch; risk = { outcome, rule } with the rule's name", async () => {
    const started = await run(server, riskJourney({ rules, default: 'allow' }), {}, { country: 'KP', newDevice: true, amount: 5000 });
    expect(started.body.status).toBe('completed');
    expect(started.body.result.claims).toEqual({ branch: 'block', risk: { outcome: 'block', rule: 'blocked country' } });

    const second = await run(server, riskJourney({ rules, default: 'allow' }), {}, { country: 'FR', newDevice: true, amount: 5000 });
    expect(second.body.result.claims).toEqual({ branch: 'challenge', risk: { outcome: 'challenge', rule: 'new device' } });
  });

  it('identifies an unnamed matching rule somehow (not null) and follows its outcome', async () => {
    const started = await run(server, riskJourney({ rules }), {}, { country: 'FR', newDevice: false, amount: 5000 });
    expect(started.body.result.claims.branch).toBe('review');
    expect(started.body.result.claims.risk.outcome).toBe('review');
    expect(started.body.result.claims.risk.rule).not.toBeNull();
    expect(started.body.result.claims.risk.rule).not.toBeUndefined();
  });

  it('defaults to "allow" when no rule matches and no default is given', async () => {
    const started = await run(server, riskJourney({ rules }), {}, { country: 'FR', newDevice: false, amount: 1 });
    expect(started.body.result.claims).toEqual({ branch: 'allow', risk: { outcome: 'allow', rule: null } });
  });

  it('defaults to "allow" without any rules', async () => {
    const started = await run(server, riskJourney({}));
    expect(started.body.result.claims).toEqual({ branch: 'allow', risk: { outcome: 'allow', rule: null } });
  });

  it('uses the configured default when no rule matches', async () => {
    for (const fallback of ['challenge', 'block', 'review'] as const) {
      const started = await run(server, riskJourney({ rules, default: fallback }), {}, { country: 'FR', newDevice: false, amount: 1 });
      expect(started.body.result.claims).toEqual({ branch: fallback, risk: { outcome: fallback, rule: null } });
    }
  });

  it('a rule whose when is not a boolean fails expression_error', async () => {
    const started = await run(server, {
      risk: {
        type: 'risk.decision',
        config: { rules: [{ when: "{% 'maybe' %}", outcome: 'block' }] },
        errorOutputVariable: 'err',
        branches: { allow: 'ok', block: 'ok', failure: 'f' },
      },
      ok: reveal({ path: 'ok' }),
      f: reveal({ path: 'failure', code: '{% err.code %}', risk: '{% $exists(risk) %}' }),
    });
    expect(started.body.result.claims).toEqual({ path: 'failure', code: 'expression_error', risk: false });
  });

  it('an outcome whose branch is not wired ends failed with unwired_branch', async () => {
    const started = await run(server, {
      risk: { type: 'risk.decision', config: { default: 'review' }, branches: { allow: 'ok' } },
      ok: reveal({}),
    });
    expect(started.body.status).toBe('failed');
    expect(started.body.error.code).toBe('unwired_branch');
  });

  it('is refused at publish with an unknown outcome, an unknown key, or a rule without when', async () => {
    for (const config of [
      { rules: [{ when: true, outcome: 'deny' }] },
      { default: 'maybe' },
      { rules: [], threshold: 3 },
      { rules: [{ outcome: 'block' }] },
    ]) {
      const result = await server.admin('POST', '/v1/admin/validate', {
        id: 'risk-invalid',
        start: 'risk',
        steps: { risk: { type: 'risk.decision', config, branches: { allow: 'done', challenge: 'done', block: 'done', review: 'done' } }, done: { type: 'complete' } },
      });
      expect(result.body.valid, JSON.stringify(config)).toBe(false);
      expect(result.body.diagnostics.map((d: { code: string }) => d.code)).toContain('invalid_config');
    }
  });
});
