/**
 * The first hour's entry points (README, "Two commands"): `/` leads to the designer, and `/docs`
 * renders the engine's own OpenAPI document with Redoc served by the engine (no CDN: every request
 * the page makes stays on the engine's origin), under a CSP that reports no violation, with
 * Redoc's search (a blob: worker) working.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { launchBrowser, openPage, screenshot, skipBrowser } from './e2e-helpers.js';

describe('the root redirect and the API reference page', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close({ remove: true }));

  it('GET / redirects to the designer', async () => {
    const response = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/designer/');
  });

  it('GET /docs is a page with a fresh style nonce per response and no inline script', async () => {
    const [first, second] = await Promise.all([fetch(`${server.url}/docs`), fetch(`${server.url}/docs`)]);
    const csp = [first, second].map((r) => r.headers.get('content-security-policy')!);
    const nonces = csp.map((c) => /'nonce-([^']+)'/.exec(c)![1]);
    expect(nonces[0]).not.toBe(nonces[1]);
    expect(csp[0]).toContain("script-src 'self';");
    expect(csp[0]).not.toContain('unsafe-inline');
    const html = await first.text();
    expect(html).toMatch(/<script src="\/docs\/assets\/redoc-[\d.]+\.standalone\.js"><\/script>/);
    expect(html).not.toMatch(/<script>|<script nonce/);
  });

  describe.skipIf(skipBrowser)('in Chromium', { timeout: 60_000 }, () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(() => browser?.close());

    it('renders every operation of /openapi.json, searches it, and loads nothing from elsewhere, with no CSP violation but the refused CDN logo', async ({ onTestFailed }) => {
      const { context, page, errors } = await openPage(browser);
      onTestFailed(() => screenshot(page, 'api-docs'));
      // Responses, not requests: a request the CSP refuses never reaches the network.
      const fetched: string[] = [];
      page.on('requestfinished', (request) => fetched.push(request.url()));

      await page.goto(`${server.url}/docs`);
      await expect.poll(() => page.getByText("Start a session on the journey's latest published version").count(), { timeout: 20_000 }).toBeGreaterThan(0);
      const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary: string }>> };
      const summaries = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((op) => op.summary));
      expect(summaries.length).toBeGreaterThan(20);
      const text = await page.locator('#redoc').innerText();
      for (const summary of summaries) expect(text, summary).toContain(summary);

      await page.getByPlaceholder('Search...').fill('validate a result token');
      await expect.poll(() => page.locator('[role="search"] li, [data-role="search:results"] li').count(), { timeout: 10_000 }).toBeGreaterThan(0);

      const origin = new URL(server.url).origin;
      expect(fetched.filter((url) => !url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
      // Redoc's menu footer always asks for Redocly's logo on their CDN; img-src refuses it (the
      // footer then shows its text alone). That refusal is the one violation expected.
      const cdnLogo = (error: string) => error.includes('cdn.redoc.ly/redoc/logo-mini.svg') || /img-src blocked https:\/\/cdn\.redoc\.ly/.test(error);
      expect(errors.filter((error) => !cdnLogo(error))).toEqual([]);
      await context.close();
    });
  });
});
