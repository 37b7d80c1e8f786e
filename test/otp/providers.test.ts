/**
 * The real providers against real local servers on loopback: the exact request a Twilio-compatible
 * API and the WhatsApp Cloud API receive, and the mail an SMTP server receives; plus the step data
 * that sms.otp shows while it waits.
 */
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import {
  PHONE,
  PHONE_DIGITS,
  emailJourney,
  extractCode,
  mailHeader,
  mailText,
  resend,
  smsJourney,
  startEmail,
  startFakeTwilio,
  startFakeWhatsApp,
  startPhone,
  startSmtp,
  twilioEnv,
  twilioForm,
  verify,
  whatsappEnv,
  whatsappJson,
  type FakeProvider,
  type FakeSmtp,
} from './otp-helpers.js';

describe('sms.otp through a Twilio-compatible API and the WhatsApp Cloud API', () => {
  let server: TestServer;
  let twilio: FakeProvider;
  let whatsapp: FakeProvider;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    whatsapp = await startFakeWhatsApp();
    server = await startTestServer({ env: { ...twilioEnv(twilio), ...whatsappEnv(whatsapp), OTP_SEND_LIMIT: '100/900' } });
    await server.publish(smsJourney('sms-shape', { message: 'Your code is {{code}}. It expires in {{minutes}} minutes.', expirySeconds: 90 }));
    await server.publish(smsJourney('sms-default', {}));
    await server.publish(smsJourney('wa-only', { channels: ['whatsapp'], message: 'WhatsApp code {{code}}' }));
    await server.publish(smsJourney('sms-data', { expirySeconds: 120, resendCooldownSeconds: 45, maxResends: 2, channels: ['sms', 'whatsapp'] }));
  });
  beforeEach(() => {
    twilio.reset();
    whatsapp.reset();
  });
  afterAll(async () => {
    await server.close({ remove: true });
    await twilio.close();
    await whatsapp.close();
  });

  it('posts the exact Twilio Messages request: path, basic auth, form encoding, To/From/Body with the template filled', async () => {
    const started = await startPhone(server, 'sms-shape');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'waiting', error: null, step: { id: 'otp', type: 'sms.otp' } });
    expect(started.body.step.data.channel).toBe('sms');

    expect(twilio.requests).toHaveLength(1);
    expect(whatsapp.requests).toHaveLength(0);
    const request = twilio.requests[0];
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/2010-04-01/Accounts/AC123/Messages.json');
    expect(String(request.headers['content-type'])).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request.headers.authorization).toBe('Basic ' + Buffer.from('AC123:secret').toString('base64'));

    const form = twilioForm(request);
    expect(Object.keys(form).sort()).toEqual(['Body', 'From', 'To']);
    expect(form.To).toBe(PHONE);
    expect(form.From).toBe('+15550000000');
    // {{minutes}} is the lifetime rounded up: 90 s → 2 minutes.
    expect(form.Body).toMatch(/^Your code is \d{6}\. It expires in 2 minutes\.$/);

    const code = extractCode(form.Body);
    const done = await verify(server, started.body, code);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toMatchObject({ verified: true, channel: 'sms' });
  });

  it('uses the default message "Your code is {{code}}" when none is configured', async () => {
    const started = await startPhone(server, 'sms-default');
    expect(started.body.status).toBe('waiting');
    expect(twilio.requests).toHaveLength(1);
    expect(twilioForm(twilio.requests[0]).Body).toMatch(/^Your code is \d{6}$/);
  });

  it('posts the exact WhatsApp Cloud request: /{phone-number-id}/messages, bearer token, JSON text message to the digits', async () => {
    const started = await startPhone(server, 'wa-only');
    expect(started.status).toBe(200);
    expect(started.body.status).toBe('waiting');
    expect(started.body.step.data.channel).toBe('whatsapp');
    expect(twilio.requests).toHaveLength(0);

    expect(whatsapp.requests).toHaveLength(1);
    const request = whatsapp.requests[0];
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/12345/messages');
    expect(request.headers.authorization).toBe('Bearer tok');
    expect(String(request.headers['content-type'])).toMatch(/^application\/json/);

    const body = whatsappJson(request);
    expect(body).toMatchObject({ messaging_product: 'whatsapp', to: PHONE_DIGITS, type: 'text' });
    expect(body.to).not.toContain('+');
    expect(body.text.body).toMatch(/^WhatsApp code \d{6}$/);

    const done = await verify(server, started.body, extractCode(body.text.body));
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims.channel).toBe('whatsapp');
  });

  it('shows { destination (masked), channel, expiresAt, resendAvailableAt, resendsLeft } while it waits', async () => {
    const sentAt = server.clock.now().getTime();
    const started = await startPhone(server, 'sms-data');
    const data = started.body.step.data;
    expect(Object.keys(data).sort()).toEqual(['channel', 'destination', 'expiresAt', 'resendAvailableAt', 'resendsLeft']);
    expect(data.channel).toBe('sms');
    expect(data.expiresAt).toBe(new Date(sentAt + 120_000).toISOString());
    expect(data.resendAvailableAt).toBe(new Date(sentAt + 45_000).toISOString());
    expect(data.resendsLeft).toBe(2);

    // Masked: recognisable by its last digits, but the number itself is not there.
    expect(typeof data.destination).toBe('string');
    expect(data.destination).not.toBe(PHONE);
    expect(data.destination.endsWith('0123')).toBe(true);
    expect(data.destination).not.toContain('4155550123');
    expect(data.destination).not.toContain(PHONE_DIGITS);
    expect(data.destination).toMatch(/^\+\d{1,3}[^\d]{5,}0123$/);
    expect(JSON.stringify(started.body)).not.toContain('4155550123');

    // The options: verify { code } and resend { channel? } limited to the configured channels.
    const options = started.body.step.options;
    expect(options.map((o: { id: string }) => o.id).sort()).toEqual(['resend', 'verify']);
    const resendOption = options.find((o: { id: string }) => o.id === 'resend');
    expect(resendOption.schema.properties.channel.enum).toEqual(['sms', 'whatsapp']);

    // After a resend: times from the new send, one resend fewer.
    server.clock.advance(50);
    const again = await resend(server, started.body);
    expect(again.body.status).toBe('waiting');
    expect(again.body.error).toBeNull();
    const resentAt = server.clock.now().getTime();
    expect(again.body.step.data).toEqual({
      destination: data.destination,
      channel: 'sms',
      expiresAt: new Date(resentAt + 120_000).toISOString(),
      resendAvailableAt: new Date(resentAt + 45_000).toISOString(),
      resendsLeft: 1,
    });

    // GET answers the same step data.
    const current = await server.request('GET', `/v1/sessions/${started.body.sessionId}`, { token: started.body.sessionToken });
    expect(current.body.step.data).toEqual(again.body.step.data);
  });
});

describe('email.otp through SMTP', () => {
  let server: TestServer;
  let smtp: FakeSmtp;

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startTestServer({ env: { SMTP_URL: smtp.url, EMAIL_FROM: 'auth@example.com', CHANNEL_TIMEOUT_MS: '3000' } });
    await server.publish(emailJourney('mail', { message: 'Your sign-in code: {{code}} (valid {{minutes}} minutes)' }));
  });
  afterAll(async () => {
    await server.close({ remove: true });
    await smtp.close();
  });

  it('delivers a message from EMAIL_FROM to the address whose text carries the code, and the code verifies', async () => {
    smtp.messages.length = 0;
    const started = await startEmail(server, 'mail', 'Alice@Example.com');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'waiting', error: null, step: { id: 'otp', type: 'email.otp' } });
    expect(started.body.step.data.channel).toBe('email');
    expect(started.body.step.data.destination).not.toContain('alice@');
    expect(started.body.step.data.destination).toMatch(/@example\.com$/);

    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0];
    expect(mail.from).toBe('auth@example.com');
    expect(mail.to).toEqual(['alice@example.com']);
    expect(mailHeader(mail.raw, 'Subject')).toBeTruthy();
    const text = mailText(mail.raw);
    expect(text).toMatch(/Your sign-in code: \d{6} \(valid 5 minutes\)/);
    const code = extractCode(text);

    const done = await verify(server, started.body, code);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims).toEqual({ verified: true, channel: 'email' });
  });

  it('a resend mails a new code; the first then answers invalid_code', async () => {
    smtp.messages.length = 0;
    const started = await startEmail(server, 'mail', 'bob@example.com');
    const first = extractCode(mailText(smtp.messages[0].raw));
    server.clock.advance(31);
    const again = await resend(server, started.body);
    expect(again.body.status).toBe('waiting');
    expect(smtp.messages).toHaveLength(2);
    const second = extractCode(mailText(smtp.messages[1].raw));
    expect(second).not.toBe(first); // 1 in a million to collide
    const old = await verify(server, started.body, first);
    expect(old.body).toMatchObject({ status: 'waiting', error: { code: 'invalid_code' } });
    const done = await verify(server, started.body, second);
    expect(done.body.status).toBe('completed');
  });

  it('an SMTP server refusing the recipient fails the step with delivery_failed', async () => {
    smtp.messages.length = 0;
    smtp.refuseRecipients = true;
    try {
      const started = await startEmail(server, 'mail', 'carol@example.com');
      expect(started.status).toBe(200);
      expect(started.body).toMatchObject({ status: 'rejected', step: null, error: { code: 'delivery_failed' } });
      expect(smtp.messages).toHaveLength(0);
    } finally {
      smtp.refuseRecipients = false;
    }
  });
});

/** A TCP server that accepts SMTP connections and then stalls: silent, or after its greeting. */
async function startStalledSmtp(greet: boolean): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: TcpServer = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    if (greet) socket.write('220 stalled.example ESMTP\r\n');
    // …and never answers anything else.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('email.otp: an SMTP server that does not answer is given up after CHANNEL_TIMEOUT_MS', () => {
  for (const greet of [false, true]) {
    it(greet ? 'greets, then never answers EHLO → delivery_failed within the deadline' : 'never greets → delivery_failed within the deadline', async () => {
      const stalled = await startStalledSmtp(greet);
      const server = await startTestServer({ env: { SMTP_URL: stalled.url, EMAIL_FROM: 'auth@example.com', CHANNEL_TIMEOUT_MS: '300' } });
      try {
        await server.publish(emailJourney('stalled', {}));
        const before = performance.now();
        let status: number | null = null;
        let body: any = null;
        try {
          // The engine's default SMTP timeouts are 30 s (greeting) and 10 min (socket): give up long before.
          const response = await fetch(`${server.url}/v1/journeys/stalled/start`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ input: { email: 'heidi@example.com' } }),
            signal: AbortSignal.timeout(5000),
          });
          status = response.status;
          body = await response.json();
        } catch {
          status = null;
        }
        const elapsed = performance.now() - before;
        expect(status, `no answer within 5 s (CHANNEL_TIMEOUT_MS=300 not applied to SMTP); waited ${Math.round(elapsed)} ms`).toBe(200);
        expect(body).toMatchObject({ status: 'rejected', error: { code: 'delivery_failed' } });
        expect(elapsed).toBeLessThan(3000);
      } finally {
        await stalled.close();
        // Let a start still running inside the engine finish (its SMTP connection is now closed)
        // before the store closes under it.
        for (let i = 0; i < 100; i++) {
          const listed = await server.admin('GET', '/v1/admin/sessions?journeyId=stalled');
          if (listed.status === 200 && listed.body.length > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await server.close({ remove: true });
      }
    });
  }
});
