/**
 * Issue #24: a submit now takes its session's lease with its first write or outbound effect, not
 * before its steps run, so a burst cut by a kill -9 rarely leaves one (the crash suites may see
 * none). This makes one on purpose: process A takes the lease before its http.request step calls
 * an API that answers slowly, and is killed while it waits. The lease stays with the session; a
 * second process answers 409 conflict until it has run out (15 s), then runs the submit once.
 * SQLite (two processes on one file) and PostgreSQL.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describePostgres, freshSchema, query, type TestSchema } from '../helpers/postgres.js';
import { call, killAllEngines, newSecretKey, publishJourney, sleep, startEngine, submitStep, tempDir, timeline, type SessionRef } from './harness.js';
import { slowApiJourney, startSlowApi, type SlowApi } from './slow-api.js';

const LEASE_MS = 15_000;

async function leaseLeftByKill(env: Record<string, string>, dataDirs: [string, string], leaseOf: (sessionId: string) => Promise<string | null>, api: SlowApi): Promise<void> {
  const secretKey = newSecretKey();
  const a = await startEngine({ name: 'A', dataDir: dataDirs[0], secretKey, env });
  await publishJourney(a.url, slowApiJourney('hanging-api', `${api.base}/hang`));
  const started = await call(a.url, 'POST', '/v1/journeys/hanging-api/start', { body: {} });
  const ref: SessionRef = { sessionId: started.body.sessionId, sessionToken: started.body.sessionToken };

  const cut = submitStep(a.url, ref, 'ask', 'go').catch(() => 'lost');
  await api.arrival(1, '/hang');
  // The call went out with the lease held (taken just before it).
  const lease = await leaseOf(ref.sessionId);
  expect(lease).not.toBeNull();
  const killedAt = a.kill9();
  await a.exited;
  expect(await cut).toBe('lost');

  const b = await startEngine({ name: 'B', dataDir: dataDirs[1], secretKey, env });
  let conflicts = 0;
  let answer;
  for (;;) {
    answer = await submitStep(b.url, ref, 'ask', 'go', undefined, 70_000);
    if (answer.status !== 409) break;
    expect(answer.body.error.code).toBe('conflict');
    expect(Date.now()).toBeLessThan(Date.parse(lease!) + 5_000);
    conflicts++;
    await sleep(500);
  }
  const freedAfterMs = Date.now() - killedAt;
  // B's own call is answered after the API's delay: the session completes, having left `ask` once.
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.status).toBe('completed');
  expect(conflicts).toBeGreaterThan(0);
  expect(freedAfterMs).toBeGreaterThan(LEASE_MS - 6_000);
  const events = await timeline(b.url, ref.sessionId);
  expect(events.filter((e) => e.event === 'submitted')).toHaveLength(1);
  console.log(`[lease-left-by-kill] ${conflicts} × 409 conflict, freed ${freedAfterMs} ms after the kill (lease ${LEASE_MS} ms)`);
}

describe('SQLite: a lease left by a killed process', () => {
  let api: SlowApi;
  afterAll(async () => {
    await killAllEngines();
    await api?.close();
  });

  it('frees the session after the lease, and the submit then runs once', async () => {
    // The API answers after 3 s: long enough to kill A while it waits, short for B's run.
    api = await startSlowApi(3_000);
    const dir = tempDir();
    const leaseOf = async (sessionId: string) => {
      const db = new Database(join(dir, 'journeys.db'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT lease_until FROM sessions WHERE id = ?').pluck().get(sessionId) as string | null) ?? null;
      } finally {
        db.close();
      }
    };
    await leaseLeftByKill({ HTTP_ALLOWED_HOSTS: '127.0.0.1' }, [dir, dir], leaseOf, api);
  }, 90_000);
});

describePostgres('PostgreSQL: a lease left by a killed process', (baseUrl) => {
  let schema: TestSchema;
  let api: SlowApi;
  afterAll(async () => {
    await killAllEngines();
    await api?.close();
    await schema?.drop();
  });

  it('frees the session after the lease, and the submit then runs once', async () => {
    api = await startSlowApi(3_000);
    schema = freshSchema(baseUrl);
    const leaseOf = async (sessionId: string) =>
      (await query<{ lease_until: string | null }>(baseUrl, `SELECT lease_until FROM "${schema.name}".sessions WHERE id = $1`, [sessionId]))[0]?.lease_until ?? null;
    await leaseLeftByKill({ DATABASE_URL: schema.url, HTTP_ALLOWED_HOSTS: '127.0.0.1' }, [tempDir(), tempDir()], leaseOf, api);
  }, 90_000);
});
