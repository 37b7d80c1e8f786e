/**
 * SMS pumping and toll fraud: one-time-code sends are limited per client address, per destination
 * country and in all (besides per destination), counted in the database, and phone messages go
 * only to allowed countries. Refusals are the documented `rate_limited` (with details.retryAfter)
 * and `country_not_allowed`; nothing is sent past a limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSession, startTestServer, type TestServer } from '../helpers/test-server.js';
import { outbox } from '../otp/otp-helpers.js';

/** sms.otp to `$input.phone`; a failure completes with the error so the test can read its details. */
function smsJourney(id: string, otp: Record<string, unknown> = {}) {
  return {
    id,
    start: 'otp',
    settings: { public: true },
    steps: {
      otp: { type: 'sms.otp', config: { phoneNumber: '{% $input.phone %}', ...otp }, errorOutputVariable: 'err', branches: { success: 'done', failure: 'refused' } },
      done: { type: 'complete', config: { claims: { ok: true } } },
      refused: { type: 'complete', config: { claims: { err: '{% err %}' } } },
    },
  };
}

const US = (n: number) => `+1415555${String(1000 + n).padStart(4, '0')}`;
const GB = (n: number) => `+4479111234${String(n).padStart(2, '0')}`;

describe('send limits beyond the destination', () => {
  let server: TestServer;
  afterEach(() => server?.close({ remove: true }));

  async function send(phone: string, journeyId = 'sms', headers: Record<string, string> = {}) {
    const started = await server.request('POST', `/v1/journeys/${journeyId}/start`, { body: { input: { phone } }, headers });
    expect(started.status).toBe(200);
    return started.body as { status: string; step: { id: string } | null; result: { claims: { err?: { code: string; message: string; details?: { retryAfter: number; scope: string } } } } | null };
  }
  const refusal = (answer: Awaited<ReturnType<typeof send>>) => answer.result?.claims.err ?? null;

  it('per client address: a script sending to many numbers from one address is stopped', async () => {
    server = await startTestServer({ env: { OTP_SEND_LIMIT_PER_CLIENT: '3/3600' } });
    await server.publish(smsJourney('sms'));
    for (let i = 0; i < 3; i++) expect((await send(US(i))).step?.id).toBe('otp');
    const refused = refusal(await send(US(9)));
    expect(refused).toMatchObject({ code: 'rate_limited', details: { scope: 'client', retryAfter: 3600 } });
    expect((await outbox(server)).body).toHaveLength(3);
    // The window passes with the clock.
    server.clock.advance(3601);
    expect((await send(US(10))).step?.id).toBe('otp');
  });

  it('per destination country: one country is capped, another is not', async () => {
    server = await startTestServer({ env: { OTP_SEND_LIMIT_PER_COUNTRY: '2/3600' } });
    await server.publish(smsJourney('sms'));
    expect((await send(US(1))).step?.id).toBe('otp');
    expect((await send(US(2))).step?.id).toBe('otp');
    expect(refusal(await send(US(3)))).toMatchObject({ code: 'rate_limited', details: { scope: 'country' } });
    expect((await send(GB(1))).step?.id).toBe('otp');
  });

  it('globally: a ceiling on all phone messages per window', async () => {
    server = await startTestServer({ env: { OTP_SEND_LIMIT_GLOBAL: '2/3600' } });
    await server.publish(smsJourney('sms'));
    expect((await send(US(1))).step?.id).toBe('otp');
    expect((await send(GB(1))).step?.id).toBe('otp');
    expect(refusal(await send(GB(2)))).toMatchObject({ code: 'rate_limited', details: { scope: 'global' } });
    expect((await outbox(server)).body).toHaveLength(2);
  });

  it('allowed countries: server-wide (SMS_ALLOWED_COUNTRIES) and per step (allowedCountries)', async () => {
    server = await startTestServer({ env: { SMS_ALLOWED_COUNTRIES: 'us,ca' } });
    await server.publish(smsJourney('sms'));
    await server.publish(smsJourney('sms-us-only', { allowedCountries: ['US'] }));
    expect((await send(US(1))).step?.id).toBe('otp');
    expect(refusal(await send(GB(1)))).toMatchObject({ code: 'country_not_allowed' });
    expect(refusal(await send('+16135550123', 'sms-us-only'))).toMatchObject({ code: 'country_not_allowed' });
    expect((await send('+16135550124')).step?.id).toBe('otp');
    expect((await outbox(server)).body.map((m: { to: string }) => m.to).sort()).toEqual(['+14155551001', '+16135550124']);
  });

  it('a bad SMS_ALLOWED_COUNTRIES refuses to start', async () => {
    await expect(startTestServer({ env: { SMS_ALLOWED_COUNTRIES: 'USA' } })).rejects.toThrow(/ISO 3166/);
    server = await startTestServer();
  });

  it('the sample sms-otp journey names the countries it sends to', async () => {
    server = await startTestServer();
    const sample = (await import('../../journeys/sms-otp.json', { with: { type: 'json' } })).default as { steps: Record<string, { type: string; config: Record<string, unknown> }> };
    const otp = Object.values(sample.steps).find((s) => s.type === 'sms.otp')!;
    expect(otp.config.allowedCountries).toEqual(expect.arrayContaining(['US']));
  });
});

describe('the client address behind a proxy', () => {
  it('behind a loopback proxy (trust proxy: loopback), the forwarded client address is the one counted', async () => {
    const server = await startTestServer({ env: { OTP_SEND_LIMIT_PER_CLIENT: '1/3600' } });
    try {
      await server.publish(smsJourney('sms'));
      const first = await startSession(server, 'sms', { input: { phone: US(1) } });
      expect(first.body.step.id).toBe('otp');
      // Loopback is a trusted proxy here (the app sits behind one on the same host): the forwarded
      // address is the client, so another forwarded client has its own count.
      const other = await server.request('POST', '/v1/journeys/sms/start', { body: { input: { phone: US(2) } }, headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(other.body.step?.id).toBe('otp');
      const same = await server.request('POST', '/v1/journeys/sms/start', { body: { input: { phone: US(3) } }, headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(same.body.result.claims.err).toMatchObject({ code: 'rate_limited', details: { scope: 'client' } });
    } finally {
      await server.close({ remove: true });
    }
  });
});
