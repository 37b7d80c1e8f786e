/**
 * Several engine processes on one PostgreSQL database (a fresh schema per suite): sessions move
 * between processes, racing submits from both settle on exactly one winner, and a process killed
 * with SIGKILL mid-burst costs the other nothing but the dead one's leases.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres, freshSchema, query, type TestSchema } from '../helpers/postgres.js';
import {
  admin,
  call,
  codeFor,
  killAllEngines,
  mapLimit,
  newSecretKey,
  outbox,
  phoneNumber,
  publishJourney,
  sleep,
  startAtOtp,
  startEngine,
  submitStep,
  tempDir,
  timeline,
  verifyThroughLease,
  type EngineProcess,
  type HttpResult,
  type SessionRef,
} from './harness.js';
import { slowApiJourney, startSlowApi, type SlowApi } from './slow-api.js';

const LEASE_MS = 15_000;

describePostgres('PostgreSQL: two engine processes on one database', (baseUrl) => {
  let schema: TestSchema;
  let a: EngineProcess;
  let b: EngineProcess;
  /** A third process whose clock runs 30 s ahead (more than the 15 s lease). */
  let c: EngineProcess;
  let api: SlowApi;
  const secretKey = newSecretKey();

  beforeAll(async () => {
    schema = freshSchema(baseUrl);
    api = await startSlowApi(2000);
    const env = { DATABASE_URL: schema.url, HTTP_ALLOWED_HOSTS: '127.0.0.1' };
    // A first (it migrates and publishes the samples), then the others, as a rolling start would.
    a = await startEngine({ name: 'A', dataDir: tempDir(), secretKey, env });
    [b, c] = await Promise.all([
      startEngine({ name: 'B', dataDir: tempDir(), secretKey, env }),
      startEngine({
        name: 'C(+30s)',
        dataDir: tempDir(),
        secretKey,
        env: { ...env, CLOCK_SKEW_MS: '30000' },
        nodeArgs: ['--import', './test/reliability/clock-skew.ts'],
      }),
    ]);
    await publishJourney(a.url, slowApiJourney('slow-api', `${api.base}/slow`));
  }, 60_000);

  afterAll(async () => {
    await killAllEngines();
    await api?.close();
    await schema?.drop();
  });

  it('continues on B a session started on A, to a token either process validates once', async () => {
    const started = await call(a.url, 'POST', '/v1/journeys/sms-otp/start', { body: {} });
    expect(started.status).toBe(200);
    const ref: SessionRef = { sessionId: started.body.sessionId, sessionToken: started.body.sessionToken };
    const sent = await submitStep(b.url, ref, 'phone', 'send', { phoneNumber: phoneNumber(1) });
    expect(sent.status).toBe(200);
    expect(sent.body.step.id).toBe('otp');
    // The code B sent is in the shared outbox, seen from A.
    const code = await codeFor(a.url, ref.sessionId);
    const seenOnA = await call(a.url, 'GET', `/v1/sessions/${ref.sessionId}`, { token: ref.sessionToken });
    expect(seenOnA.body.step.id).toBe('otp');
    const done = await submitStep(b.url, ref, 'otp', 'verify', { code });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    // The token B signed verifies on A (shared signing keys) and only once across both.
    expect((await admin(a.url, 'POST', '/v1/tokens/validate', { token: done.body.result.token })).body).toMatchObject({ valid: true, sessionId: ref.sessionId });
    expect((await admin(b.url, 'POST', '/v1/tokens/validate', { token: done.body.result.token })).body).toEqual({ valid: false, reason: 'already_used' });
    const jwksA = (await call(a.url, 'GET', '/.well-known/jwks.json')).body;
    const jwksB = (await call(b.url, 'GET', '/.well-known/jwks.json')).body;
    expect(jwksA).toEqual(jwksB);
  });

  it('50 concurrent submits to one waiting session, split across A and B: one 200, 49 × 409, one advance, one message', async () => {
    const rounds = 5;
    const tally = { conflict: 0, stale_step: 0 };
    for (let round = 0; round < rounds; round++) {
      const started = await call(round % 2 ? a.url : b.url, 'POST', '/v1/journeys/sms-otp/start', { body: {} });
      const ref: SessionRef = { sessionId: started.body.sessionId, sessionToken: started.body.sessionToken };
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => submitStep(i % 2 ? a.url : b.url, ref, 'phone', 'send', { phoneNumber: phoneNumber(100 + round) })),
      );
      const ok = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status !== 200);
      expect(ok, JSON.stringify(results.map((r) => r.status))).toHaveLength(1);
      expect(ok[0].body.step.id).toBe('otp');
      for (const r of refused) {
        expect(r.status, JSON.stringify(r.body)).toBe(409);
        expect(['conflict', 'stale_step']).toContain(r.body.error.code);
        tally[r.body.error.code as 'conflict' | 'stale_step']++;
      }
      // The session advanced exactly once: one `submitted`, one message sent, one revision step.
      const events = await timeline(a.url, ref.sessionId);
      expect(events.filter((e) => e.event === 'submitted')).toHaveLength(1);
      expect(await outbox(b.url, ref.sessionId)).toHaveLength(1);
      const [row] = await query(baseUrl, `SELECT revision, lease_until, step_id FROM "${schema.name}".sessions WHERE id = $1`, [ref.sessionId]);
      expect(row).toEqual({ revision: 2, lease_until: null, step_id: 'otp' });
    }
    console.log(`[postgres] ${rounds} × 50 racing submits over A and B: ${rounds} × 200, ${tally.conflict} × 409 conflict, ${tally.stale_step} × 409 stale_step`);
  });

  // The last two run side by side (the kill test spends most of its time waiting out a lease).
  it.concurrent('clock skew: C, 30 s ahead, takes over a submit still running on B; the session still advances exactly once', async () => {
    const started = await call(b.url, 'POST', '/v1/journeys/slow-api/start', { body: {} });
    const ref: SessionRef = { sessionId: started.body.sessionId, sessionToken: started.body.sessionToken };
    const first = submitStep(b.url, ref, 'ask', 'go');
    await api.arrival(1); // B has claimed the session (lease: B's now + 15 s) and waits on the 2 s API
    const second = await submitStep(c.url, ref, 'ask', 'go');
    const firstAnswer = await first;
    await sleep(2200); // a run C started has finished too before the API calls are counted
    const events = await timeline(b.url, ref.sessionId);

    // C's clock is past B's lease, so C may claim; whatever happens, one submit wins, the other gets
    // 409 conflict, and the session advances exactly once (the revision decides, not the clock).
    const answers = [firstAnswer, second];
    expect(answers.filter((r) => r.status === 200), JSON.stringify(answers.map((r) => r.body))).toHaveLength(1);
    expect(answers.filter((r) => r.status === 409 && r.body.error.code === 'conflict')).toHaveLength(1);
    expect(events.filter((e) => e.event === 'submitted')).toHaveLength(1);
    expect(events.filter((e) => e.event === 'ended')).toHaveLength(1);
    const final = await call(b.url, 'GET', `/v1/sessions/${ref.sessionId}`, { token: ref.sessionToken });
    expect(final.body.status).toBe('completed');
    const show = (r: HttpResult) => `${r.status}${r.body.error ? ` ${r.body.error.code}` : ''}`;
    console.log(
      `[postgres] clock skew: C (+30 s) submitted while B's submit was running: B answered ${show(firstAnswer)}, ` +
        `C answered ${show(second)}; the http.request API was called ${api.received()}× for one advance`,
    );
  }, 30_000);

  it.concurrent('kill -9 of A during a burst: B keeps serving, every session stays whole and completes once', async () => {
    const SESSIONS = 90;
    // Started on either process; two thirds will verify on A, one third on B.
    const onA = (i: number) => i % 3 !== 0;
    const refs = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => startAtOtp(i % 2 ? a.url : b.url, phoneNumber(200 + i))));
    const codes = await mapLimit(refs, 20, (ref) => codeFor(b.url, ref.sessionId));

    // A dies at its 5th answer: the client may read answers late under load, so the trigger is
    // early enough that many of A's 60 submits are still in flight.
    let answeredByA = 0;
    let killedAt = 0;
    const outcomes = await Promise.all(
      refs.map((ref, i) => {
        const target = onA(i) ? a : b;
        return submitStep(target.url, ref, 'otp', 'verify', { code: codes[i] }).then(
          (answered): { answered: HttpResult } => {
            if (target === a && !killedAt && ++answeredByA >= 5) killedAt = a.kill9();
            return { answered };
          },
          (error: Error) => ({ lost: String(error.message) }),
        );
      }),
    );
    await a.exited;
    expect(killedAt).toBeGreaterThan(0);

    // B answered all its own submits, and stays ready and able to run new sessions meanwhile.
    refs.forEach((_, i) => {
      const outcome = outcomes[i];
      if (!onA(i)) {
        expect('answered' in outcome, JSON.stringify(outcome)).toBe(true);
        const { answered } = outcome as { answered: HttpResult };
        expect(answered.status, JSON.stringify(answered.body)).toBe(200);
        expect(answered.body.status).toBe('completed');
      }
    });
    expect((await call(b.url, 'GET', '/readyz')).status).toBe(200);
    const fresh = await startAtOtp(b.url, phoneNumber(399));
    const freshDone = await submitStep(b.url, fresh, 'otp', 'verify', { code: await codeFor(b.url, fresh.sessionId) });
    expect(freshDone.body.status).toBe('completed');
    const servedWithinMs = Date.now() - killedAt;

    const lostOnA = refs.filter((_, i) => 'lost' in outcomes[i]);
    const answeredOnA = refs.filter((_, i) => onA(i) && 'answered' in outcomes[i]).length;
    expect(lostOnA.length).toBeGreaterThan(0);
    const leases = await query<{ id: string; lease_until: string | null; status: string }>(
      baseUrl,
      `SELECT id, lease_until, status FROM "${schema.name}".sessions WHERE id = ANY($1)`,
      [lostOnA.map((r) => r.sessionId)],
    );
    const leaseOf = new Map(leases.filter((r) => r.lease_until).map((r) => [r.id, Date.parse(r.lease_until!)]));

    // Every session A lost is still there, on B: completed (A saved it before dying) or waiting,
    // and a waiting one completes on B once A's lease has run out.
    let conflictWindowMs = 0;
    let completedByA = 0;
    await Promise.all(
      lostOnA.map(async (ref) => {
        const got = await call(b.url, 'GET', `/v1/sessions/${ref.sessionId}`, { token: ref.sessionToken });
        expect(got.status).toBe(200);
        if (got.body.status === 'completed') {
          completedByA++;
          return;
        }
        expect(got.body.status).toBe('waiting');
        const retry = await verifyThroughLease(b.url, ref, codes[refs.indexOf(ref)], killedAt + LEASE_MS + 5000);
        expect(retry.result.status, JSON.stringify(retry.result.body)).toBe(200);
        expect(retry.result.body.status).toBe('completed');
        const lease = leaseOf.get(ref.sessionId);
        if (retry.lastConflictAt !== null) {
          expect(lease, 'a 409 conflict without a lease left by A').toBeDefined();
          expect(retry.lastConflictAt).toBeLessThanOrEqual(lease! + 1000);
          conflictWindowMs = Math.max(conflictWindowMs, retry.lastConflictAt - killedAt);
        }
      }),
    );

    // Each session completed exactly once: one end, one verify, one message, a token valid once.
    await mapLimit(refs, 10, async (ref, i) => {
      const got = await call(b.url, 'GET', `/v1/sessions/${ref.sessionId}`, { token: ref.sessionToken });
      expect(got.body.status).toBe('completed');
      const outcome = outcomes[i];
      if ('answered' in outcome) expect(got.body.result.token).toBe(outcome.answered.body.result.token);
      const again = await submitStep(b.url, ref, 'otp', 'verify', { code: codes[i] });
      expect(again.body.error?.code).toBe('session_ended');
      const events = await timeline(b.url, ref.sessionId);
      expect(events.filter((e) => e.event === 'ended')).toHaveLength(1);
      expect(events.filter((e) => e.event === 'submitted' && e.stepId === 'otp')).toHaveLength(1);
      expect(await outbox(b.url, ref.sessionId)).toHaveLength(1);
      expect((await admin(b.url, 'POST', '/v1/tokens/validate', { token: got.body.result.token })).body.valid).toBe(true);
      expect((await admin(b.url, 'POST', '/v1/tokens/validate', { token: got.body.result.token })).body.reason).toBe('already_used');
    });
    const [{ leased }] = await query(baseUrl, `SELECT count(*)::int AS leased FROM "${schema.name}".sessions WHERE lease_until IS NOT NULL AND id = ANY($1)`, [
      refs.map((r) => r.sessionId),
    ]);
    expect(leased).toBe(0);

    console.log(
      `[postgres] kill -9 of A at its ${answeredByA}th answer out of 60 submits (${answeredOnA} answered in all): ${lostOnA.length} lost with it ` +
        `(${completedByA} had completed in A before it died, ${leaseOf.size} left a lease); B answered all 30 of its own, ` +
        `stayed ready and ran a new session within ${servedWithinMs} ms of the kill; ` +
        `409 conflict on A's sessions until ${conflictWindowMs} ms after the kill`,
    );
  }, 60_000);
});
