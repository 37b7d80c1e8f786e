/**
 * @authsignal/browser, exactly as published (its browser build, dist/index.min.js), in Chromium,
 * from a page on its own loopback origin (so every call is cross-origin, with CORS preflights),
 * against a real server: TOTP enrolment and verification, SMS with WhatsApp fallback (the SMS
 * provider fails), WhatsApp, and the SDK's error shape. The backend half is @authsignal/node.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Authsignal } from '@authsignal/node';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { launchBrowser, openPage, skipBrowser } from '../e2e/e2e-helpers.js';
import { codeNow } from '../totp-http/totp-helpers.js';
import { PHONE, extractCode, lastWhatsAppCode, mailText, startFakeTwilio, startFakeWhatsApp, startSmtp, twilioEnv, whatsappEnv, type FakeProvider, type FakeSmtp } from '../otp/otp-helpers.js';
import { handleTrack, loadAdaptiveMfa } from './authsignal-helpers.js';

const SDK = readFileSync(fileURLToPath(new URL('../../node_modules/@authsignal/browser/dist/index.min.js', import.meta.url)), 'utf8');
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>app</title><script src="/authsignal.js"></script></head><body>app</body></html>`;

describe.skipIf(skipBrowser)('@authsignal/browser in Chromium', () => {
  let server: TestServer;
  let twilio: FakeProvider;
  let whatsapp: FakeProvider;
  let smtp: FakeSmtp;
  let site: Server;
  let siteUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let backend: Authsignal;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    whatsapp = await startFakeWhatsApp();
    smtp = await startSmtp();
    server = await startTestServer({
      env: { ...twilioEnv(twilio), ...whatsappEnv(whatsapp), SMTP_URL: smtp.url, EMAIL_FROM: 'auth@example.com', CHANNEL_TIMEOUT_MS: '2000' },
    });
    await server.publish(loadAdaptiveMfa());
    backend = new Authsignal({ apiSecretKey: APP_KEY, apiUrl: `${server.url}/authsignal/v1`, retries: 0 });
    // The app's own origin: another host name and port than the engine's.
    site = createServer((req, res) => {
      if (req.url === '/authsignal.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(SDK);
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', () => resolve()));
    siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    ({ context, page, errors } = await openPage(browser));
    await page.goto(`${siteUrl}/`);
    await page.evaluate((baseUrl) => {
      const w = window as any;
      // As the seeds initialise it, with only the URL changed.
      w.client = new w.authsignal.Authsignal({ tenantId: 'YOUR_TENANT_ID', baseUrl });
    }, `${server.url}/authsignal/v1`);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
    await server?.close({ remove: true });
    await twilio?.close();
    await whatsapp?.close();
    await smtp?.close();
  });

  const inPage = <T>(fn: string, arg?: unknown): Promise<T> =>
    page.evaluate(
      async ({ fn, arg }) => {
        const client = (window as any).client;
        // eslint-disable-next-line no-new-func
        return new Function('client', 'arg', `return (async () => { ${fn} })()`)(client, arg);
      },
      { fn, arg },
    ) as Promise<T>;

  it('TOTP: enroll (QR/secret), verify, then the backend validates the new token once', async () => {
    const userId = 'browser-totp-user';
    const track = await backend.track({ userId, action: 'enroll' });
    expect(track.state).toBe('CHALLENGE_REQUIRED');
    const { token } = handleTrack(track);

    const enroll = await inPage<any>('client.setToken(arg); return client.totp.enroll();', token);
    expect(enroll.data).toMatchObject({ uri: expect.stringMatching(/^otpauth:\/\/totp\//), secret: expect.stringMatching(/^[A-Z2-7]+$/), userId });

    const wrong = await inPage<any>('return client.totp.verify({ code: arg });', '000000');
    expect(wrong.data?.isVerified).toBe(false);

    const verify = await inPage<any>('return client.totp.verify({ code: arg });', await codeNow(enroll.data.secret, server.clock));
    expect(verify.data?.isVerified).toBe(true);
    const verificationToken = verify.data.token as string;
    expect(verificationToken).toBeTruthy();

    const validation = await backend.validateChallenge({ token: verificationToken });
    expect(validation).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId, action: 'enroll', verificationMethod: 'AUTHENTICATOR_APP' });
    expect((await backend.validateChallenge({ token: verificationToken })).isValid).toBe(false);

    // Later: a sign-in from a new device, verified with the enrolled app.
    server.clock.advance(60);
    const signIn = await backend.track({ userId, action: 'signIn', attributes: { custom: { newDevice: true } } });
    expect(signIn).toMatchObject({ state: 'CHALLENGE_REQUIRED', isEnrolled: true });
    const again = await inPage<any>('client.setToken(arg.token); return client.totp.verify({ code: arg.code });', {
      token: signIn.token,
      code: await codeNow(enroll.data.secret, server.clock),
    });
    expect(again.data?.isVerified).toBe(true);
    expect(await backend.validateChallenge({ action: 'signIn', token: again.data.token })).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED' });
  });

  it('SMS with WhatsApp fallback: the SMS provider fails, the code arrives by WhatsApp, sms.verify accepts it', async () => {
    const userId = 'browser-sms-user';
    twilio.mode = 'fail';
    const track = await backend.track({ userId, action: 'signIn', attributes: { phoneNumber: PHONE, custom: { newDevice: true } } });
    expect(track.state).toBe('CHALLENGE_REQUIRED');

    const challenge = await inPage<any>('client.setToken(arg); return client.sms.challenge();', track.token);
    expect(challenge.data?.challengeId).toBeTruthy();
    expect(twilio.requests.length).toBeGreaterThan(0);
    const code = lastWhatsAppCode(whatsapp);

    const verify = await inPage<any>('return client.sms.verify({ code: arg });', code);
    expect(verify.data?.isVerified).toBe(true);
    const validation = await backend.validateChallenge({ token: verify.data.token });
    expect(validation).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId, verificationMethod: 'WHATSAPP' });
    twilio.mode = 'ok';
  });

  it('WhatsApp: challenge and verify; a wrong code first is refused', async () => {
    const userId = 'browser-whatsapp-user';
    const track = await backend.track({ userId, action: 'signIn', attributes: { phoneNumber: PHONE, custom: { amount: 2500 } } });
    const challenge = await inPage<any>('client.setToken(arg); return client.whatsapp.challenge();', track.token);
    expect(challenge.data?.challengeId).toBeTruthy();
    const code = lastWhatsAppCode(whatsapp);
    const wrong = await inPage<any>('return client.whatsapp.verify({ code: arg });', code === '000000' ? '111111' : '000000');
    expect(wrong.data?.isVerified).toBe(false);
    const verify = await inPage<any>('return client.whatsapp.verify({ code: arg });', code);
    expect(verify.data?.isVerified).toBe(true);
    expect(await backend.validateChallenge({ token: track.token })).toMatchObject({ isValid: true, verificationMethod: 'WHATSAPP' });
  });

  it('email OTP: challenge and verify; validateChallenge with the action', async () => {
    const userId = 'browser-email-user';
    const track = await backend.track({ userId, action: 'signIn', attributes: { email: 'Frank@Example.com', custom: { newDevice: true } } });
    expect(track.allowedVerificationMethods).toEqual(expect.arrayContaining(['AUTHENTICATOR_APP', 'EMAIL_OTP']));
    const challenge = await inPage<any>('client.setToken(arg); return client.email.challenge();', track.token);
    expect(challenge.data?.challengeId).toBeTruthy();
    const mail = smtp.messages[smtp.messages.length - 1];
    expect(mail.to).toEqual(['frank@example.com']);
    const verify = await inPage<any>('return client.email.verify({ code: arg });', extractCode(mailText(mail.raw)));
    expect(verify.data?.isVerified).toBe(true);
    // The wrong action is refused (and does not use the token up); the right one validates.
    expect((await backend.validateChallenge({ action: 'enroll', token: verify.data.token })).isValid).toBe(false);
    expect(await backend.validateChallenge({ action: 'signIn', token: verify.data.token })).toMatchObject({
      isValid: true,
      state: 'CHALLENGE_SUCCEEDED',
      userId,
      verificationMethod: 'EMAIL_OTP',
    });
  });

  it("errors come back in the SDK's shape (error, errorCode, errorDescription)", async () => {
    // A user with a verified phone may not enrol an app without another factor.
    const track = await backend.track({ userId: 'browser-sms-user', action: 'enroll' });
    const refused = await inPage<any>('client.setToken(arg); return client.totp.enroll();', track.token);
    expect(refused.data).toBeUndefined();
    expect(refused).toMatchObject({ error: expect.any(String), errorCode: 'enrollment_not_allowed', errorDescription: expect.any(String) });
    // A token that is not one from track.
    const bad = await inPage<any>("client.setToken('nonsense'); return client.sms.challenge();");
    expect(bad).toMatchObject({ errorCode: 'invalid_token' });
    expect(errors).toEqual([]);
  });
});
