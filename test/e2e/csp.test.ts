/**
 * The designer and the hosted runner under their Content-Security-Policy (http-api.md, "Response
 * headers"), in a real Chromium: they load and work with no violation reported (openPage counts
 * every violation, on the console or as a securitypolicyviolation event, as an error), and the
 * policy is really enforced (an inline script or style injected into the page is refused and
 * reported).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';
import { node, openPage, screenshot, signIn, skipBrowser, startBrowserSuite } from './e2e-helpers.js';

/** Injects an inline script and an inline style: both must be refused by the page's CSP. */
async function injectInline(page: Page): Promise<{ scriptRan: boolean; styled: string }> {
  return page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__inlineScriptRan = true';
    document.head.append(script);
    const style = document.createElement('style');
    style.textContent = 'body { --csp-probe: injected }';
    document.head.append(style);
    return { scriptRan: (window as unknown as { __inlineScriptRan?: boolean }).__inlineScriptRan === true, styled: getComputedStyle(document.body).getPropertyValue('--csp-probe') };
  });
}

describe.skipIf(skipBrowser)('designer and runner under their CSP (browser)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, browser } = await startBrowserSuite({ env: { RATE_LIMITS: 'off' } }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  it('the designer: config forms (Ajv), live validation and auto-layout work, with no violation', async ({ onTestFailed }) => {
    await server.publish({
      id: 'csp-designer',
      start: 'identify',
      settings: { public: true },
      steps: {
        identify: { type: 'user.identify', config: { username: '{% $input.username %}', mode: 'find' }, branches: { success: 'call' } },
        call: { type: 'http.request', config: { url: 'http://127.0.0.1/', outputVariable: 'out' }, branches: { success: 'done' } },
        done: { type: 'complete' },
      },
    });
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'csp-designer'));

    const response = await page.goto(`${server.url}/designer/journeys/csp-designer`);
    const csp = response!.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self' 'unsafe-eval'");
    expect(csp).toContain("style-src 'self';");
    await page.getByTestId('admin-key').fill(ADMIN_KEY);
    await page.getByTestId('sign-in').click();
    await node(page, 'identify').waitFor();

    // user.identify's config schema has anyOf: rjsf compiles it with Ajv (new Function).
    const inspector = page.getByTestId('inspector');
    await node(page, 'identify').click();
    await expect.poll(() => inspector.locator('#ins-id').inputValue()).toBe('identify');
    await inspector.getByRole('textbox', { name: 'Username', exact: true }).waitFor();
    expect(await inspector.getByRole('textbox', { name: 'Username', exact: true }).inputValue()).toBe('{% $input.username %}');

    // Live validation (the validator in a worker): emptying the username is an invalid config.
    await inspector.getByRole('textbox', { name: 'Username', exact: true }).fill('');
    const diagnostics = page.getByTestId('diagnostics');
    await expect.poll(() => diagnostics.locator('.dg-item[data-code="invalid_config"][data-step="identify"]').count()).toBeGreaterThan(0);
    await inspector.getByRole('textbox', { name: 'Username', exact: true }).fill('{% $input.username %}');
    await expect.poll(() => diagnostics.locator('.dg-item[data-code="invalid_config"][data-step="identify"]').count()).toBe(0);

    // Auto-layout (elkjs): a node dragged away goes back to its laid-out place.
    const transform = () => node(page, 'done').evaluate((el) => (el as HTMLElement).style.transform);
    const laidOut = await transform();
    const box = (await node(page, 'done').locator('.sn-title, div').first().boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + 120, box.y + 160, { steps: 8 });
    await page.mouse.up();
    await expect.poll(transform).not.toBe(laidOut);
    await page.getByTestId('auto-layout').click();
    await expect.poll(transform).toBe(laidOut);

    await page.waitForTimeout(300);
    expect(errors).toEqual([]);

    // The policy is enforced, and a violation would have been seen.
    const injected = await injectInline(page);
    expect(injected).toEqual({ scriptRan: false, styled: '' });
    await expect.poll(() => errors.filter((e) => e.startsWith('csp:')).length).toBeGreaterThanOrEqual(2);
    expect(errors.join('\n')).toMatch(/script-src/);
    expect(errors.join('\n')).toMatch(/style-src/);
    await context.close();
  });

  it('the runner: a form journey runs to its end, with no violation and no eval', async ({ onTestFailed }) => {
    await server.publish({
      id: 'csp-runner',
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: {
          type: 'form',
          config: {
            title: 'Who are you?',
            outputVariable: 'answer',
            options: [{ id: 'next', label: 'Continue', schema: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, title: 'Name' } } } }],
          },
          branches: { next: 'done' },
        },
        done: { type: 'complete', config: { claims: { name: '{% answer.name %}' } } },
      },
    });
    const { context, page, errors } = await openPage(browser, { viewport: { width: 390, height: 844 } });
    onTestFailed(() => screenshot(page, 'csp-runner'));

    const response = await page.goto(`${server.url}/run/csp-runner`);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
    );
    expect(headers['cache-control']).toBe('no-store');
    await page.getByRole('heading', { name: 'Who are you?' }).waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText(/required/i).first().waitFor();
    await page.getByLabel('Name').fill('Ann');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('runner-success').waitFor();

    expect(errors).toEqual([]);
    // A string timer is compiled in the page (not in the test's evaluation): refused without eval.
    await page.evaluate(() => setTimeout('window.__evalRan = true', 0));
    await page.waitForTimeout(100);
    expect(await page.evaluate(() => (window as unknown as { __evalRan?: boolean }).__evalRan ?? false)).toBe(false);
    const injected = await injectInline(page);
    expect(injected).toEqual({ scriptRan: false, styled: '' });
    await expect.poll(() => errors.filter((e) => e.startsWith('csp:')).length).toBeGreaterThanOrEqual(3);
    expect(errors.join('\n')).toMatch(/unsafe-eval/);
    await context.close();
  });
});
