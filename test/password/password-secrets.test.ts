/**
 * Where a password may appear: nowhere but in the request that carries it. Not in responses
 * (errors included), the session record, the timeline (also of an admin test run, which shows
 * variable values), the logs, nor the SQLite file and its WAL. Asked by the steps themselves and
 * read from a form through expressions (the runtime erases what a writeOnly config read).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { captureLogs } from '../totp-http/totp-helpers.js';
import { afterUsername, formSignIn, formSignInJourney, signInJourney, signUpJourney } from './password-helpers.js';

type Doc = Record<string, any>;

/** A distinctive password that passes the policy (so a hit in the bytes can only be a leak). */
const secret = (label: string) => `${label} mango glacier ${randomBytes(6).toString('hex')}`;

/** username + password form → user.identify (create) → password.set reading the password by expression. */
function formSignUpJourney(id: string): Doc {
  return {
    id,
    name: `Form sign up ${id}`,
    start: 'form',
    settings: { public: true },
    steps: {
      form: {
        type: 'form',
        config: {
          outputVariable: 'signup',
          options: [
            {
              id: 'go',
              schema: {
                type: 'object',
                required: ['username', 'password'],
                properties: { username: { type: 'string', minLength: 1 }, password: { type: 'string', format: 'password', writeOnly: true } },
              },
            },
          ],
        },
        branches: { go: 'identify' },
      },
      identify: { type: 'user.identify', config: { username: '{% signup.username %}', mode: 'create' }, branches: { success: 'set' } },
      set: { type: 'password.set', config: { password: '{% signup.password %}' }, errorOutputVariable: 'setError', branches: { success: 'done', failure: 'no' } },
      done: { type: 'complete', config: { claims: { username: '{% $user.username %}' } } },
      no: { type: 'reject', config: { code: '{% setError.code %}', message: '{% setError.message %}' } },
    },
  };
}

describe('passwords stay out of responses, session records, timelines, logs and the database', () => {
  let server: TestServer;
  const logs = captureLogs();
  const used: string[] = [];
  const sessions: Array<{ sessionId: string; sessionToken: string }> = [];
  const use = (password: string) => (used.push(password), password);

  function databaseBytes(): Buffer {
    const files = ['journeys.db', 'journeys.db-wal'].map((f) => join(server.dataDir, f)).filter((f) => existsSync(f));
    expect(files).toContain(join(server.dataDir, 'journeys.db'));
    return Buffer.concat(files.map((f) => readFileSync(f)));
  }

  function expectClean(what: string, value: unknown): void {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    for (const password of used) {
      expect(text.includes(password), `${what} holds a password`).toBe(false);
      expect(text.includes(JSON.stringify(password).slice(1, -1)), `${what} holds an escaped password`).toBe(false);
    }
  }

  beforeAll(async () => {
    server = await startTestServer({ logger: logs.logger });
    await server.publish(signUpJourney('sign-up'));
    await server.publish(signInJourney('sign-in'));
    await server.publish(formSignInJourney('form-sign-in'));
    await server.publish(formSignUpJourney('form-sign-up'));
  });
  afterAll(() => server.close({ remove: true }));

  const good = secret('asked');
  const formGood = secret('form');

  it('asked by password.set (weak tries refused first) and password.authenticate (a wrong try first)', async () => {
    const asked = await afterUsername(server, 'sign-up', 'sam.secret');
    sessions.push(asked as any);
    const short = await submit(server, asked, 'set', 'set', { password: use(`x${randomBytes(3).toString('hex')}`) });
    expect(short.body).toMatchObject({ status: 'waiting', error: { code: 'weak_password' } });
    expectClean('the weak_password response', short.body);
    const done = await submit(server, short.body, 'set', 'set', { password: use(good) });
    expect(done.body).toMatchObject({ status: 'completed' });
    expectClean('the completed sign-up', done.body);

    const signIn = await afterUsername(server, 'sign-in', 'sam.secret');
    sessions.push(signIn as any);
    const wrong = await submit(server, signIn, 'auth', 'verify', { password: use(secret('wrong')) });
    expect(wrong.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_credentials' } });
    expectClean('the invalid_credentials response', wrong.body);
    // While the step waits again, the stored session holds neither try.
    expectClean('the session record while waiting', await server.engine.store.sessions.get(signIn.sessionId));
    expectClean('the database while waiting', databaseBytes().toString('latin1'));
    const ok = await submit(server, wrong.body, 'auth', 'verify', { password: use(good) });
    expect(ok.body).toMatchObject({ status: 'completed', result: { claims: { username: 'sam.secret', amr: ['pwd'] } } });
    expectClean('the completed sign-in', ok.body);
  });

  it('read from a form through expressions: the variable is erased once password.set / password.authenticate ran', async () => {
    const weak = await startSession(server, 'form-sign-up');
    sessions.push(weak.body);
    const refused = await submit(server, weak.body, 'form', 'go', { username: 'sam.form', password: use(`sam.form ${randomBytes(4).toString('hex')}`) });
    expect(refused.body).toMatchObject({ status: 'rejected', error: { code: 'weak_password', message: 'Your password must not contain your username.' } });
    expectClean('the refused form sign-up', refused.body);

    const started = await startSession(server, 'form-sign-up');
    sessions.push(started.body);
    const done = await submit(server, started.body, 'form', 'go', { username: 'sam.form2', password: use(formGood) });
    expect(done.body).toMatchObject({ status: 'completed' });
    const record = await server.engine.store.sessions.get(started.body.sessionId);
    const variables = (record!.snapshot as Doc).context.variables as Doc;
    expect(variables.signup).toEqual({ username: 'sam.form2' });

    const wrong = await formSignIn(server, 'form-sign-in', 'sam.form2', use(secret('formwrong')));
    expect(wrong).toMatchObject({ status: 'rejected', error: { code: 'invalid_credentials' } });
    const right = await formSignIn(server, 'form-sign-in', 'sam.form2', formGood);
    expect(right).toMatchObject({ status: 'completed' });
    for (const result of [wrong, right]) {
      sessions.push(result as any);
      const stored = await server.engine.store.sessions.get(result.sessionId);
      expect(((stored!.snapshot as Doc).context.variables as Doc).creds).toEqual({ username: 'sam.form2' });
    }
  });

  it('an admin test run (whose timeline shows variable values) does not show the password', async () => {
    const started = await server.admin('POST', '/v1/admin/journeys/form-sign-in/test-runs', {});
    expect(started.body).toMatchObject({ status: 'waiting', step: { id: 'login' } });
    sessions.push(started.body);
    const done = await submit(server, started.body, 'login', 'go', { username: 'sam.form2', password: formGood });
    expect(done.body).toMatchObject({ status: 'completed' });
    const timeline = (await server.admin('GET', `/v1/admin/sessions/${started.body.sessionId}`)).body.timeline as Doc[];
    const submitted = timeline.find((e) => e.event === 'submitted');
    expect(submitted?.data).toEqual({ username: 'sam.form2', password: '[redacted]' });
    expectClean('the test-run timeline', timeline);
  });

  it('after all runs: no session record, client view, admin view, timeline, log line or database byte holds a password', async () => {
    expect(used.length).toBeGreaterThanOrEqual(7);
    expect(sessions.length).toBeGreaterThanOrEqual(6);
    for (const session of sessions) {
      expectClean(`session record ${session.sessionId}`, await server.engine.store.sessions.get(session.sessionId));
      const admin = await server.admin('GET', `/v1/admin/sessions/${session.sessionId}`);
      expect(admin.status).toBe(200);
      expectClean(`admin session and timeline ${session.sessionId}`, admin.body);
      const client = await server.request('GET', `/v1/sessions/${session.sessionId}`, { token: session.sessionToken });
      expectClean(`client view ${session.sessionId}`, client.body);
    }
    const users = await server.admin('GET', '/v1/admin/users?username=sam.secret');
    expectClean('GET /v1/admin/users', users.body);
    expectClean('GET /v1/admin/users/{id}', (await server.admin('GET', `/v1/admin/users/${users.body[0].id}`)).body);

    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(10);
    expect(text).toContain('/v1/sessions/');
    expectClean('the logs', text);

    const bytes = databaseBytes();
    // The bytes read are the live data: the usernames written moments ago are there in clear.
    expect(bytes.includes(Buffer.from('sam.secret', 'utf8'))).toBe(true);
    for (const password of used) {
      expect(bytes.includes(Buffer.from(password, 'utf8')), 'a password in the database').toBe(false);
      expect(bytes.includes(Buffer.from(password, 'utf16le')), 'a UTF-16 password in the database').toBe(false);
    }
  });
});
