/**
 * @authsignal/browser's `launch()` exactly as published (dist/index.min.js), in Chromium, from an
 * app page on its own origin, against the hosted runner (#22): popup mode frames the runner
 * (allowed by FRAME_ANCESTORS) and resolves with the token the runner posts back to the app's
 * origin; window mode does the same from a window it opens; redirect mode sends the browser to the runner and back to the track's redirectUrl with
 * `token=`. Either token validates once with @authsignal/node. Without FRAME_ANCESTORS the runner
 * may not be framed.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Authsignal } from '@authsignal/node';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, freePort, startTestServer, type TestServer } from '../helpers/test-server.js';
import { ensureDesignerBuilt, launchBrowser, openPage, screenshot, skipBrowser } from '../e2e/e2e-helpers.js';
import { codeNow } from '../totp-http/totp-helpers.js';
import { loadAdaptiveMfa } from './authsignal-helpers.js';

const SDK = readFileSync(fileURLToPath(new URL('../../node_modules/@authsignal/browser/dist/index.min.js', import.meta.url)), 'utf8');
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>app</title><script src="/authsignal.js"></script></head><body>app</body></html>`;

/** Enrols an authenticator app at the runner's challenge step (in the page or in the popup's frame). */
async function enrolApp(ui: Page | FrameLocator, server: TestServer): Promise<void> {
  await ui.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secretRow = ui.locator('.sv-data-row', { has: ui.locator('dt', { hasText: /^Secret$/ }) }).locator('dd');
  await secretRow.waitFor();
  const secret = ((await secretRow.textContent()) ?? '').trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await ui.getByRole('textbox', { name: 'Code', exact: true }).fill(await codeNow(secret, server.clock));
  await ui.getByRole('button', { name: 'Enter the code from your authenticator app' }).click();
}

describe.skipIf(skipBrowser)('launch() of @authsignal/browser against the hosted runner', () => {
  let server: TestServer;
  let site: Server;
  let siteUrl: string;
  let browser: Browser;
  let backend: Authsignal;

  beforeAll(async () => {
    // The app's own origin: another host name and port than the engine's.
    const sitePort = await freePort();
    siteUrl = `http://localhost:${sitePort}`;
    const [started] = await Promise.all([
      startTestServer({ env: { FRAME_ANCESTORS: siteUrl, REDIRECT_ORIGINS: siteUrl } }),
      ensureDesignerBuilt(),
    ]);
    server = started;
    await server.publish(loadAdaptiveMfa());
    backend = new Authsignal({ apiSecretKey: APP_KEY, apiUrl: `${server.url}/authsignal/v1`, retries: 0 });
    site = createServer((req, res) => {
      if (req.url === '/authsignal.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(SDK);
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => site.listen(sitePort, '127.0.0.1', () => resolve()));
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await server?.close({ remove: true });
  });

  it('popup: the runner in the SDK\'s iframe; launch() resolves with a token that validates once', async ({ onTestFailed }) => {
    const track = await backend.track({ userId: 'popup-user', action: 'enroll' });
    expect(track.state).toBe('CHALLENGE_REQUIRED');
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'authsignal-launch-popup'));
    await page.goto(`${siteUrl}/`);
    await page.evaluate(
      ({ baseUrl, url }) => {
        const w = window as any;
        const client = new w.authsignal.Authsignal({ tenantId: 'YOUR_TENANT_ID', baseUrl });
        w.launched = client.launch(url, { mode: 'popup' });
      },
      { baseUrl: `${server.url}/authsignal/v1`, url: track.url },
    );
    const frame = page.frameLocator('iframe[name="authsignal"]');
    await enrolApp(frame, server);
    const result = (await page.evaluate(() => (window as any).launched)) as { token?: string };
    expect(result.token).toEqual(expect.any(String));
    // The popup is gone: the SDK closed it on the runner's message.
    await page.locator('iframe[name="authsignal"]').waitFor({ state: 'detached' });

    expect(await backend.validateChallenge({ token: result.token! })).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId: 'popup-user', action: 'enroll' });
    expect((await backend.validateChallenge({ token: result.token! })).isValid).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('window: the runner in a window the SDK opens; launch() resolves with the token it posts to the opener', async ({ onTestFailed }) => {
    const track = await backend.track({ userId: 'window-user', action: 'enroll' });
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'authsignal-launch-window'));
    await page.goto(`${siteUrl}/`);
    const opened = page.waitForEvent('popup');
    await page.evaluate(
      ({ baseUrl, url }) => {
        const w = window as any;
        w.launched = new w.authsignal.Authsignal({ tenantId: 'YOUR_TENANT_ID', baseUrl }).launch(url, { mode: 'window' });
      },
      { baseUrl: `${server.url}/authsignal/v1`, url: track.url },
    );
    const runner = await opened;
    await enrolApp(runner, server);
    const result = (await page.evaluate(() => (window as any).launched)) as { token?: string };
    expect(await backend.validateChallenge({ token: result.token! })).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId: 'window-user' });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('redirect: the browser goes to the runner and back to the redirectUrl with a token that validates once', async ({ onTestFailed }) => {
    const track = await backend.track({ userId: 'redirect-user', action: 'enroll', attributes: { redirectUrl: `${siteUrl}/done` } });
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'authsignal-launch-redirect'));
    await page.goto(`${siteUrl}/`);
    await page.evaluate(
      ({ baseUrl, url }) => {
        const w = window as any;
        new w.authsignal.Authsignal({ tenantId: 'YOUR_TENANT_ID', baseUrl }).launch(url, { mode: 'redirect' });
      },
      { baseUrl: `${server.url}/authsignal/v1`, url: track.url },
    );
    await page.waitForURL((url) => url.origin === new URL(server.url).origin);
    await enrolApp(page, server);
    await page.waitForURL((url) => url.href.startsWith(`${siteUrl}/done`));
    const token = new URL(page.url()).searchParams.get('token');
    expect(token).toEqual(expect.any(String));

    expect(await backend.validateChallenge({ token: token! })).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId: 'redirect-user' });
    expect((await backend.validateChallenge({ token: token! })).isValid).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('FRAME_ANCESTORS names who may frame the runner; without it nobody may', async () => {
    const framable = await fetch(`${server.url}/run/adaptive-mfa`);
    expect(framable.headers.get('content-security-policy')).toContain(`frame-ancestors ${siteUrl}`);
    expect(framable.headers.get('x-frame-options')).toBeNull();
    const closed = await startTestServer();
    try {
      const response = await fetch(`${closed.url}/run/adaptive-mfa`);
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    } finally {
      await closed.close({ remove: true });
    }
  });
});
