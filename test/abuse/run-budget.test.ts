/**
 * Budgets per request and per value, against a real server: one anonymous submit of a hostile
 * public journey can neither hold the event loop (other requests are answered meanwhile), nor run
 * past its CPU budget, nor store or sign values of any size. Every refusal is a clear, documented
 * code; none is a 5xx, and nothing half-done is stored.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_LIMITS } from '../../engine/runtime/run-budget.js';
import { bestOfThree } from '../helpers/health-probe.js';
import { startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';

let counter = 0;
function journey(steps: Record<string, unknown>, start = Object.keys(steps)[0]) {
  counter += 1;
  return { id: `budget-${counter}`, start, settings: { public: true }, steps };
}

/** `n` set-variables steps in a chain, each evaluating `expression`, then complete. */
function chain(n: number, expression: string) {
  const steps: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    steps[`s${i}`] = { type: 'set-variables', config: { assign: { [`v${i}`]: expression } }, branches: { next: i + 1 < n ? `s${i + 1}` : 'done' } };
  }
  steps.done = { type: 'complete', config: { claims: { ok: true } } };
  return journey(steps, 's0');
}

describe('run budgets', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  it('a chain of heavy expressions stops at the CPU budget, and /healthz answers within 100 ms meanwhile', async () => {
    const doc = chain(60, "{% $count([1..20000].($string($) & 'x')) %}");
    await server.publish(doc);
    const { result, slowestMs, checks, elapsedMs: elapsed } = await bestOfThree(server.url, () => startSession(server, doc.id), { intervalMs: 10 });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: 'failed', error: { code: 'budget_exceeded' } });
    expect(checks).toBeGreaterThan(5);
    expect(slowestMs).toBeLessThan(100);
    // Spent about the budget, not the minutes 60 such steps could take (yields and I/O are not CPU).
    expect(elapsed).toBeLessThan(RUN_LIMITS.cpuBudgetMs * 4);
  });

  it('one expression within the per-expression limit still answers fast enough for others', async () => {
    // About a fifth of the per-expression limit when the machine is idle, so a loaded CI machine
    // does not push it over; the point is that the server answers others while it runs.
    const doc = chain(1, "{% $count([1..40000].($string($) & 'x')) %}");
    await server.publish(doc);
    const { result, slowestMs } = await bestOfThree(server.url, () => startSession(server, doc.id), { intervalMs: 10 });
    expect(result.body.status).toBe('completed');
    expect(slowestMs).toBeLessThan(100);
  });

  it('a huge expression result fails expression_error, never a 500, and nothing large is stored', async () => {
    const before = statSync(join(server.dataDir, 'journeys.db')).size;
    for (const size of ['5e7', '2e8']) {
      const doc = journey({
        done: { type: 'complete', config: { claims: { big: `{% $pad('', ${size}) %}` } } },
      });
      await server.publish(doc);
      const started = await startSession(server, doc.id);
      expect(started.status, size).toBe(200);
      expect(started.body).toMatchObject({ status: 'failed', error: { code: 'expression_error' } });
      expect(started.body.error.message).toContain(String(RUN_LIMITS.expressionResultChars));
    }
    const wal = join(server.dataDir, 'journeys.db-wal');
    const grown = statSync(join(server.dataDir, 'journeys.db')).size - before + (statSync(wal, { throwIfNoEntry: false })?.size ?? 0);
    expect(grown).toBeLessThan(5_000_000);
  });

  it('variables past their total cap end the session variables_too_large, before they are stored', async () => {
    const doc = chain(8, "{% $pad('', 200000, 'x') %}");
    await server.publish(doc);
    const started = await startSession(server, doc.id);
    expect(started.body).toMatchObject({ status: 'failed', error: { code: 'variables_too_large' } });
    const stored = await server.engine.store.sessions.get(started.body.sessionId);
    expect(JSON.stringify(stored!.snapshot).length).toBeLessThan(RUN_LIMITS.variablesChars + 10_000);
  });

  it('claims past their cap end the session claims_too_large: no token is signed', async () => {
    const doc = journey({
      done: { type: 'complete', config: { claims: { a: "{% $pad('', 40000, 'x') %}", b: "{% $pad('', 40000, 'y') %}" } } },
    });
    await server.publish(doc);
    const started = await startSession(server, doc.id);
    expect(started.body).toMatchObject({ status: 'failed', error: { code: 'claims_too_large' }, result: null });
  });

  it('the budget is per request: a journey that waits between heavy parts gets a fresh budget at each submit', async () => {
    // Many lighter parts rather than a few heavy ones: together they cost more than one request's
    // budget (so a budget that did not start afresh at each submit would refuse them), while each
    // stays far below the per-expression limit, which counts wall time and so grows with the load.
    const parts = 24;
    const steps: Record<string, unknown> = {};
    for (let i = 0; i < parts; i++) {
      steps[`s${i}`] = { type: 'set-variables', config: { assign: { [`v${i}`]: "{% $count([1..10000].($string($) & 'x')) %}" } }, branches: { next: `w${i}` } };
      steps[`w${i}`] = { type: 'display', config: { title: `part ${i}` }, branches: { next: i < parts - 1 ? `s${i + 1}` : 'done' } };
    }
    steps.done = { type: 'complete', config: { claims: { ok: true } } };
    const doc = journey(steps, 's0');
    await server.publish(doc);
    let answer = await startSession(server, doc.id);
    const started = performance.now();
    for (let i = 0; i < parts; i++) {
      expect(answer.body.status, JSON.stringify(answer.body.error)).toBe('waiting');
      answer = await submit(server, answer.body, `w${i}`, 'continue');
    }
    expect(answer.body.status).toBe('completed');
    // The parts took more than one request's budget in all: only fresh budgets let them through.
    expect(performance.now() - started).toBeGreaterThan(RUN_LIMITS.cpuBudgetMs);
  }, 120_000);
});
