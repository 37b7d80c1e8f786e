/**
 * The passkey calls of @authsignal/browser, exactly as published (dist/index.min.js), in Chromium
 * with a virtual authenticator, from an app page on its own origin (cross-origin calls, CORS),
 * against a real engine: passkey.signUp after a track (the register-passkey sample), passkey.signIn
 * with an action (no token: the passkey-sign-in sample claims it), with a token from track, and
 * with autofill; @authsignal/node validateChallenge accepts each result once.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Authsignal } from '@authsignal/node';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, freePort, startTestServer, type TestServer } from '../helpers/test-server.js';
import { loadSampleJourney } from '../helpers/journeys.js';
import { addVirtualAuthenticator, launchBrowser, openPage, skipBrowser } from '../e2e/e2e-helpers.js';
import { handleTrack } from './authsignal-helpers.js';

const SDK = readFileSync(fileURLToPath(new URL('../../node_modules/@authsignal/browser/dist/index.min.js', import.meta.url)), 'utf8');
// Autofill needs a field whose autocomplete ends in "webauthn".
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>app</title><script src="/authsignal.js"></script></head>
<body><label>Username <input id="username" autocomplete="username webauthn"></label></body></html>`;

describe.skipIf(skipBrowser)('@authsignal/browser passkeys in Chromium', { timeout: 60_000 }, () => {
  let server: TestServer;
  let site: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let backend: Authsignal;

  beforeAll(async () => {
    // The app's origin is the one the passkeys are made on: the relying party's allowed origin.
    const sitePort = await freePort();
    const siteUrl = `http://localhost:${sitePort}`;
    site = createServer((req, res) => {
      if (req.url === '/authsignal.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(SDK);
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => site.listen(sitePort, '127.0.0.1', () => resolve()));
    server = await startTestServer({ env: { WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: siteUrl } });
    for (const name of ['register-passkey', 'passkey-sign-in']) await server.publish(loadSampleJourney(name));
    backend = new Authsignal({ apiSecretKey: APP_KEY, apiUrl: `${server.url}/authsignal/v1`, retries: 0 });

    browser = await launchBrowser();
    ({ context, page, errors } = await openPage(browser));
    await addVirtualAuthenticator(context, page);
    await page.goto(`${siteUrl}/`);
    await page.evaluate((baseUrl) => {
      const w = window as any;
      w.client = new w.authsignal.Authsignal({ tenantId: 'YOUR_TENANT_ID', baseUrl });
    }, `${server.url}/authsignal/v1`);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
    await server?.close({ remove: true });
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

  const userId = 'passkey-sdk-user';

  it('passkey.signUp after a track of register-passkey; validateChallenge accepts it once', async () => {
    const track = await backend.track({ userId, action: 'register-passkey', attributes: { username: 'pia' } });
    expect(track.state).toBe('CHALLENGE_REQUIRED');
    const { token } = handleTrack(track);
    const signUp = await inPage<any>('return client.passkey.signUp({ token: arg, username: "pia" });', token);
    expect(signUp.data, JSON.stringify(signUp)).toMatchObject({ token: expect.any(String), userAuthenticator: { verificationMethod: 'PASSKEY', userId } });
    expect(signUp.data.registrationResponse.id).toEqual(expect.any(String));

    const validation = await backend.validateChallenge({ token: signUp.data.token });
    expect(validation).toMatchObject({ isValid: true, userId, action: 'register-passkey' });
    expect((await backend.validateChallenge({ token: signUp.data.token })).isValid).toBe(false);

    const authenticators = await backend.getAuthenticators({ userId });
    expect(authenticators.map((a) => a.verificationMethod)).toContain('PASSKEY');
  });

  it('passkey.signIn with an action and no token: the passkey names the user; validateChallenge says PASSKEY', async () => {
    const signIn = await inPage<any>('return client.passkey.signIn({ action: "signInWithPasskey" });');
    expect(signIn.data, JSON.stringify(signIn)).toMatchObject({ isVerified: true, userId, username: 'pia', token: expect.any(String) });
    const validation = await backend.validateChallenge({ token: signIn.data.token });
    expect(validation).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId, verificationMethod: 'PASSKEY', action: 'signInWithPasskey' });
  });

  it('passkey.signIn with the token of a track (the tracked user\'s passkeys only)', async () => {
    const track = await backend.track({ userId, action: 'passkey-sign-in' });
    expect(track.state).toBe('CHALLENGE_REQUIRED');
    const signIn = await inPage<any>('return client.passkey.signIn({ token: arg });', track.token);
    expect(signIn.data, JSON.stringify(signIn)).toMatchObject({ isVerified: true, userId });
    expect(await backend.validateChallenge({ action: 'passkey-sign-in', token: signIn.data.token })).toMatchObject({
      isValid: true,
      state: 'CHALLENGE_SUCCEEDED',
      userId,
      verificationMethod: 'PASSKEY',
    });

    // Another user's track: pia's passkey is not theirs.
    const other = await backend.track({ userId: 'someone-else', action: 'passkey-sign-in' });
    const refused = await inPage<any>('return client.passkey.signIn({ token: arg }).catch((e) => ({ thrown: e.name }));', other.token);
    expect(refused.data?.isVerified ?? false).toBe(false);
  });

  it('passkey.signIn with autofill: the pending conditional request is answered with the saved passkey', async () => {
    const signIn = await inPage<any>('return client.passkey.signIn({ autofill: true });');
    expect(signIn.data, JSON.stringify(signIn)).toMatchObject({ isVerified: true, userId });
    expect(await backend.validateChallenge({ token: signIn.data.token })).toMatchObject({ isValid: true, verificationMethod: 'PASSKEY', userId });
    expect(errors).toEqual([]);
  });
});
