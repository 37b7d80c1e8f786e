/**
 * The hosted runner in a real browser: sign a user up through the sample sign-up (details, the
 * emailed code read from the dev outbox, a new password), enrol an authenticator app through
 * register-totp (username and password first; the code computed from the secret on the page at
 * the server's test clock), sign in through login-totp, resume a session from its URL, redirect to
 * the app with the token, and stay usable on a phone screen.
 */
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { ScureBase32Plugin, generate } from 'otplib';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { outboxCode } from '../otp/otp-helpers.js';
import { ensureDesignerBuilt, launchBrowser, openPage, ROOT, screenshot, skipBrowser } from './e2e-helpers.js';

const APP_ORIGIN = 'https://app.example.test';
const PHONE = { width: 390, height: 844 };
/** 15+ characters, not a common password, containing neither username. */
const PASSWORD = 'purple lanterns drift past the pier';

describe.skipIf(skipBrowser)('hosted runner (browser)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    const [started] = await Promise.all([startTestServer({ env: { RATE_LIMITS: 'off', REDIRECT_ORIGINS: APP_ORIGIN } }), ensureDesignerBuilt()]);
    server = started;
    for (const name of ['sign-up', 'register-totp', 'login-totp']) {
      await server.publish(JSON.parse(readFileSync(`${ROOT}/journeys/${name}.json`, 'utf8')));
    }
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  const totp = (secret: string) =>
    generate({ secret, epoch: Math.floor(server.clock.now().getTime() / 1000), crypto: new NodeCryptoPlugin(), base32: new ScureBase32Plugin() });
  const codeField = (page: Page) => page.getByRole('textbox', { name: 'Code', exact: true });

  it('signs up, enrols an authenticator app through register-totp, then signs in through login-totp', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser, { viewport: PHONE });
    onTestFailed(() => screenshot(page, 'runner-totp'));

    // sign-up: username and email, the code from the email (the dev outbox), a new password.
    await page.goto(`${server.url}/run/sign-up`);
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await expect.poll(() => new URL(page.url()).searchParams.get('session')).toMatch(/^[0-9a-f-]{36}$/);
    const signUpSession = new URL(page.url()).searchParams.get('session')!;
    await page.getByLabel('Username').fill('carol');
    await page.getByLabel('Email').fill('carol@example.com');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('otp-destination').waitFor();
    await codeField(page).fill(await outboxCode(server, signUpSession));
    await page.getByRole('button', { name: 'Verify' }).click();
    const newPassword = page.getByLabel('New password');
    await newPassword.waitFor();
    expect(await newPassword.getAttribute('type')).toBe('password');
    expect(await newPassword.getAttribute('autocomplete')).toBe('new-password');
    await newPassword.fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByTestId('runner-success').waitFor();

    // register-totp: username and password, then the QR code and the secret; a wrong code is refused in place.
    await page.goto(`${server.url}/run/register-totp`);
    await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
    await expect.poll(() => new URL(page.url()).searchParams.get('session')).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => new URL(page.url()).searchParams.get('session')).not.toBe(signUpSession);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('username');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('Username is required').waitFor();
    await page.getByText('Password is required').waitFor();
    const password = page.getByLabel('Password', { exact: true });
    expect(await password.getAttribute('type')).toBe('password');
    expect(await password.getAttribute('autocomplete')).toBe('current-password');
    await page.getByLabel('Username').fill('carol');
    // A wrong password comes back to the form, with the error in place and the password cleared.
    await password.fill('not the password of carol at all');
    await page.keyboard.press('Enter');
    await page.getByTestId('step-error').waitFor();
    expect(await page.getByTestId('totp-qr').count()).toBe(0);
    expect(await page.getByLabel('Username').inputValue()).toBe('carol');
    expect(await password.inputValue()).toBe('');
    await password.fill(PASSWORD);
    await page.keyboard.press('Enter');
    const qr = page.getByTestId('totp-qr');
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const secret = (await page.getByTestId('totp-secret').first().getAttribute('data-secret'))!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByRole('button', { name: /Enter a setup key/ }).click();
    await expect.poll(() => page.locator('.sv-secret').textContent()).toContain(secret.slice(0, 4));

    const good = await totp(secret);
    await codeField(page).fill(good === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByTestId('step-error').textContent()).toContain('not valid');
    expect(await codeField(page).inputValue()).toBe('');

    // Resume from the URL after a reload: the same step comes back.
    await page.reload();
    await page.getByTestId('totp-qr').waitFor();
    await codeField(page).fill(good);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('runner-success').waitFor();
    await page.getByRole('heading', { name: 'You’re all set' }).waitFor();

    // login-totp: a later time step (the enrolment code cannot be replayed).
    server.clock.advance(30);
    await page.goto(`${server.url}/run/login-totp`);
    await page.getByLabel('Username').fill('carol');
    await codeField(page).fill(await totp(secret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('runner-success').waitFor();

    // Not scrolled sideways on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a wrong sign-in in place and redirects to the app with the token on completion', async ({ onTestFailed }) => {
    // An app starts the session with its redirect URL and sends the browser to the runner's url.
    const started = await server.request('POST', '/v1/journeys/login-totp/start', {
      body: { ui: { redirectUrl: `${APP_ORIGIN}/callback?state=xyz` } },
      token: APP_KEY,
    });
    expect(started.status).toBe(200);
    expect(started.body.url).toMatch(/^\/run\/login-totp\?session=.+#t=.+/);

    const { context, page, errors } = await openPage(browser, { viewport: PHONE });
    onTestFailed(() => screenshot(page, 'runner-redirect'));
    let landed: URL | null = null;
    await page.route(`${APP_ORIGIN}/**`, async (route) => {
      landed = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>App</h1>' });
    });

    await page.goto(server.url + started.body.url);
    await page.getByLabel('Username').fill('nobody');
    await codeField(page).fill('123456');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The wrong code leads back to the form (tries < 3) with the error shown in place.
    await page.getByTestId('step-error').waitFor();
    expect(await page.getByLabel('Username').inputValue()).toBe('nobody');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('runner-ended').waitFor();
    await page.getByText('Sign-in cancelled').waitFor();
    expect(landed).toBeNull();

    // Enrolled user, in a fresh session with a redirect: completion lands on the app with the token.
    const secret = await enrol(server, 'dave');
    server.clock.advance(30);
    const second = await server.request('POST', '/v1/journeys/login-totp/start', {
      body: { ui: { redirectUrl: `${APP_ORIGIN}/callback?state=abc` } },
      token: APP_KEY,
    });
    await page.goto(server.url + second.body.url);
    await page.getByLabel('Username').fill('dave');
    await codeField(page).fill(await totp(secret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => landed?.pathname ?? null).toBe('/callback');
    expect(landed!.searchParams.get('state')).toBe('abc');
    const token = landed!.searchParams.get('token')!;
    expect(token.split('.')).toHaveLength(3);
    const validated = await server.request('POST', '/v1/tokens/validate', { body: { token }, token: APP_KEY });
    expect(validated.body).toMatchObject({ valid: true, journeyId: 'login-totp' });

    expect(errors).toEqual([]);
    await context.close();
  });

  /**
   * Signs `username` up (the sample sign-up, the code from the dev outbox) and enrols an app for
   * them through register-totp, over the client API (no browser): answers the secret.
   */
  async function enrol(s: TestServer, username: string): Promise<string> {
    const signUp = await startSession(s, 'sign-up');
    const sent = await submit(s, signUp.body, 'details', 'next', { username, email: `${username}@example.com` });
    expect(sent.body.step, JSON.stringify(sent.body)).toMatchObject({ id: 'verifyEmail' });
    const verified = await submit(s, signUp.body, 'verifyEmail', 'verify', { code: await outboxCode(s, signUp.body.sessionId) });
    expect(verified.body.step, JSON.stringify(verified.body)).toMatchObject({ id: 'password' });
    const signedUp = await submit(s, signUp.body, 'password', 'set', { password: PASSWORD });
    expect(signedUp.body.status, JSON.stringify(signedUp.body)).toBe('completed');

    const start = await s.request('POST', '/v1/journeys/register-totp/start', { body: {} });
    const session = start.body as { sessionId: string; sessionToken: string };
    const shown = await s.request('POST', `/v1/sessions/${session.sessionId}/submit`, {
      body: { stepId: 'credentials', option: 'next', data: { username, password: PASSWORD } },
      token: session.sessionToken,
    });
    expect(shown.body.step, JSON.stringify(shown.body)).toMatchObject({ id: 'enrol', type: 'totp.register' });
    const secret = shown.body.step.data.secret as string;
    const done = await s.request('POST', `/v1/sessions/${session.sessionId}/submit`, {
      body: { stepId: 'enrol', option: 'confirm', data: { code: await totp(secret) } },
      token: session.sessionToken,
    });
    expect(done.body.status).toBe('completed');
    return secret;
  }
});
