/**
 * Where TOTP secrets, codes and recovery codes may appear: only in totp.register's own step data
 * while it waits. Not in other responses, the admin API, timelines, logs, nor at rest in SQLite.
 * register-totp enrols only a user who proves their password: the user signs up through the
 * sample sign-up journey first, and that password appears nowhere either.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { outboxCode, loadSampleJourney as loadAnySampleJourney } from '../otp/otp-helpers.js';
import { authJourney, captureLogs, codeNow, containsCode, decodeSecret, findUser, loadSampleJourney, login, wrongCode } from './totp-helpers.js';

type Doc = Record<string, any>;

describe('TOTP secrets and codes stay out of responses, timelines, logs and the database', () => {
  let server: TestServer;
  const logs = captureLogs();
  const username = 'secret.sam';
  const email = 'secret.sam@example.com';
  const password = 'correct horse battery staple';
  let signUpSessionId: string;
  let secret: string;
  let recoveryCodes: string[];
  const submittedCodes: string[] = [];
  const sessionIds: string[] = [];
  let userId: string;

  /** journeys.db and its WAL, as bytes. */
  function databaseBytes(): Buffer {
    const files = ['journeys.db', 'journeys.db-wal'].map((f) => join(server.dataDir, f)).filter((f) => existsSync(f));
    expect(files).toContain(join(server.dataDir, 'journeys.db'));
    return Buffer.concat(files.map((f) => readFileSync(f)));
  }

  /**
   * Unused recovery codes are checked too; one submitted through a form is left out, since a form
   * keeps its answer in the session's variables (the journey's data, not the step's).
   */
  function expectNoSecretAtRest(unusedRecoveryCodes: string[] = recoveryCodes): void {
    const bytes = databaseBytes();
    // The bytes read are the live data: the user written moments ago is there in clear.
    expect(bytes.includes(Buffer.from(username, 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from(password, 'utf8')), 'the password in the database').toBe(false);
    expect(bytes.includes(Buffer.from('$argon2', 'latin1')), 'the password hash unsealed in the database').toBe(false);
    expect(bytes.includes(Buffer.from(secret, 'latin1')), 'base32 secret in the database').toBe(false);
    expect(bytes.includes(Buffer.from(secret.toLowerCase(), 'latin1')), 'lower-case base32 secret in the database').toBe(false);
    const raw = decodeSecret(secret);
    expect(raw).toHaveLength(20);
    expect(bytes.includes(raw), 'raw secret bytes in the database').toBe(false);
    for (const code of unusedRecoveryCodes) {
      expect(bytes.includes(Buffer.from(code, 'latin1')), `recovery code ${code} in the database`).toBe(false);
      expect(bytes.includes(Buffer.from(code.replace('-', ''), 'latin1')), `recovery code ${code} in the database`).toBe(false);
    }
  }

  function expectClean(what: string, value: unknown): void {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    expect(text.includes(password), `${what} holds the password`).toBe(false);
    expect(text.includes('$argon2'), `${what} holds the password hash`).toBe(false);
    expect(text.includes(secret), `${what} holds the secret`).toBe(false);
    expect(text.includes(encodeURIComponent(secret)), `${what} holds the secret`).toBe(false);
    for (const code of recoveryCodes) {
      expect(text.includes(code), `${what} holds recovery code ${code}`).toBe(false);
      expect(text.includes(code.replace('-', '')), `${what} holds recovery code ${code}`).toBe(false);
    }
    for (const code of submittedCodes) expect(containsCode(text, code), `${what} holds submitted code ${code}`).toBe(false);
  }

  beforeAll(async () => {
    server = await startTestServer({ logger: logs.logger });
    await server.publish(loadAnySampleJourney('sign-up'));
    await server.publish(loadSampleJourney('register-totp'));
    await server.publish(loadSampleJourney('login-totp'));
    await server.publish(authJourney('auth-recovery', { allowRecoveryCodes: true }));
  });
  afterAll(() => server.close({ remove: true }));

  it('sign-up sets the password, which no response, timeline or database byte shows', async () => {
    const started = await startSession(server, 'sign-up');
    signUpSessionId = started.body.sessionId;
    const sent = await submit(server, started.body, 'details', 'next', { username, email });
    expect(sent.body, JSON.stringify(sent.body)).toMatchObject({ status: 'waiting', step: { id: 'verifyEmail', type: 'email.otp' } });
    const code = await outboxCode(server, signUpSessionId);
    const verified = await submit(server, started.body, 'verifyEmail', 'verify', { code });
    expect(verified.body, JSON.stringify(verified.body)).toMatchObject({ status: 'waiting', step: { id: 'password', type: 'password.set' } });
    const done = await submit(server, started.body, 'password', 'set', { password });
    expect(done.body, JSON.stringify(done.body)).toMatchObject({ status: 'completed', result: { claims: { username, email } } });
    for (const [what, body] of [['the details answer', sent.body], ['the verified answer', verified.body], ['the completed sign-up', done.body]] as const) {
      expect(JSON.stringify(body).includes(password), `${what} holds the password`).toBe(false);
    }
    const got = await server.request('GET', `/v1/sessions/${signUpSessionId}`, { token: started.body.sessionToken });
    expect(JSON.stringify(got.body).includes(password), 'GET session after sign-up holds the password').toBe(false);

    const admin = await server.admin('GET', `/v1/admin/sessions/${signUpSessionId}`);
    expect(admin.status).toBe(200);
    expect(JSON.stringify(admin.body).includes(password), 'the sign-up timeline holds the password').toBe(false);
    const set = (admin.body.timeline as Doc[]).filter((e) => e.event === 'submitted' && e.option === 'set');
    expect(set).toHaveLength(1);
    expect(set[0].data).toEqual({ password: '[redacted]' });

    const bytes = databaseBytes();
    expect(bytes.includes(Buffer.from(username, 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from(password, 'utf8')), 'the password in the database').toBe(false);
    expect(bytes.includes(Buffer.from('$argon2', 'latin1')), 'the password hash unsealed in the database').toBe(false);
  });

  it('while totp.register waits, its step data shows the secret but the database holds it sealed only', async () => {
    expect(signUpSessionId, 'sign-up ran').toBeDefined();
    const started = await startSession(server, 'register-totp');
    sessionIds.push(started.body.sessionId);
    expect(started.body).toMatchObject({ status: 'waiting', step: { id: 'credentials', type: 'form' } });
    const shown = await submit(server, started.body, 'credentials', 'next', { username, password });
    expect(shown.body).toMatchObject({ status: 'waiting', step: { id: 'enrol' } });
    // The password proved is not shown back, not even next to the secret.
    expect(JSON.stringify(shown.body).includes(password), 'the enrol step holds the password').toBe(false);
    secret = shown.body.step.data.secret;
    recoveryCodes = shown.body.step.data.recoveryCodes;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(recoveryCodes).toHaveLength(10);

    // The step's own data, read back from the store, still shows them (it is sealed, not dropped).
    const got = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(got.body.step.data.secret).toBe(secret);
    expect(got.body.step.data.recoveryCodes).toEqual(recoveryCodes);

    expectNoSecretAtRest();

    // A wrong code, then a refused (422) answer: the step keeps waiting; nothing at rest changes that.
    const wrong = await wrongCode(secret, server.clock);
    submittedCodes.push(wrong);
    const refusedWrong = await submit(server, shown.body, 'enrol', 'confirm', { code: wrong });
    expect(refusedWrong.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
    expectClean('the invalid_code error', refusedWrong.body.error);
    const tooLong = '9'.repeat(40);
    const invalid = await submit(server, refusedWrong.body, 'enrol', 'confirm', { code: tooLong });
    expect(invalid.status).toBe(422);
    expect(JSON.stringify(invalid.body)).not.toContain(tooLong);
    expectNoSecretAtRest();

    const code = await codeNow(secret, server.clock);
    submittedCodes.push(code);
    const done = await submit(server, refusedWrong.body, 'enrol', 'confirm', { code });
    expect(done.body).toMatchObject({ status: 'completed' });
    expectClean('the completed response', done.body);
    expectNoSecretAtRest();
    userId = (await findUser(server, username)).id;
  });

  it('after registration: the session, the admin users routes and the timeline never show the secret', async () => {
    expect(secret, 'registration ran').toBeDefined();
    const [sessionId] = sessionIds;
    const admin = await server.admin('GET', `/v1/admin/sessions/${sessionId}`);
    expect(admin.status).toBe(200);
    expectClean('the admin session', admin.body);

    const timeline = admin.body.timeline as Doc[];
    const confirms = timeline.filter((e) => e.event === 'submitted' && e.option === 'confirm');
    expect(confirms).toHaveLength(2);
    for (const event of confirms) expect(event.data).toEqual({ code: '[redacted]' });
    const credentials = timeline.filter((e) => e.event === 'submitted' && e.stepId === 'credentials');
    expect(credentials).toHaveLength(1);
    expect(credentials[0].data).toEqual({ username, password: '[redacted]' });
    expect(timeline.filter((e) => e.event === 'error').map((e) => e.error.code)).toContain('invalid_code');
    expect(timeline.at(-1)).toMatchObject({ event: 'ended', branch: 'completed' });

    const list = await server.admin('GET', `/v1/admin/users?username=${username}`);
    expectClean('GET /v1/admin/users', list.body);
    const user = await server.admin('GET', `/v1/admin/users/${userId}`);
    // The password sign-up set, and the one app.
    expect(user.body.authenticators.map((a: Doc) => a.type).sort()).toEqual(['password', 'totp']);
    expectClean('GET /v1/admin/users/{id}', user.body);
    for (const authenticator of user.body.authenticators) {
      expect(Object.keys(authenticator).filter((k) => /secret|seal|key|param|step/i.test(k))).toEqual([]);
    }
    const sessions = await server.admin('GET', '/v1/admin/sessions?journeyId=register-totp');
    expectClean('GET /v1/admin/sessions', sessions.body);
    const signUps = await server.admin('GET', '/v1/admin/sessions?journeyId=sign-up');
    expect(signUps.body.map((s: Doc) => s.sessionId ?? s.id)).toContain(signUpSessionId);
    expectClean('GET /v1/admin/sessions of sign-up', signUps.body);
    expectClean('the admin sign-up session', (await server.admin('GET', `/v1/admin/sessions/${signUpSessionId}`)).body);
    expectNoSecretAtRest();
  });

  it('sign-ins (wrong, right, recovery code) keep codes out of responses and timelines', async () => {
    expect(secret, 'registration ran').toBeDefined();
    server.clock.advance(30);
    const started = await startSession(server, 'login-totp');
    sessionIds.push(started.body.sessionId);
    const wrong = await wrongCode(secret, server.clock);
    submittedCodes.push(wrong);
    const refused = await submit(server, started.body, 'login', 'totp', { username, totp_code: wrong });
    expect(refused.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
    expectClean('the refused sign-in', refused.body);
    const code = await codeNow(secret, server.clock);
    submittedCodes.push(code);
    const done = await submit(server, refused.body, 'login', 'totp', { username, totp_code: code });
    expect(done.body).toMatchObject({ status: 'completed', result: { claims: { username } } });
    expectClean('the completed sign-in', done.body);
    const got = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expectClean('GET session after sign-in', got.body);

    const timeline = (await server.admin('GET', `/v1/admin/sessions/${started.body.sessionId}`)).body.timeline as Doc[];
    expectClean('the sign-in timeline', timeline);
    const submitted = timeline.filter((e) => e.event === 'submitted');
    expect(submitted).toHaveLength(2);
    for (const event of submitted) expect(event.data).toEqual({ username, totp_code: '[redacted]' });

    const recovery = await login(server, 'auth-recovery', username, recoveryCodes[0]);
    expect(recovery).toMatchObject({ status: 'completed', result: { claims: { username, method: 'recovery_code' } } });
    const recoveryTimeline = (await server.admin('GET', `/v1/admin/sessions/${recovery.sessionId}`)).body;
    expectClean('the recovery sign-in timeline', recoveryTimeline);
    expect(recoveryTimeline.timeline.find((e: Doc) => e.event === 'submitted').data).toEqual({ username, code: '[redacted]' });
    expectNoSecretAtRest(recoveryCodes.slice(1));
  });

  it('an admin test run (whose timeline shows variable values) still redacts the codes', async () => {
    expect(secret, 'registration ran').toBeDefined();
    server.clock.advance(30);
    const started = await server.admin('POST', '/v1/admin/journeys/login-totp/test-runs', {});
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'waiting', step: { id: 'login' } });
    const wrong = await wrongCode(secret, server.clock);
    const code = await codeNow(secret, server.clock);
    submittedCodes.push(wrong, code);
    const refused = await submit(server, started.body, 'login', 'totp', { username, totp_code: wrong });
    expect(refused.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
    const done = await submit(server, refused.body, 'login', 'totp', { username, totp_code: code });
    expect(done.body).toMatchObject({ status: 'completed', result: { claims: { username } } });

    const admin = await server.admin('GET', `/v1/admin/sessions/${started.body.sessionId}`);
    const timeline = admin.body.timeline as Doc[];
    // Values are shown in a test run (so this would reveal a code that was not redacted)…
    const loginVariables = timeline.find((e) => e.event === 'branch' && e.stepId === 'login')?.variables;
    expect(loginVariables).toEqual({ loginData: { username, totp_code: '[redacted]' } });
    // …and no code appears anywhere.
    expectClean('the test-run timeline', admin.body);
  });

  it('the logs of the whole run hold neither the secret, nor a submitted code, nor a recovery code', () => {
    expect(secret, 'registration ran').toBeDefined();
    const text = logs.text();
    // The capture works: the requests above were logged.
    expect(logs.lines.length).toBeGreaterThan(10);
    expect(text).toContain('/v1/sessions/');
    expect(text.includes(secret)).toBe(false);
    expect(text.toLowerCase().includes(secret.toLowerCase())).toBe(false);
    expect(text.includes(password), 'the password logged').toBe(false);
    expect(submittedCodes.length).toBeGreaterThanOrEqual(4);
    for (const code of submittedCodes) expect(containsCode(text, code), `code ${code} logged`).toBe(false);
    for (const code of recoveryCodes) {
      expect(text.includes(code), `recovery code ${code} logged`).toBe(false);
      expect(text.includes(code.replace('-', '')), `recovery code ${code} logged`).toBe(false);
    }
  });
});
