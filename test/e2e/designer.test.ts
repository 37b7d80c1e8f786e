/**
 * The designer in a real browser against a real engine: build a journey from the palette, wire
 * handles, edit config in the inspector, watch diagnostics appear and clear, save, reload,
 * publish, and run it through the test panel (the dev outbox included).
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { connectHandles, dragFromPalette, ensureDesignerBuilt, launchBrowser, node, openPage, ROOT, screenshot, signIn, skipBrowser } from './e2e-helpers.js';

describe.skipIf(skipBrowser)('designer (browser)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    const [started] = await Promise.all([startTestServer({ env: { RATE_LIMITS: 'off' } }), ensureDesignerBuilt()]);
    server = started;
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  const sample = (name: string) => JSON.parse(readFileSync(`${ROOT}/journeys/${name}.json`, 'utf8'));

  it('builds a journey from the palette, edits it, saves, reloads, publishes and test-runs it', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'designer-build-journey'));

    await signIn(page, server.url, ADMIN_KEY);
    await page.getByTestId('new-journey').click();
    await page.getByTestId('new-journey-name').fill('Age gate');
    await expect.poll(() => page.getByTestId('new-journey-id').inputValue()).toBe('age-gate');
    await page.getByTestId('dialog-confirm').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/designer/journeys/age-gate');
    await node(page, 'done').waitFor();

    // Drag a form onto the canvas: its skeleton config is incomplete, so diagnostics appear.
    await dragFromPalette(page, 'form', { x: 140, y: 160 });
    await node(page, 'form').waitFor();
    const diagnostics = page.getByTestId('diagnostics');
    await expect.poll(() => diagnostics.locator('.dg-item[data-code="invalid_config"][data-step="form"]').count()).toBeGreaterThan(0);

    // The inspector shows the new step (selected): make it the start, fill its output variable.
    const inspector = page.getByTestId('inspector');
    await expect.poll(() => inspector.locator('#ins-id').inputValue()).toBe('form');
    await inspector.getByRole('button', { name: 'Make this the start step' }).click();
    await node(page, 'form').locator('.sn-start').waitFor();
    await inspector.getByRole('textbox', { name: 'Output variable', exact: true }).fill('answer');
    await expect.poll(() => diagnostics.locator('.dg-item[data-code="invalid_config"][data-step="form"]').count()).toBe(0);

    // Derived branches follow the config: a second option adds a handle once it has an id.
    await inspector.getByRole('button', { name: 'Add option' }).click();
    const secondId = inspector.locator('.cf-item').nth(1).getByRole('textbox', { name: 'Branch id', exact: true });
    await secondId.fill('underage');
    await node(page, 'form').locator('.react-flow__handle[data-handleid="underage"]').waitFor();
    await expect.poll(() => diagnostics.locator('.dg-item[data-code="unwired_branch"][data-step="form"]').count()).toBe(2);

    // Wire both options by dragging from their handles.
    await dragFromPalette(page, 'reject', { x: 520, y: 360 });
    await node(page, 'reject').waitFor();
    await inspector.getByRole('textbox', { name: 'Error code', exact: true }).fill('too_young');
    await connectHandles(page, 'form', 'option1', 'done');
    await connectHandles(page, 'form', 'underage', 'reject');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    await expect.poll(() => diagnostics.getByTestId('diagnostics-errors').textContent()).toBe('0 errors');
    await expect.poll(() => diagnostics.getByTestId('diagnostics-warnings').textContent()).toBe('0 warnings');

    // Undo removes the last connection, redo brings it back.
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);

    // Save, reload: the journey comes back from the server, layout included.
    // Node positions in flow coordinates (the element's transform), independent of the viewport.
    const position = () => node(page, 'reject').evaluate((el) => (el as HTMLElement).style.transform);
    const before = await position();
    await page.getByTestId('save').click();
    await expect.poll(() => page.getByTestId('save').isDisabled()).toBe(true);
    const saved = await server.admin('GET', '/v1/admin/journeys/age-gate');
    expect(saved.body.draft.start).toBe('form');
    expect(saved.body.draft.steps.form.branches).toEqual({ option1: 'done', underage: 'reject' });
    expect(saved.body.draft.steps.form.config.outputVariable).toBe('answer');
    expect(Object.keys(saved.body.draft.layout).sort()).toEqual(['done', 'form', 'reject']);
    await page.reload();
    await node(page, 'reject').waitFor();
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    expect(await position()).toBe(before);
    expect(before).toMatch(/translate\(/);

    // Publish shows the new version.
    await page.getByTestId('publish').click();
    await expect.poll(() => page.getByTestId('published-version').getAttribute('data-version')).toBe('1');

    // Test run: answer the form, reach the end, see the path on the canvas.
    await page.getByTestId('test-run').click();
    const panel = page.getByTestId('run-panel');
    await panel.getByTestId('run-start').click();
    await expect.poll(() => panel.getByTestId('run-status').getAttribute('data-status')).toBe('waiting');
    await expect.poll(() => node(page, 'form').locator('.sn-run-current').count()).toBe(1);
    await panel.getByRole('button', { name: 'Option1' }).click();
    await expect.poll(() => panel.getByTestId('run-status').getAttribute('data-status')).toBe('completed');
    await expect.poll(() => node(page, 'done').locator('.sn-run-visited').count()).toBe(1);
    await expect.poll(() => page.locator('.je-edge-run').count()).toBe(1);

    expect(errors).toEqual([]);
    await context.close();
  });

  it('copies, pastes, deletes, auto-lays out and guards unsaved changes', async ({ onTestFailed }) => {
    await server.publish(sample('sign-up'));
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'designer-canvas-editing'));
    await signIn(page, server.url, ADMIN_KEY, '/designer/journeys/sign-up');
    // The sample sign-up: details → create → verifyEmail → password → done, and failed.
    const steps = Object.keys(sample('sign-up').steps);
    expect(steps).toHaveLength(6);
    await node(page, 'verifyEmail').waitFor();
    const count = () => page.locator('.react-flow__node').count();
    expect(await count()).toBe(steps.length);

    // Select, copy, paste: a renamed copy appears.
    await node(page, 'verifyEmail').click();
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await node(page, 'verifyEmailCopy').waitFor();
    expect(await count()).toBe(steps.length + 1);
    await expect.poll(() => page.getByTestId('diagnostics').locator('.dg-item[data-code="unreachable_step"][data-step="verifyEmailCopy"]').count()).toBe(1);

    // Delete it with the keyboard.
    await page.keyboard.press('Delete');
    await expect.poll(count).toBe(steps.length);

    // Multi-select with Ctrl+click, delete both, undo brings both back with their edges.
    const edges = await page.locator('.react-flow__edge').count();
    expect(edges).toBeGreaterThan(0);
    // The opening view shows sign-up's start region; fit view brings 'done' and 'failed' on screen to click them.
    await page.locator('.react-flow__controls-fitview').click();
    await page.waitForTimeout(400);
    await node(page, 'done').click();
    await node(page, 'failed').click({ modifiers: ['Control'] });
    await expect.poll(() => page.locator('.react-flow__node.selected').count()).toBe(2);
    await page.keyboard.press('Delete');
    await expect.poll(count).toBe(steps.length - 2);
    // The edges into them went with them.
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBeLessThan(edges);
    await page.keyboard.press('Control+z');
    await expect.poll(count).toBe(steps.length);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(edges);

    // Auto-layout moves steps (one history entry) and marks the draft unsaved.
    await page.getByTestId('auto-layout').click();
    await page.getByTestId('dirty').waitFor();

    // Leaving with unsaved changes asks first; staying keeps the editor.
    await page.getByTestId('back').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stay' }).click();
    expect(new URL(page.url()).pathname).toBe('/designer/journeys/sign-up');
    await page.getByTestId('back').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Leave' }).click();
    await page.getByTestId('journey-sign-up').waitFor();

    expect(errors).toEqual([]);
    await context.close();
  });

  it('runs an OTP journey in the test panel, reading the code from the dev outbox', async ({ onTestFailed }) => {
    await server.publish(sample('sms-otp'));
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'designer-test-panel-otp'));
    await signIn(page, server.url, ADMIN_KEY, '/designer/journeys/sms-otp');
    await node(page, 'otp').waitFor();
    await page.getByTestId('test-run').click();
    const panel = page.getByTestId('run-panel');
    await panel.getByTestId('run-start').click();
    await panel.getByLabel(/Phone number/).fill('+14155550123');
    await panel.getByRole('button', { name: 'Send code' }).click();
    await panel.getByTestId('otp-destination').waitFor();
    const message = panel.getByTestId('outbox-message').first();
    await message.waitFor();
    const code = /\b(\d{6})\b/.exec((await message.textContent()) ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);

    // A wrong code is shown in place; the right one completes.
    await panel.getByRole('textbox', { name: 'Code' }).fill(code === '000000' ? '111111' : '000000');
    await panel.getByRole('button', { name: 'Verify' }).click();
    await panel.getByTestId('step-error').waitFor();
    await panel.getByRole('textbox', { name: 'Code' }).fill(code!);
    await panel.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => panel.getByTestId('run-status').getAttribute('data-status')).toBe('completed');
    await expect.poll(() => panel.getByTestId('run-outcome').textContent()).toContain('+14155550123');

    expect(errors).toEqual([]);
    await context.close();
  });

  it('imports, duplicates, exports and deletes journeys from the list', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'designer-journey-list'));
    await signIn(page, server.url, ADMIN_KEY);
    await page.getByTestId('new-journey').waitFor();

    // Import a JSON file: the editor opens on it.
    const doc = { ...sample('register-totp'), id: 'imported', name: 'Imported journey' };
    await page.getByTestId('import-file').setInputFiles({ name: 'imported.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
    await expect.poll(() => new URL(page.url()).pathname).toBe('/designer/journeys/imported');
    await node(page, 'enrol').waitFor();
    await page.getByTestId('back').click();

    // Duplicate it under a new id.
    await page.getByRole('button', { name: 'Duplicate imported' }).click();
    await page.getByTestId('new-journey-id').fill('imported-copy');
    await page.getByTestId('dialog-confirm').click();
    await page.getByTestId('journey-imported-copy').waitFor();
    const copy = await server.admin('GET', '/v1/admin/journeys/imported-copy');
    expect(Object.keys(copy.body.draft.steps)).toEqual(Object.keys(doc.steps));

    // Export downloads the draft as JSON.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export imported-copy' }).click()]);
    expect(download.suggestedFilename()).toBe('imported-copy.json');
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(exported).toMatchObject({ id: 'imported-copy', start: doc.start });

    // Delete asks first.
    await page.getByTestId('delete-imported-copy').click();
    await page.getByRole('dialog').getByTestId('dialog-confirm').click();
    await expect.poll(() => page.getByTestId('journey-imported-copy').count()).toBe(0);
    expect((await server.admin('GET', '/v1/admin/journeys/imported-copy')).status).toBe(404);

    expect(errors).toEqual([]);
    await context.close();
  });

  it('lists versions and shows one read-only', async ({ onTestFailed }) => {
    const doc = sample('login-totp');
    await server.publish(doc);
    await server.publish({ ...doc, name: 'Sign in, second version' });
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'designer-versions'));
    await signIn(page, server.url, ADMIN_KEY, '/designer/journeys/login-totp');
    await node(page, 'auth').waitFor();
    await page.getByTestId('versions').click();
    await page.getByTestId('versions-menu').locator('[data-version="1"]').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/designer/journeys/login-totp/versions/1');
    await page.getByText('You are viewing published version 1').waitFor();
    await page.getByTestId('restore').waitFor();
    expect(await page.getByTestId('palette-form').getAttribute('aria-disabled')).toBe('true');
    await page.getByText('Sign in with an authenticator app').first().waitFor();

    expect(errors).toEqual([]);
    await context.close();
  });
});

