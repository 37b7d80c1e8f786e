/**
 * Crash safety on the embedded SQLite store: 120 sms-otp sessions wait at the code step, their 120
 * verify submits are fired at once, and the server is SIGKILLed while they are in flight. A new
 * process on the same DATA_DIR must find every session, none completed twice, the lost ones
 * completable (after at most the dead process's 15 s lease), and no message sent twice.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  admin,
  call,
  codeFor,
  killAllEngines,
  mapLimit,
  newSecretKey,
  outbox,
  phoneNumber,
  startAtOtp,
  startEngine,
  submitStep,
  tempDir,
  timeline,
  verifyThroughLease,
  type HttpResult,
  type SessionRef,
} from './harness.js';

const SESSIONS = 120;
const KILL_AFTER_ANSWERS = 30;
const LEASE_MS = 15_000;
/** How long after the kill a lost submit may still meet the dead process's lease. */
const LEASE_WAIT_MS = LEASE_MS + 5_000;

type Outcome = { answered: HttpResult } | { lost: string };

describe('SQLite: kill -9 while 120 verify submits are in flight', () => {
  afterAll(killAllEngines);

  it('keeps every session, completes none twice, frees the lost ones after the lease, sends nothing twice', async () => {
    const dataDir = tempDir();
    const secretKey = newSecretKey();
    const a = await startEngine({ name: 'A', dataDir, secretKey });

    // 120 sessions waiting at the OTP step, each with its code in the dev outbox.
    const refs: SessionRef[] = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => startAtOtp(a.url, phoneNumber(i))));
    const codes = await mapLimit(refs, 20, (ref) => codeFor(a.url, ref.sessionId));

    // Every verify at once; SIGKILL once 30 have answered.
    let answeredBeforeKill = 0;
    let killedAt = 0;
    const outcomes: Outcome[] = await Promise.all(
      refs.map((ref, i) =>
        submitStep(a.url, ref, 'otp', 'verify', { code: codes[i] }).then(
          (answered): Outcome => {
            if (!killedAt && ++answeredBeforeKill >= KILL_AFTER_ANSWERS) killedAt = a.kill9();
            return { answered };
          },
          (error: Error): Outcome => ({ lost: String((error.cause as Error | undefined)?.message ?? error.message) }),
        ),
      ),
    );
    const exit = await a.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThan(0);

    const answered = outcomes.filter((o): o is { answered: HttpResult } => 'answered' in o);
    const lost = refs.filter((_, i) => 'lost' in outcomes[i]);
    // Whatever answered before the kill answered right: completed, with a token.
    for (const { answered: r } of answered) {
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.status).toBe('completed');
      expect(r.body.result.token).toEqual(expect.any(String));
    }
    // The kill must have caught submits in flight, or this test proves nothing.
    expect(lost.length).toBeGreaterThan(0);

    // A new process on the same DATA_DIR.
    const restartStarted = Date.now();
    const b = await startEngine({ name: 'B', dataDir, secretKey });
    const restartMs = Date.now() - restartStarted;

    // What the dead process left: sessions claimed (lease set) but never saved.
    const db = new Database(join(dataDir, 'journeys.db'), { readonly: true, fileMustExist: true });
    const rows = db.prepare('SELECT id, status, lease_until FROM sessions').all() as Array<{ id: string; status: string; lease_until: string | null }>;
    db.close();
    const leaseOf = new Map(rows.filter((r) => r.lease_until !== null).map((r) => [r.id, Date.parse(r.lease_until!)]));
    expect(rows).toHaveLength(SESSIONS);

    // 1. Every session started before the crash is there (200, never 404 or 410).
    const seen = await mapLimit(refs, 20, (ref) => call(b.url, 'GET', `/v1/sessions/${ref.sessionId}`, { token: ref.sessionToken }));
    for (const got of seen) {
      expect(got.status, JSON.stringify(got.body)).toBe(200);
      expect(['completed', 'waiting']).toContain(got.body.status);
    }
    // A session whose answer reached the client is completed with that very token (not re-run).
    outcomes.forEach((outcome, i) => {
      if ('answered' in outcome) {
        expect(seen[i].body.status).toBe('completed');
        expect(seen[i].body.result.token).toBe(outcome.answered.body.result.token);
      }
    });
    const completedInCrash = lost.filter((ref) => seen[refs.indexOf(ref)].body.status === 'completed');
    const waitingAfterCrash = lost.filter((ref) => seen[refs.indexOf(ref)].body.status === 'waiting');
    // A session cannot be both saved as completed and still leased.
    for (const ref of completedInCrash) expect(leaseOf.has(ref.sessionId)).toBe(false);

    // 2. The lost ones complete now: at once, or after a 409 conflict that lasts only while the
    //    dead process's lease does.
    const retries = await Promise.all(
      waitingAfterCrash.map((ref) => verifyThroughLease(b.url, ref, codes[refs.indexOf(ref)], killedAt + LEASE_WAIT_MS)),
    );
    let conflictWindowMs = 0;
    waitingAfterCrash.forEach((ref, i) => {
      const { result, conflicts, lastConflictAt } = retries[i];
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(result.body.status).toBe('completed');
      const lease = leaseOf.get(ref.sessionId);
      if (lease === undefined) {
        // Never claimed by the dead process: nothing blocks it.
        expect(conflicts).toBe(0);
      } else if (lastConflictAt !== null) {
        // Conflicts only while the lease lasted (1 s margin for the request's own time).
        expect(lastConflictAt).toBeLessThanOrEqual(lease + 1000);
        expect(lease - killedAt).toBeLessThanOrEqual(LEASE_MS + 1000);
        conflictWindowMs = Math.max(conflictWindowMs, lastConflictAt - killedAt);
      }
      if (lease !== undefined) expect(retries[i].answeredAt).toBeGreaterThanOrEqual(lease - 250);
    });

    // 3. Nothing completed twice: every session is completed now, refuses another submit, has one
    //    `ended` and one verify `submitted` in its timeline, and its token validates exactly once.
    const final = await mapLimit(refs, 10, async (ref, i) => {
      const got = await call(b.url, 'GET', `/v1/sessions/${ref.sessionId}`, { token: ref.sessionToken });
      const again = await submitStep(b.url, ref, 'otp', 'verify', { code: codes[i] });
      const events = await timeline(b.url, ref.sessionId);
      const first = await admin(b.url, 'POST', '/v1/tokens/validate', { token: got.body.result?.token });
      const second = await admin(b.url, 'POST', '/v1/tokens/validate', { token: got.body.result?.token });
      const messages = await outbox(b.url, ref.sessionId);
      return { got, again, events, first, second, messages };
    });
    final.forEach(({ got, again, events, first, second, messages }, i) => {
      expect(got.body.status).toBe('completed');
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('session_ended');
      expect(events.filter((e) => e.event === 'ended')).toHaveLength(1);
      expect(events.filter((e) => e.event === 'submitted' && e.stepId === 'otp')).toHaveLength(1);
      expect(events.filter((e) => e.event === 'submitted' && e.stepId === 'phone')).toHaveLength(1);
      expect(first.body).toMatchObject({ valid: true, sessionId: refs[i].sessionId, journeyId: 'sms-otp' });
      expect(second.body).toEqual({ valid: false, reason: 'already_used' });
      // 4. One send submit, one message: neither the crash nor the restart sent another.
      expect(messages).toHaveLength(1);
      expect(messages[0].to).toBe(phoneNumber(i));
    });
    const listed = await admin(b.url, 'GET', '/v1/admin/sessions?journeyId=sms-otp&limit=500');
    expect(listed.body).toHaveLength(SESSIONS);
    expect(listed.body.every((s: { status: string }) => s.status === 'completed')).toBe(true);

    console.log(
      `[crash-sqlite] ${SESSIONS} verifies fired; killed after ${answeredBeforeKill} answers; ` +
        `${SESSIONS - answeredBeforeKill} in flight at the kill (client view), ${lost.length} never answered; ` +
        `of those ${completedInCrash.length} had completed before dying, ${waitingAfterCrash.length} still waiting, ` +
        `${leaseOf.size} claimed mid-submit (lease left behind); restart took ${restartMs} ms; ` +
        `409 conflict seen on ${retries.filter((r) => r.conflicts > 0).length} session(s), last one ${conflictWindowMs} ms after the kill; ` +
        `leases end ${leaseOf.size ? `${Math.min(...leaseOf.values()) - killedAt}–${Math.max(...leaseOf.values()) - killedAt}` : 'n/a'} ms after the kill`,
    );
  }, 90_000);
});
