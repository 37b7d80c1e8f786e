/**
 * The designer shows the validator's data-flow diagnostics live (issue #19): a typo'd variable
 * property is flagged on its step (badge, inspector) and in the problems panel with the
 * suggested name, and fixing it in the inspector clears it without saving.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';
import { node, openPage, screenshot, signIn, skipBrowser, startBrowserSuite } from './e2e-helpers.js';

const typoed = {
  id: 'typo-journey',
  name: 'Typo journey',
  start: 'who',
  // Not public: a public one would also warn unauthenticated_completion (identified, never proved).
  settings: { public: false },
  steps: {
    who: {
      type: 'form',
      config: {
        outputVariable: 'login',
        options: [{ id: 'next', label: 'Continue', schema: { type: 'object', required: ['username'], properties: { username: { type: 'string' } } } }],
      },
      branches: { next: 'find' },
    },
    find: { type: 'user.identify', config: { username: '{% login.usernme %}' }, errorOutputVariable: 'err', branches: { success: 'done', failure: 'failed' } },
    done: { type: 'complete', config: { claims: { ok: true } } },
    failed: { type: 'reject', config: { code: '{% err.cod %}', message: 'Not found' } },
  },
  layout: { who: { x: 0, y: 0 }, find: { x: 280, y: 0 }, done: { x: 560, y: 0 }, failed: { x: 560, y: 180 } },
};

describe.skipIf(skipBrowser)('designer data-flow diagnostics (browser)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, browser } = await startBrowserSuite({ env: { RATE_LIMITS: 'off' } }));
    const saved = await server.admin('PUT', `/v1/admin/journeys/${typoed.id}`, typoed);
    expect(saved.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  it('flags a typo\'d property with the suggestion, on the step and in the problems panel, and clears it when fixed', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'designer-data-flow'));
    await signIn(page, server.url, ADMIN_KEY, `/designer/journeys/${typoed.id}`);
    await node(page, 'find').waitFor();

    // The problems panel lists both typos, each with its suggestion.
    const diagnostics = page.getByTestId('diagnostics');
    const findTypo = diagnostics.locator('.dg-item[data-code="unknown_property"][data-step="find"]');
    const failedTypo = diagnostics.locator('.dg-item[data-code="unknown_property"][data-step="failed"]');
    await expect.poll(() => findTypo.count()).toBe(1);
    await expect.poll(() => failedTypo.count()).toBe(1);
    expect(await findTypo.locator('.dg-message').textContent()).toContain('"login" has no property "usernme"');
    expect(await findTypo.getByTestId('diagnostic-suggestion').textContent()).toContain('username');
    expect(await failedTypo.getByTestId('diagnostic-suggestion').textContent()).toContain('code');
    await expect.poll(() => diagnostics.getByTestId('diagnostics-warnings').textContent()).toBe('2 warnings');

    // On the step: a badge on its node, and the inspector lists the problem with the suggestion.
    await node(page, 'failed').locator('.sn-issues').waitFor();
    await failedTypo.click();
    const inspector = page.getByTestId('inspector');
    await expect.poll(() => inspector.locator('#ins-id').inputValue()).toBe('failed');
    await expect.poll(() => inspector.getByTestId('inspector-suggestion').textContent()).toContain('code');

    // Fixing the expression in the inspector clears that diagnostic live (no save), leaving the other.
    await inspector.getByRole('textbox', { name: 'Error code', exact: true }).fill('{% err.code %}');
    await expect.poll(() => failedTypo.count()).toBe(0);
    await expect.poll(() => node(page, 'failed').locator('.sn-issues').count()).toBe(0);
    expect(await findTypo.count()).toBe(1);
    await expect.poll(() => diagnostics.getByTestId('diagnostics-warnings').textContent()).toBe('1 warning');

    expect(errors).toEqual([]);
    await context.close();
  });
});
