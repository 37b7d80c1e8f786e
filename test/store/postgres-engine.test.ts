/**
 * The engine over real HTTP on PostgreSQL: two engine instances (as two server processes) share
 * one fresh schema, which they create and migrate together on start. Sessions, users,
 * authenticators and tokens written by one are used by the other, and racing submits to one
 * session split across both are settled by the database: one wins, the rest get 409.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { ScureBase32Plugin, generate } from 'otplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres, freshSchema } from '../helpers/postgres.js';
import { APP_KEY, TestClock, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { outboxCode } from '../otp/otp-helpers.js';

const sampleJourney = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../journeys/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

/** The 6-digit TOTP code (SHA1, 30 s) of `secret` at the clock's time. */
const codeAt = (secret: string, clock: TestClock): Promise<string> =>
  generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000), crypto: new NodeCryptoPlugin(), base32: new ScureBase32Plugin() });

/** Two questions, then complete: a submit to the first moves the session to the second. */
const twoQuestions = {
  id: 'two-questions',
  start: 'first',
  settings: { public: true },
  steps: {
    first: {
      type: 'form',
      config: { outputVariable: 'first', options: [{ id: 'go', schema: { type: 'object', properties: { n: { type: 'integer' } } } }] },
      branches: { go: 'second' },
    },
    second: { type: 'form', config: { outputVariable: 'second', options: [{ id: 'go' }] }, branches: { go: 'done' } },
    done: { type: 'complete', config: { claims: { first: '{% first.n %}' } } },
  },
};

describePostgres('the engine over HTTP on PostgreSQL', (url) => {
  const schema = freshSchema(url);
  const clock = new TestClock();
  // With postgres:// the configuration requires a shared SECRET_KEY (ADMIN_API_KEY comes from the helper).
  const env = { DATABASE_URL: schema.url, SECRET_KEY: randomBytes(32).toString('hex') };
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    // Both start at once on a schema that does not exist yet: created and migrated once.
    [a, b] = await Promise.all([startTestServer({ env, clock }), startTestServer({ env, clock })]);
    expect(a.engine.store.kind).toBe('postgres');
    await a.publish(sampleJourney('sign-up'));
    await a.publish(sampleJourney('register-totp'));
    await a.publish(sampleJourney('login-totp'));
    await a.publish(twoQuestions);
  });
  afterAll(async () => {
    await a?.close({ remove: true });
    await b?.close({ remove: true });
    await schema.drop();
  });

  it('sign-up and login-totp on one instance, register-totp on the other: completed, and the token validates once', async () => {
    const username = 'pg.alice';
    const password = 'correct horse battery staple';
    // register-totp enrols only a user who proves their password: sign up first (on B), with the
    // emailed code from the dev outbox.
    const signUp = await startSession(b, 'sign-up');
    expect(signUp.status).toBe(200);
    const sent = await submit(b, signUp.body, 'details', 'next', { username, email: 'pg.alice@example.com' });
    expect(sent.body, JSON.stringify(sent.body)).toMatchObject({ status: 'waiting', step: { id: 'verifyEmail', type: 'email.otp' } });
    const verified = await submit(b, signUp.body, 'verifyEmail', 'verify', { code: await outboxCode(b, signUp.body.sessionId) });
    expect(verified.body, JSON.stringify(verified.body)).toMatchObject({ status: 'waiting', step: { id: 'password', type: 'password.set' } });
    const signedUp = await submit(b, signUp.body, 'password', 'set', { password });
    expect(signedUp.body, JSON.stringify(signedUp.body)).toMatchObject({ status: 'completed', result: { claims: { username } } });

    const started = await startSession(a, 'register-totp');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'waiting', step: { id: 'credentials', type: 'form' } });
    const shown = await submit(a, started.body, 'credentials', 'next', { username, password });
    expect(shown.body).toMatchObject({ status: 'waiting', step: { id: 'enrol', type: 'totp.register' } });
    const secret = shown.body.step.data.secret as string;
    const enrolled = await submit(a, shown.body, 'enrol', 'confirm', { code: await codeAt(secret, clock) });
    expect(enrolled.body).toMatchObject({ status: 'completed', result: { claims: { username, enrolled: 'totp' } } });

    // A later time step, so the code is not the one spent on confirming.
    clock.advance(30);
    const code = await codeAt(secret, clock);
    const login = await startSession(b, 'login-totp');
    expect(login.body).toMatchObject({ status: 'waiting', step: { id: 'login' } });
    const done = await submit(b, login.body, 'login', 'totp', { username, totp_code: code });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', error: null, result: { claims: { username } } });

    // The same code again, on the first instance: the time step is spent (replay refused).
    const replay = await startSession(a, 'login-totp');
    const refused = await submit(a, replay.body, 'login', 'totp', { username, totp_code: code });
    expect(refused.body).toMatchObject({ status: 'waiting', step: { id: 'login' }, error: { code: 'invalid_code' } });

    const token = done.body.result.token as string;
    const first = await a.request('POST', '/v1/tokens/validate', { body: { token }, token: APP_KEY });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ valid: true, journeyId: 'login-totp', claims: { username } });
    const second = await b.request('POST', '/v1/tokens/validate', { body: { token }, token: APP_KEY });
    expect(second.body).toMatchObject({ valid: false, reason: 'already_used' });
  });

  it('a session started on one instance continues on the other', async () => {
    const started = await startSession(a, 'two-questions');
    expect(started.body).toMatchObject({ status: 'waiting', step: { id: 'first' } });
    const read = await b.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(read.body).toMatchObject({ status: 'waiting', step: { id: 'first' } });

    const next = await submit(b, started.body, 'first', 'go', { n: 7 });
    expect(next.body).toMatchObject({ status: 'waiting', step: { id: 'second' } });
    const done = await submit(a, next.body, 'second', 'go');
    expect(done.body).toMatchObject({ status: 'completed', result: { claims: { first: 7 } } });
    const validated = await b.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: APP_KEY });
    expect(validated.body).toMatchObject({ valid: true, sessionId: started.body.sessionId, claims: { first: 7 } });
  });

  it('20 concurrent submits to one waiting session, split across both instances: one 200, the rest 409, advanced once', async () => {
    const started = await startSession(a, 'two-questions');
    const sessionId = started.body.sessionId as string;
    const before = await a.engine.store.sessions.get(sessionId);

    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => submit(i % 2 ? a : b, started.body, 'first', 'go', { n: i })));
    const ok = answers.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0].body).toMatchObject({ status: 'waiting', step: { id: 'second' } });
    for (const refused of answers.filter((r) => r.status !== 200)) {
      expect(refused.status).toBe(409);
      expect(['conflict', 'stale_step']).toContain(refused.body.error.code);
    }

    // Advanced once: one save on the revision (a run that writes nothing takes its lease in the
    // save, issue #24, so the revision moves once per submit), one submission on the timeline.
    const after = await b.engine.store.sessions.get(sessionId);
    expect(after).toMatchObject({ status: 'waiting', stepId: 'second', revision: before!.revision + 1, leaseUntil: null });
    const submitted = (await b.engine.store.timelines.list(sessionId)).filter((e) => e.event === 'submitted');
    expect(submitted).toEqual([expect.objectContaining({ stepId: 'first', option: 'go' })]);

    // And it goes on from where the winner left it.
    const done = await submit(b, ok[0].body, 'second', 'go');
    expect(done.body).toMatchObject({ status: 'completed' });
    expect(done.body.result.claims.first).toBe(answers.indexOf(ok[0]));
  });
});
