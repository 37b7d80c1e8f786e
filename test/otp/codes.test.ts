/**
 * The codes themselves: their length, single use, and where they may (the providers, the dev
 * outbox) and may not (responses, timelines, errors, logs, the database) be read back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, APP_KEY, startTestServer, submit, type HttpResult, type TestServer } from '../helpers/test-server.js';
import {
  PHONE,
  captureLogs,
  containsCode,
  lastTwilioCode,
  lastWhatsAppCode,
  outbox,
  outboxCode,
  resend,
  smsJourney,
  startFakeTwilio,
  startFakeWhatsApp,
  startPhone,
  twilioEnv,
  twilioForm,
  verify,
  whatsappEnv,
  wrongCode,
  type FakeProvider,
} from './otp-helpers.js';

describe('code length and single use', () => {
  let server: TestServer;
  let twilio: FakeProvider;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    server = await startTestServer({ env: { ...twilioEnv(twilio), OTP_SEND_LIMIT: '100/900' } });
    await server.publish(smsJourney('len8', { codeLength: 8 }));
    await server.publish(smsJourney('len10', { codeLength: 10 }));
    await server.publish(smsJourney('len6', {}));
  });
  beforeEach(() => twilio.reset());
  afterAll(async () => {
    await server.close({ remove: true });
    await twilio.close();
  });

  it('codeLength 8 sends 8-digit codes (and only the whole code verifies)', async () => {
    for (let i = 0; i < 5; i++) {
      const started = await startPhone(server, 'len8');
      expect(twilioForm(twilio.requests[i]).Body).toMatch(/^Your code is \d{8}$/);
      if (i === 0) {
        const code = lastTwilioCode(twilio, 8);
        const prefix = await verify(server, started.body, code.slice(0, 6));
        expect(prefix.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
        expect((await verify(server, started.body, code)).body.status).toBe('completed');
      }
    }
  });

  it('the default length is 6 and codeLength 10 gives 10 digits', async () => {
    await startPhone(server, 'len6');
    expect(twilioForm(twilio.requests[0]).Body).toMatch(/^Your code is \d{6}$/);
    await startPhone(server, 'len10');
    expect(twilioForm(twilio.requests[1]).Body).toMatch(/^Your code is \d{10}$/);
  });

  it('codes vary from send to send', async () => {
    const codes = new Set<string>();
    for (let i = 0; i < 8; i++) {
      await startPhone(server, 'len10');
      codes.add(lastTwilioCode(twilio, 10));
    }
    expect(codes.size).toBe(8);
  });

  it('a code is single use: after success the session is completed and a second submit is 409 session_ended', async () => {
    const started = await startPhone(server, 'len6');
    const code = lastTwilioCode(twilio);
    const done = await verify(server, started.body, code);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', step: null, error: null });
    expect(typeof done.body.result.token).toBe('string');

    const again = await verify(server, started.body, code);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('session_ended');
    const resent = await resend(server, started.body);
    expect(resent.status).toBe(409);
    expect(resent.body.error.code).toBe('session_ended');
  });

  it('a code is bound to its session: another session to the same number does not accept it', async () => {
    const a = await startPhone(server, 'len10');
    const codeA = lastTwilioCode(twilio, 10);
    const b = await startPhone(server, 'len10');
    const codeB = lastTwilioCode(twilio, 10);
    expect(codeB).not.toBe(codeA);
    expect((await verify(server, b.body, codeA)).body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
    expect((await verify(server, a.body, codeA)).body.status).toBe('completed');
    expect((await verify(server, b.body, codeB)).body.status).toBe('completed');
  });
});

/** Every response body, timeline and log line of a scenario, as text. */
class Transcript {
  private readonly parts: string[] = [];
  add(result: HttpResult): HttpResult {
    this.parts.push(JSON.stringify(result.body));
    return result;
  }
  text(): string {
    return this.parts.join('\n');
  }
}

function databaseText(dataDir: string): string {
  return readdirSync(dataDir)
    .map((name) => {
      try {
        return readFileSync(join(dataDir, name)).toString('latin1');
      } catch {
        return '';
      }
    })
    .join('\n');
}

describe('codes never leave through responses, timelines, errors, logs or the database', () => {
  let server: TestServer;
  let twilio: FakeProvider;
  let whatsapp: FakeProvider;
  const logs = captureLogs();

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    whatsapp = await startFakeWhatsApp();
    server = await startTestServer({ env: { ...twilioEnv(twilio), ...whatsappEnv(whatsapp), OTP_SEND_LIMIT: '100/900' }, logger: logs.logger });
    // 10 digits: a chance match inside a timestamp or an id is out of the question.
    await server.publish(smsJourney('secret', { codeLength: 10, maxAttempts: 3, resendCooldownSeconds: 0 }));
  });
  afterAll(async () => {
    await server.close({ remove: true });
    await twilio.close();
    await whatsapp.close();
  });

  it('through a whole session (wrong code, fallback resend, expired code, resend, success, a failed one, a test run)', async () => {
    const seen = new Transcript();
    const codes: string[] = [];

    // Session 1: wrong code, resend falling back to WhatsApp, expired code, resend, success.
    const started = seen.add(await startPhone(server, 'secret'));
    codes.push(lastTwilioCode(twilio, 10));
    seen.add(await verify(server, started.body, wrongCode(codes[0])));
    twilio.mode = 'fail';
    seen.add(await resend(server, started.body, {}));
    codes.push(lastWhatsAppCode(whatsapp, 10));
    twilio.mode = 'ok';
    server.clock.advance(301);
    const expired = seen.add(await verify(server, started.body, codes[1]));
    expect(expired.body.error.code).toBe('expired_code');
    seen.add(await resend(server, started.body, { channel: 'sms' }));
    codes.push(lastTwilioCode(twilio, 10));
    seen.add(await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken }));
    const done = seen.add(await verify(server, started.body, codes[2]));
    expect(done.body.status).toBe('completed');
    seen.add(await verify(server, started.body, codes[2]));
    seen.add(await server.request('POST', '/v1/tokens/validate', { body: { token: done.body.result.token }, token: APP_KEY }));

    // Session 2: runs out of attempts.
    const second = seen.add(await startPhone(server, 'secret'));
    codes.push(lastTwilioCode(twilio, 10));
    for (let i = 0; i < 3; i++) seen.add(await verify(server, second.body, wrongCode(codes[3])));
    expect((await server.request('GET', `/v1/sessions/${second.body.sessionId}`, { token: second.body.sessionToken })).body.error.code).toBe('too_many_attempts');

    // Session 3: an admin test run (its timeline shows variable values).
    const run = seen.add(await server.request('POST', '/v1/admin/journeys/secret/test-runs', { body: { input: { phone: PHONE } }, token: ADMIN_KEY }));
    expect(run.body.status).toBe('waiting');
    codes.push(lastTwilioCode(twilio, 10));
    seen.add(await submit(server, run.body, 'otp', 'verify', { code: wrongCode(codes[4]) }));
    seen.add(await submit(server, run.body, 'otp', 'verify', { code: codes[4] }));

    // Admin views: timelines and session lists.
    for (const id of [started.body.sessionId, second.body.sessionId, run.body.sessionId]) {
      const detail = seen.add(await server.request('GET', `/v1/admin/sessions/${id}`, { token: ADMIN_KEY }));
      expect(detail.status).toBe(200);
      expect(detail.body.timeline.length).toBeGreaterThan(0);
    }
    // The timeline shows the submission, with the code redacted.
    const timeline = (await server.request('GET', `/v1/admin/sessions/${started.body.sessionId}`, { token: ADMIN_KEY })).body.timeline;
    const submitted = timeline.filter((e: { event: string; option?: string }) => e.event === 'submitted' && e.option === 'verify');
    expect(submitted.length).toBeGreaterThanOrEqual(3);
    for (const event of submitted) expect(event.data).toEqual({ code: '[redacted]' });
    seen.add(await server.request('GET', '/v1/admin/sessions', { token: ADMIN_KEY }));

    // With providers configured, nothing goes to the dev outbox.
    const box = seen.add(await outbox(server));
    expect(box.body).toEqual([]);

    expect(new Set(codes).size).toBe(codes.length);
    const responses = seen.text();
    const logText = logs.text();
    expect(logs.lines.length).toBeGreaterThan(10);
    expect(logText).toContain('message delivered');
    const database = databaseText(server.dataDir);
    expect(database.length).toBeGreaterThan(0);
    for (const code of codes) {
      expect(containsCode(responses, code), `code ${code} in a response`).toBe(false);
      expect(containsCode(logText, code), `code ${code} in the logs`).toBe(false);
      expect(database.includes(code), `code ${code} in the database`).toBe(false);
    }
    // The error messages say what is wrong, not what the code was.
    expect(responses).toContain('invalid_code');
    expect(responses).toContain('expired_code');
    expect(responses).toContain('too_many_attempts');
  });
});

describe('with no provider configured, the code is readable in the dev outbox only', () => {
  let server: TestServer;
  const logs = captureLogs();

  beforeAll(async () => {
    server = await startTestServer({ env: { OTP_SEND_LIMIT: '100/900' }, logger: logs.logger });
    await server.publish(smsJourney('dev', { codeLength: 10, message: 'Dev code {{code}}' }));
  });
  afterAll(() => server.close({ remove: true }));

  it('the outbox holds the code; responses, timeline and logs do not', async () => {
    const seen = new Transcript();
    const started = seen.add(await startPhone(server, 'dev'));
    expect(started.body.step.data.channel).toBe('sms');
    const code = await outboxCode(server, started.body.sessionId, 10);
    seen.add(await verify(server, started.body, wrongCode(code)));
    const done = seen.add(await verify(server, started.body, code));
    expect(done.body.status).toBe('completed');
    seen.add(await server.request('GET', `/v1/admin/sessions/${started.body.sessionId}`, { token: ADMIN_KEY }));

    const box = await outbox(server, { sessionId: started.body.sessionId });
    expect(box.body).toHaveLength(1);
    expect(box.body[0].body).toBe(`Dev code ${code}`);
    expect(containsCode(seen.text(), code)).toBe(false);
    expect(containsCode(logs.text(), code)).toBe(false);
  });
});
