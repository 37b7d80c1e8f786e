/**
 * The main OpenID login in Chromium: an app (openid-client) sends the browser to the provider,
 * the client's journey runs in the hosted runner, and the browser lands on the app's redirect URI
 * with a code the app redeems for an ID token it verifies. A rejected journey lands there with
 * access_denied. The app is a small HTTP server on loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { ensureDesignerBuilt, launchBrowser, openPage, screenshot, skipBrowser } from '../e2e/e2e-helpers.js';
import { PASSWORD, authorizationRequest, createClient, publishSamples, relyingParty, signUp, startOidcServer } from './oidc-helpers.js';

describe.skipIf(skipBrowser)('OpenID login in the browser', { timeout: 60_000 }, () => {
  let server: TestServer & { issuer: string };
  let browser: Browser;
  let rp: client.Configuration;
  let userId: string;
  let app: Server;
  let REDIRECT_URI = '';

  beforeAll(async () => {
    // The app: its callback page only (the test reads the code from the browser's address).
    app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>App</h1>'));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    REDIRECT_URI = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
    const [started] = await Promise.all([startOidcServer(), ensureDesignerBuilt()]);
    server = started;
    await publishSamples(server);
    userId = await signUp(server, 'dana');
    const registered = await createClient(server, { clientId: 'browser-app', journeyId: 'login', redirectUris: [REDIRECT_URI], acrJourneys: { 'urn:journey:mfa': 'login-totp' } });
    rp = await relyingParty(server.issuer, registered.clientId, client.ClientSecretBasic(registered.clientSecret));
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
    app?.close();
  });

  it('signs in through the journey in the hosted runner; the app redeems the code and verifies the ID token', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'oidc-login'));
    const request = await authorizationRequest(rp, { login_hint: 'dana', redirect_uri: REDIRECT_URI });

    await page.goto(request.url.toString());
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/run/login');
    await page.getByLabel('Username').fill('dana');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Not now' }).click();
    await page.waitForURL((url) => url.href.startsWith(REDIRECT_URI));

    const callback = new URL(page.url());
    expect(callback.searchParams.get('code')).toBeTruthy();
    const tokens = await client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    expect(tokens.claims()).toMatchObject({ sub: userId, iss: server.issuer, aud: 'browser-app', amr: ['pwd'] });
    expect(await client.fetchUserInfo(rp, tokens.access_token, userId)).toMatchObject({ preferred_username: 'dana', email: 'dana@example.com' });

    // The same browser again: single sign-on, straight back to the app without a journey.
    const again = await authorizationRequest(rp, { redirect_uri: REDIRECT_URI });
    await page.goto(again.url.toString());
    await page.waitForURL((url) => url.href.startsWith(REDIRECT_URI));
    const second = await client.authorizationCodeGrant(rp, new URL(page.url()), { pkceCodeVerifier: again.verifier, expectedState: again.state, expectedNonce: again.nonce });
    expect(second.claims()!.sub).toBe(userId);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a journey the user cancels lands on the app with access_denied', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'oidc-rejected'));
    const request = await authorizationRequest(rp, { acr_values: 'urn:journey:mfa', redirect_uri: REDIRECT_URI });
    await page.goto(request.url.toString());
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL((url) => url.href.startsWith(REDIRECT_URI));
    const callback = new URL(page.url());
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(errors).toEqual([]);
    await context.close();
  });
});
