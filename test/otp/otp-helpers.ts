/**
 * Shared helpers for the OTP suites (sms.otp, email.otp): fake Twilio and WhatsApp Cloud APIs and
 * a real SMTP server, all on loopback and recording what they receive; small journeys built from
 * the journey format; code extraction and a log capture.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import { ADMIN_KEY, startSession, submit, type TestServer } from '../helpers/test-server.js';
import { loadSampleJourney } from '../helpers/journeys.js';
export { loadSampleJourney };

type Doc = Record<string, any>;

export const PHONE = '+14155550123';
export const PHONE_DIGITS = '14155550123';

export const TWILIO_ENV = { TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'secret', TWILIO_FROM: '+15550000000' } as const;
export const WHATSAPP_ENV = { WHATSAPP_PHONE_NUMBER_ID: '12345', WHATSAPP_TOKEN: 'tok' } as const;

// ---------------------------------------------------------------------------------------------
// Fake HTTP providers

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type FakeMode = 'ok' | 'fail' | 'hang';

export interface FakeProvider {
  url: string;
  requests: RecordedRequest[];
  /** What the next requests get: a success, a 500, or no answer at all. */
  mode: FakeMode;
  reset(): void;
  close(): Promise<void>;
}

async function startFake(success: (req: RecordedRequest) => { status: number; body: unknown }): Promise<FakeProvider> {
  const hanging: ServerResponse[] = [];
  const fake: FakeProvider = {
    url: '',
    requests: [],
    mode: 'ok',
    reset() {
      fake.requests.length = 0;
      fake.mode = 'ok';
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, body: Buffer.concat(chunks).toString('utf8') };
      fake.requests.push(recorded);
      if (fake.mode === 'hang') {
        hanging.push(res);
        return;
      }
      if (fake.mode === 'fail') {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20500, message: 'Internal Server Error' }));
        return;
      }
      const answer = success(recorded);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

let messageCounter = 0;

/** A Twilio-compatible Messages API: 201 with a message sid. */
export function startFakeTwilio(): Promise<FakeProvider> {
  return startFake(() => ({ status: 201, body: { sid: `SM${String(++messageCounter).padStart(32, '0')}`, status: 'queued' } }));
}

/** A WhatsApp Cloud API messages endpoint: 200 with a message id. */
export function startFakeWhatsApp(): Promise<FakeProvider> {
  return startFake(() => ({ status: 200, body: { messaging_product: 'whatsapp', contacts: [], messages: [{ id: `wamid.${++messageCounter}` }] } }));
}

export function twilioEnv(fake: FakeProvider): Record<string, string> {
  return { TWILIO_API_URL: fake.url, ...TWILIO_ENV };
}

export function whatsappEnv(fake: FakeProvider): Record<string, string> {
  return { WHATSAPP_API_URL: fake.url, ...WHATSAPP_ENV };
}

/** The form fields of a recorded Twilio request. */
export function twilioForm(request: RecordedRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(request.body));
}

/** The JSON body of a recorded WhatsApp request. */
export function whatsappJson(request: RecordedRequest): any {
  return JSON.parse(request.body);
}

// ---------------------------------------------------------------------------------------------
// SMTP

export interface ReceivedMail {
  from: string | null;
  to: string[];
  raw: string;
}

export interface FakeSmtp {
  url: string;
  messages: ReceivedMail[];
  /** When set, every recipient is refused with a 550. */
  refuseRecipients: boolean;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<FakeSmtp> {
  const fake: FakeSmtp = { url: '', messages: [], refuseRecipients: false, close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 500,
    onRcptTo(address, _session, callback) {
      if (fake.refuseRecipients) {
        const error = new Error('mailbox unavailable') as Error & { responseCode?: number };
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const mailFrom = session.envelope.mailFrom;
        fake.messages.push({
          from: mailFrom ? mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}

/** The text part of a raw message (headers cut off, soft line breaks of quoted-printable undone). */
export function mailText(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const body = split >= 0 ? raw.slice(split + 4) : raw;
  return body.replace(/=\r\n/g, '');
}

export function mailHeader(raw: string, name: string): string | null {
  const head = raw.slice(0, Math.max(0, raw.indexOf('\r\n\r\n')));
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
  return match ? match[1].trim() : null;
}

// ---------------------------------------------------------------------------------------------
// Journeys

/**
 * A journey around one sms.otp step whose number comes from the start input (`{ phone }`):
 * success → complete with the channel; failure → reject with the step's error (unless
 * `failureBranch` is false: then a failure ends the session `failed`).
 */
export function smsJourney(id: string, otp: Doc = {}, options: { failureBranch?: boolean } = {}): Doc {
  const failureBranch = options.failureBranch ?? true;
  return {
    id,
    name: `SMS OTP ${id}`,
    start: 'otp',
    settings: { public: true },
    steps: {
      otp: {
        type: 'sms.otp',
        name: 'Enter the code',
        config: { phoneNumber: '{% $input.phone %}', ...otp },
        errorOutputVariable: 'otpError',
        branches: failureBranch ? { success: 'done', failure: 'failed' } : { success: 'done' },
      },
      done: {
        type: 'complete',
        config: { claims: { verified: true, channel: "{% $userTokens()[type = 'otp'].claims.channel %}", destination: "{% $userTokens()[type = 'otp'].claims.destination %}" } },
      },
      failed: { type: 'reject', config: { code: '{% otpError.code %}', message: '{% otpError.message %}' } },
    },
  };
}

/** The same around email.otp, with the address from the start input (`{ email }`). */
export function emailJourney(id: string, otp: Doc = {}): Doc {
  return {
    id,
    name: `Email OTP ${id}`,
    start: 'otp',
    settings: { public: true },
    steps: {
      otp: {
        type: 'email.otp',
        name: 'Enter the emailed code',
        config: { email: '{% $input.email %}', ...otp },
        errorOutputVariable: 'otpError',
        branches: { success: 'done', failure: 'failed' },
      },
      done: { type: 'complete', config: { claims: { verified: true, channel: "{% $userTokens()[type = 'otp'].claims.channel %}" } } },
      failed: { type: 'reject', config: { code: '{% otpError.code %}', message: '{% otpError.message %}' } },
    },
  };
}


// ---------------------------------------------------------------------------------------------
// Sessions and codes

export interface Session {
  sessionId: string;
  sessionToken: string;
}

export async function startPhone(server: TestServer, journeyId: string, phone: string = PHONE) {
  return startSession(server, journeyId, { input: { phone } });
}

export async function startEmail(server: TestServer, journeyId: string, email: string) {
  return startSession(server, journeyId, { input: { email } });
}

export const verify = (server: TestServer, session: Session, code: string, stepId = 'otp') => submit(server, session, stepId, 'verify', { code });
export const resend = (server: TestServer, session: Session, data: Record<string, unknown> = {}, stepId = 'otp') => submit(server, session, stepId, 'resend', data);

/** The digits after a known prefix, else the only run of `length` digits in the text. */
export function extractCode(text: string, length = 6): string {
  const runs = text.match(new RegExp(`(?<!\\d)\\d{${length}}(?!\\d)`, 'g')) ?? [];
  expect(runs, `one ${length}-digit code in ${JSON.stringify(text)}`).toHaveLength(1);
  return String(runs[0]);
}

/** A code of the same length that is not `code`. */
export function wrongCode(code: string): string {
  const last = (Number(code[code.length - 1]) + 1) % 10;
  return code.slice(0, -1) + String(last);
}

/** The code carried by the last Twilio request. */
export function lastTwilioCode(fake: FakeProvider, length = 6): string {
  expect(fake.requests.length).toBeGreaterThan(0);
  return extractCode(twilioForm(fake.requests[fake.requests.length - 1]).Body, length);
}

/** The code carried by the last WhatsApp request. */
export function lastWhatsAppCode(fake: FakeProvider, length = 6): string {
  expect(fake.requests.length).toBeGreaterThan(0);
  return extractCode(whatsappJson(fake.requests[fake.requests.length - 1]).text.body, length);
}

export async function outbox(server: TestServer, query: Record<string, string> = {}) {
  const qs = new URLSearchParams(query).toString();
  return server.request('GET', `/v1/admin/outbox${qs ? `?${qs}` : ''}`, { token: ADMIN_KEY });
}

/** The code in the newest outbox message of a session. */
export async function outboxCode(server: TestServer, sessionId: string, length = 6): Promise<string> {
  const listed = await outbox(server, { sessionId });
  expect(listed.status).toBe(200);
  expect(listed.body.length).toBeGreaterThan(0);
  return extractCode(listed.body[0].body, length);
}

/** A pino logger at trace level whose JSON lines are kept in memory. */
export function captureLogs(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, text: () => lines.join('') };
}

/** True when `code` occurs in `text` as a whole run of digits. */
export function containsCode(text: string, code: string): boolean {
  return new RegExp(`(?<!\\d)${code}(?!\\d)`).test(text);
}
