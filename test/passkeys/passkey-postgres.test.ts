/**
 * Passkeys on PostgreSQL, two engine instances (as two server processes) on one fresh schema: a
 * passkey registered through one signs in through the other, and a cloned passkey racing its
 * original with the same counter passes once: the counter's compare-and-set holds across
 * processes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres, freshSchema } from '../helpers/postgres.js';
import { TestClock, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { usernameForm } from '../helpers/journeys.js';
import { SoftAuthenticator } from '../../testing/fakes/soft-authenticator.js';

const ORIGIN = 'https://login.example.test';

describePostgres('passkeys on PostgreSQL, two instances', (url) => {
  const schema = freshSchema(url);
  const clock = new TestClock();
  const env = { DATABASE_URL: schema.url, SECRET_KEY: randomBytes(32).toString('hex'), WEBAUTHN_RP_ID: 'example.test', WEBAUTHN_ORIGINS: ORIGIN };
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestServer({ env, clock }), startTestServer({ env, clock })]);
    expect(a.engine.store.kind).toBe('postgres');
    await a.publish({
      id: 'pk-register',
      name: 'pk-register',
      start: 'who',
      settings: { public: true },
      steps: {
        who: usernameForm('identify'),
        identify: { type: 'user.identify', config: { username: '{% account.username %}', mode: 'create' }, branches: { success: 'enrol' } },
        enrol: { type: 'passkey.register', config: {}, branches: { success: 'done', skipped: 'done' } },
        done: { type: 'complete', config: { claims: { userId: '{% $user.id %}' } } },
      },
    });
    await a.publish({
      id: 'pk-signin',
      name: 'pk-signin',
      start: 'passkey',
      settings: { public: true },
      steps: {
        passkey: { type: 'passkey.authenticate', config: {}, branches: { success: 'done', username: 'done', skipped: 'done' } },
        done: { type: 'complete', config: { claims: { userId: '{% $user.id %}', amr: '{% $auth.amr %}' } } },
      },
    });
  });
  afterAll(async () => {
    await a?.close({ remove: true });
    await b?.close({ remove: true });
    await schema.drop();
  });

  it('registers through one instance, signs in through the other; a clone racing with the same counter passes once', async () => {
    const device = new SoftAuthenticator({ origin: ORIGIN, rpId: 'example.test' }, { startCount: 1 });
    const started = await startSession(a, 'pk-register');
    const asked = await submit(a, started.body, 'who', 'next', { username: 'pg.passkey' });
    const registered = await submit(a, started.body, 'enrol', 'register', { credential: device.create(asked.body.step.data.options) });
    expect(registered.body.status).toBe('completed');
    const userId = registered.body.result.claims.userId;

    const session = await startSession(b, 'pk-signin');
    const done = await submit(b, session.body, 'passkey', 'verify', { credential: device.get(session.body.step.data.options) });
    expect(done.body.result.claims).toEqual({ userId, amr: ['hwk'] });

    // Six sessions, each answered with the same next counter (a clone and its original racing).
    const sessions = await Promise.all(Array.from({ length: 6 }, (_, i) => startSession(i % 2 ? a : b, 'pk-signin')));
    const count = device.signCount + 1;
    const answers = await Promise.all(
      sessions.map((s, i) => submit(i % 2 ? b : a, s.body, 'passkey', 'verify', { credential: device.get(s.body.step.data.options, { signCount: count }) })),
    );
    const statuses = answers.map((r) => (r.body.status === 'completed' ? 'completed' : r.body.error?.code));
    expect(statuses.filter((s) => s === 'completed')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'counter_mismatch')).toHaveLength(5);
  });
});
