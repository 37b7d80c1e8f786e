/**
 * email.link in the hosted runner, in a real browser: the runner shows where the link went; the
 * link from the dev outbox opened in another tab of the same browser (same device cookie) and its
 * button pressed, the runner tab moves on by itself (it polls). With allowOtherDevice, a second
 * browser types the code the runner shows; without it, a second browser is refused.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { ensureDesignerBuilt, launchBrowser, openPage, screenshot, skipBrowser } from './e2e-helpers.js';

const PUBLIC_URL = 'https://auth.example.test';

/** Ask the email (a form), find that user, send the link, complete. */
function runnerJourney(id: string, link: Record<string, unknown> = {}) {
  return {
    id,
    name: `Runner link ${id}`,
    start: 'ask',
    settings: { public: true },
    steps: {
      ask: {
        type: 'form',
        name: 'Sign in',
        config: {
          outputVariable: 'login',
          options: [{ id: 'next', label: 'Email me a link', schema: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email', title: 'Email' } } } }],
        },
        branches: { next: 'who' },
      },
      who: { type: 'user.identify', config: { username: '{% login.email %}', mode: 'find' }, branches: { success: 'link' } },
      link: { type: 'email.link', name: 'Check your email', config: { to: '{% $user.email %}', ...link }, branches: { success: 'done' } },
      done: { type: 'complete', config: { claims: { amr: '{% $auth.amr %}' } } },
    },
  };
}

describe.skipIf(skipBrowser)('email links in the hosted runner (browser)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const [started] = await Promise.all([startTestServer({ env: { PUBLIC_URL } }), ensureDesignerBuilt()]);
    server = started;
    for (const email of ['dana@example.com', 'erin@example.com', 'fay@example.com']) {
      await server.engine.store.users.create({ id: `user-${email}`, username: email, attributes: { email }, createdAt: server.clock.now().toISOString() });
    }
    await server.publish(runnerJourney('runner-link'));
    await server.publish(runnerJourney('runner-link-other', { allowOtherDevice: true }));
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close({ remove: true });
  });

  const open = async (name: string, onTestFailed: (fn: () => Promise<void>) => void) => {
    const opened = await openPage(browser);
    contexts.push(opened.context);
    onTestFailed(() => screenshot(opened.page, name));
    return opened;
  };

  /** Starts the journey in the runner up to the link step; answers the session id. */
  async function startInRunner(page: Page, journeyId: string, email: string): Promise<string> {
    await page.goto(`${server.url}/run/${journeyId}`);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByTestId('link-sent-to').waitFor();
    return new URL(page.url()).searchParams.get('session')!;
  }

  /** The address of the link in the session's newest email, on this test server. */
  async function linkUrl(sessionId: string): Promise<string> {
    const listed = await server.request('GET', `/v1/admin/outbox?sessionId=${sessionId}`, { token: ADMIN_KEY });
    const match = /https:\/\/auth\.example\.test(\/v1\/links\/[A-Za-z0-9_-]{43})/.exec(listed.body[0].body);
    expect(match).not.toBeNull();
    return server.url + match![1];
  }

  it('opened in another tab of the same browser: one press, and the runner tab moves on by itself', async ({ onTestFailed }) => {
    const { context, page, errors } = await open('email-link-same-browser', onTestFailed);
    const sessionId = await startInRunner(page, 'runner-link', 'dana@example.com');
    expect(await page.getByTestId('link-sent-to').textContent()).toContain('d•••@example.com');
    expect(await page.getByTestId('link-code').count()).toBe(0);
    await page.getByRole('button', { name: 'I’ve opened the link' }).waitFor();

    const tab = await context.newPage();
    const consoleErrors: string[] = [];
    tab.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    await tab.goto(await linkUrl(sessionId));
    await tab.getByRole('heading', { name: 'Continue signing in' }).waitFor();
    // Opening the page (GET) changed nothing: the runner is still waiting.
    await page.waitForTimeout(2500);
    expect(await page.getByTestId('link-wait').count()).toBe(1);

    await tab.getByRole('button', { name: 'Continue signing in' }).click();
    await tab.getByRole('heading', { name: 'Done — continue in the window where you started' }).waitFor();
    // The page's own CSP let its style in and blocked nothing it needs.
    expect(consoleErrors).toEqual([]);

    // No click in the runner: it polls and shows the end by itself.
    await page.getByTestId('runner-success').waitFor({ timeout: 8000 });
    expect(errors).toEqual([]);

    // The link was used: opening it again is refused.
    await tab.reload();
    await tab.getByRole('heading', { name: 'This link was already used' }).waitFor();
  });

  it('allowOtherDevice: a second browser types the code the runner shows, and the runner moves on', async ({ onTestFailed }) => {
    const { page } = await open('email-link-other-device', onTestFailed);
    const sessionId = await startInRunner(page, 'runner-link-other', 'erin@example.com');
    const code = (await page.getByTestId('link-code').textContent())!.trim();
    expect(code).toMatch(/^\d{6}$/);
    await page.getByText('If you open the link on another device, enter this code there').waitFor();

    const phone = await open('email-link-phone', onTestFailed);
    await phone.page.goto(await linkUrl(sessionId));
    await phone.page.getByRole('button', { name: 'Continue signing in' }).click();
    await phone.page.getByRole('heading', { name: 'Enter the code from your other screen' }).waitFor();
    await phone.page.getByLabel('Code').fill(code);
    await phone.page.getByRole('button', { name: 'Confirm' }).click();
    await phone.page.getByRole('heading', { name: 'Done — return to your other device' }).waitFor();

    await page.getByTestId('runner-success').waitFor({ timeout: 8000 });
  });

  it('without allowOtherDevice, a second browser is refused and the runner keeps waiting', async ({ onTestFailed }) => {
    const { page } = await open('email-link-refused', onTestFailed);
    const sessionId = await startInRunner(page, 'runner-link', 'fay@example.com');

    const other = await open('email-link-refused-other', onTestFailed);
    await other.page.goto(await linkUrl(sessionId));
    await other.page.getByRole('button', { name: 'Continue signing in' }).click();
    await other.page.getByRole('heading', { name: 'Open this link in the browser where you started' }).waitFor();

    // "I've opened the link" in the runner: not used yet, said in place.
    await page.getByRole('button', { name: 'I’ve opened the link' }).click();
    await expect.poll(() => page.getByTestId('step-error').textContent()).toContain('not been opened yet');
    expect(await page.getByTestId('link-wait').count()).toBe(1);
  });
});
