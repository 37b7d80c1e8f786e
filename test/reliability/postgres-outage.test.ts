/**
 * One engine process loses its PostgreSQL database (through a TCP proxy the suite controls, so the
 * shared server is never touched): a restart (connections reset, then refused, then back), a loss
 * in the middle of a submit, and a network partition (packets dropped, nobody told).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres, freshSchema, query, type TestSchema } from '../helpers/postgres.js';
import {
  call,
  codeFor,
  killAllEngines,
  newSecretKey,
  phoneNumber,
  publishJourney,
  sleep,
  startAtOtp,
  startEngine,
  submitStep,
  tempDir,
  type EngineProcess,
  type HttpResult,
  type SessionRef,
} from './harness.js';
import { slowApiJourney, startSlowApi, type SlowApi } from './slow-api.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** Answers the result, or the client-side failure (timeout, reset) as status 0. */
async function attempt(base: string, method: string, path: string, options: { body?: unknown; token?: string; timeoutMs: number }) {
  const started = Date.now();
  try {
    const result: HttpResult = await call(base, method, path, options);
    return { ...result, ms: Date.now() - started };
  } catch (error) {
    return { status: 0, body: String((error as Error).name), ms: Date.now() - started };
  }
}

describePostgres('PostgreSQL unreachable from one engine process', (baseUrl) => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let api: SlowApi;
  let engine: EngineProcess;

  beforeAll(async () => {
    schema = freshSchema(baseUrl);
    const target = new URL(baseUrl);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    api = await startSlowApi(1000);
    engine = await startEngine({
      name: 'C',
      dataDir: tempDir(),
      secretKey: newSecretKey(),
      env: { DATABASE_URL: proxy.rewrite(schema.url), HTTP_ALLOWED_HOSTS: '127.0.0.1' },
    });
    await publishJourney(engine.url, slowApiJourney('slow-api', `${api.base}/slow`));
  }, 60_000);

  afterAll(async () => {
    await killAllEngines();
    await proxy?.close();
    await api?.close();
    await schema?.drop();
  });

  it('database restart: readyz 503 and requests 500 at once while it is down; ready again and sessions continue once it is back', async () => {
    const ref = await startAtOtp(engine.url, phoneNumber(1));
    const code = await codeFor(engine.url, ref.sessionId);

    await proxy.down();
    const ready = await attempt(engine.url, 'GET', '/readyz', { timeoutMs: 3000 });
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable' });
    const got = await attempt(engine.url, 'GET', `/v1/sessions/${ref.sessionId}`, { token: ref.sessionToken, timeoutMs: 3000 });
    const submitted = await attempt(engine.url, 'POST', `/v1/sessions/${ref.sessionId}/submit`, {
      token: ref.sessionToken,
      body: { stepId: 'otp', option: 'verify', data: { code } },
      timeoutMs: 3000,
    });
    const started = await attempt(engine.url, 'POST', '/v1/journeys/sms-otp/start', { body: {}, timeoutMs: 3000 });
    for (const r of [got, submitted, started]) {
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ error: { code: 'internal', message: 'an internal error occurred' } });
    }
    expect((await call(engine.url, 'GET', '/healthz')).status).toBe(200); // liveness does not look at the database

    const back = Date.now();
    await proxy.up();
    let readyAgainMs = -1;
    while (Date.now() - back < 5000) {
      if ((await attempt(engine.url, 'GET', '/readyz', { timeoutMs: 1000 })).status === 200) {
        readyAgainMs = Date.now() - back;
        break;
      }
      await sleep(100);
    }
    expect(readyAgainMs).toBeGreaterThanOrEqual(0);
    // The refused submit changed nothing: the same code completes the session now.
    const done = await submitStep(engine.url, ref, 'otp', 'verify', { code });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    console.log(
      `[outage] database down: readyz 503 in ${ready.ms} ms, GET/submit/start 500 in ${got.ms}/${submitted.ms}/${started.ms} ms; ` +
        `ready again ${readyAgainMs} ms after it came back`,
    );
  }, 30_000);

  it('database lost while a submit runs: that submit answers 500, its claim stays as a lease of at most 15 s (409 conflict meanwhile)', async () => {
    const startedAt = await call(engine.url, 'POST', '/v1/journeys/slow-api/start', { body: {} });
    const ref: SessionRef = { sessionId: startedAt.body.sessionId, sessionToken: startedAt.body.sessionToken };
    const before = api.received();
    const claimedAround = Date.now();
    const pending = attempt(engine.url, 'POST', `/v1/sessions/${ref.sessionId}/submit`, {
      token: ref.sessionToken,
      body: { stepId: 'ask', option: 'go' },
      timeoutMs: 10_000,
    });
    await api.arrival(before + 1); // claimed, and now inside the http.request step
    await proxy.down();
    const answer = await pending;
    expect(answer.status).toBe(500);
    expect(answer.body.error.code).toBe('internal');
    await proxy.up();
    while ((await attempt(engine.url, 'GET', '/readyz', { timeoutMs: 1000 })).status !== 200) await sleep(100);

    // The API was called, but nothing of the run was saved: the session still waits at `ask`,
    // and the claim could not be released, so its lease blocks it for the rest of the 15 s.
    const seen = await call(engine.url, 'GET', `/v1/sessions/${ref.sessionId}`, { token: ref.sessionToken });
    expect(seen.body.status).toBe('waiting');
    expect(seen.body.step.id).toBe('ask');
    const retry = await submitStep(engine.url, ref, 'ask', 'go');
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe('conflict');
    const [row] = await query(baseUrl, `SELECT lease_until FROM "${schema.name}".sessions WHERE id = $1`, [ref.sessionId]);
    const leaseMs = Date.parse(row.lease_until) - claimedAround;
    expect(leaseMs).toBeGreaterThan(0);
    expect(leaseMs).toBeLessThanOrEqual(15_500);
    console.log(`[outage] database lost mid-submit: 500 after ${answer.ms} ms, API already called once, session blocked by a lease ending ${leaseMs} ms after the claim`);
  }, 30_000);

  it('network partition: readyz and requests fail within bounded time, and the process serves again once the network heals', async () => {
    // 6 probes + 6 reads: more than the pool's 10 connections, as a minute of probes and users would be.
    const PROBES = 6;
    const ref = await startAtOtp(engine.url, phoneNumber(2));
    proxy.partition();
    // What a load balancer and a few users do meanwhile: probes giving up after 1 s (a probe's usual
    // timeout), and reads giving up after 8 s (longer than the pool's 2 s connect and 5 s query limits).
    const during = await Promise.all([
      ...Array.from({ length: PROBES }, () => attempt(engine.url, 'GET', '/readyz', { timeoutMs: 1000 })),
      ...Array.from({ length: PROBES }, () => attempt(engine.url, 'GET', `/v1/sessions/${ref.sessionId}`, { token: ref.sessionToken, timeoutMs: 8000 })),
    ]);
    const healedAt = Date.now();
    await proxy.up();
    let after: Awaited<ReturnType<typeof attempt>> = { status: 0, body: null, ms: 0 };
    while (Date.now() - healedAt < 3000) {
      after = await attempt(engine.url, 'GET', '/readyz', { timeoutMs: 1000 });
      if (after.status === 200) break;
      await sleep(200);
    }
    const recovered = after.status === 200 ? `${Date.now() - healedAt} ms after healing` : 'not within 3 s of healing';
    const summary = `during the partition: ${during.map((r) => `${r.status}/${r.ms}ms`).join(' ')}; ready again: ${recovered}`;
    console.log(`[outage] network partition: ${summary}`);
    // A probe must get an answer (503) rather than hang, and requests must fail rather than hang.
    for (const r of during) expect(r.status, summary).not.toBe(0);
    expect(after.status, summary).toBe(200);
    const got = await attempt(engine.url, 'GET', `/v1/sessions/${ref.sessionId}`, { token: ref.sessionToken, timeoutMs: 2000 });
    expect(got.status, summary).toBe(200);
  }, 30_000);
});
