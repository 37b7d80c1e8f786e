/**
 * The track response's `url` (Authsignal's pre-built UI) is the hosted runner: in Chromium, a new
 * user enrols an authenticator app at the challenge step, and the backend then validates the
 * track's token with @authsignal/node.
 */
import { Authsignal } from '@authsignal/node';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { ensureDesignerBuilt, launchBrowser, openPage, screenshot, skipBrowser } from '../e2e/e2e-helpers.js';
import { codeNow } from '../totp-http/totp-helpers.js';
import { loadAdaptiveMfa } from './authsignal-helpers.js';

describe.skipIf(skipBrowser)('challenge step in the hosted runner', () => {
  let server: TestServer;
  let browser: Browser;
  let backend: Authsignal;

  beforeAll(async () => {
    const [started] = await Promise.all([startTestServer(), ensureDesignerBuilt()]);
    server = started;
    await server.publish(loadAdaptiveMfa());
    backend = new Authsignal({ apiSecretKey: APP_KEY, apiUrl: `${server.url}/authsignal/v1`, retries: 0 });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  it('enrols an authenticator app from the track url; validateChallenge then succeeds once', async ({ onTestFailed }) => {
    const track = await backend.track({ userId: 'runner-user', action: 'enroll' });
    expect(track.state).toBe('CHALLENGE_REQUIRED');
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'authsignal-runner'));

    await page.goto(track.url);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const qr = page.locator('img[src^="data:image/png"]');
    await qr.waitFor();
    const secret = ((await page.locator('.sv-data-row', { has: page.locator('dt', { hasText: /^Secret$/ }) }).locator('dd').textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByRole('textbox', { name: 'Code', exact: true }).fill(await codeNow(secret, server.clock));
    await page.getByRole('button', { name: 'Enter the code from your authenticator app' }).click();
    await page.getByTestId('runner-success').waitFor();

    expect(await backend.validateChallenge({ token: track.token })).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId: 'runner-user' });
    expect((await backend.validateChallenge({ token: track.token })).isValid).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  });
});
