/**
 * Two engine processes on one PostgreSQL database continue a session inside a called journey
 * (#20): the child's whole state lives in the calling session, so each answer may land on either
 * process, down to a real one-time code sent by one and verified by the other.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres, freshSchema, type TestSchema } from '../helpers/postgres.js';
import { call, codeFor, killAllEngines, newSecretKey, phoneNumber, publishJourney, startEngine, submitStep, tempDir, timeline, type EngineProcess, type SessionRef } from '../reliability/harness.js';

describePostgres('PostgreSQL: a session continued inside a called journey by two processes', (baseUrl) => {
  let schema: TestSchema;
  let a: EngineProcess;
  let b: EngineProcess;
  const secretKey = newSecretKey();

  beforeAll(async () => {
    schema = freshSchema(baseUrl);
    const env = { DATABASE_URL: schema.url };
    a = await startEngine({ name: 'A', dataDir: tempDir(), secretKey, env });
    b = await startEngine({ name: 'B', dataDir: tempDir(), secretKey, env });
    // child asks, then calls the sms-otp sample (published at A's first start): three levels.
    await publishJourney(a.url, {
      id: 'pg-child',
      start: 'hello',
      steps: {
        hello: { type: 'form', config: { outputVariable: 'h', options: [{ id: 'next', label: 'Next' }] }, branches: { next: 'phone' } },
        phone: { type: 'journey.call', config: { journeyId: 'sms-otp', outputVariable: 'verified' }, branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: { phoneNumber: '{% verified.phoneNumber %}' } } },
      },
    });
    await publishJourney(b.url, {
      id: 'pg-parent',
      start: 'welcome',
      settings: { public: true },
      steps: {
        welcome: { type: 'form', config: { outputVariable: 'w', options: [{ id: 'go', label: 'Go' }] }, branches: { go: 'outer' } },
        outer: { type: 'journey.call', config: { journeyId: 'pg-child', outputVariable: 'child' }, branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: { child: '{% child %}' } } },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await killAllEngines();
    await schema?.drop();
  });

  it('takes each answer on the other process, a code sent by B verified by A', async () => {
    const started = await call(a.url, 'POST', '/v1/journeys/pg-parent/start', { body: {} });
    expect(started.body.step.id).toBe('welcome');
    const ref: SessionRef = { sessionId: started.body.sessionId, sessionToken: started.body.sessionToken };

    expect((await submitStep(b.url, ref, 'welcome', 'go')).body.step.id).toBe('outer/hello');
    expect((await submitStep(a.url, ref, 'outer/hello', 'next')).body.step.id).toBe('outer/phone/phone');
    const sent = await submitStep(b.url, ref, 'outer/phone/phone', 'send', { phoneNumber: phoneNumber(7) });
    expect(sent.body.step).toMatchObject({ id: 'outer/phone/otp', type: 'sms.otp' });

    const onA = await call(a.url, 'GET', `/v1/sessions/${ref.sessionId}`, { token: ref.sessionToken });
    expect(onA.body.step.id).toBe('outer/phone/otp');
    const wrong = await submitStep(a.url, ref, 'outer/phone/otp', 'verify', { code: '000000' });
    expect(wrong.body).toMatchObject({ status: 'waiting', step: { id: 'outer/phone/otp' }, error: { code: 'invalid_code' } });

    const code = await codeFor(a.url, ref.sessionId);
    const done = await submitStep(a.url, ref, 'outer/phone/otp', 'verify', { code });
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ child: { phoneNumber: phoneNumber(7) } });

    const events = await timeline(b.url, ref.sessionId);
    expect(events.map((e) => `${e.event}:${e.stepId}`)).toEqual(expect.arrayContaining(['submitted:outer/phone/otp', 'ended:outer/phone/verified', 'ended:done']));
  });
});
