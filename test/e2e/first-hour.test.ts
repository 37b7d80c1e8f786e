/**
 * The first hour in the designer (#21), in a real browser against a real engine: open `/`, sign
 * in, open each sample journey and check what shows (geometry: no step cut off or under the
 * minimap, names drawn at a readable size), zoom out (semantic zoom keeps names readable), build
 * a form with the form builder, publish it and run it in the hosted runner, in English and in French.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calleesFirst } from '../../engine/samples.js';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';
import { connectHandles, dragFromPalette, node, openPage, ROOT, screenshot, signIn, skipBrowser, startBrowserSuite } from './e2e-helpers.js';
import { edgesAcrossSteps, openingGeometry } from './opening-geometry.js';

/** A step name drawn smaller than this (CSS pixels on screen) is not comfortably read. */
const READABLE_PX = 8;

// Callees first: a sample that calls another (login calls mfa) is published after it.
const samples = calleesFirst(
  readdirSync(`${ROOT}/journeys`)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.test.json'))
    .map((f) => JSON.parse(readFileSync(`${ROOT}/journeys/${f}`, 'utf8'))),
) as unknown as Array<{ id: string; start: string; steps: Record<string, unknown> }>;

describe.skipIf(skipBrowser)('the first hour in the designer (browser)', { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, browser } = await startBrowserSuite({ env: { RATE_LIMITS: 'off' } }));
    for (const sample of samples) await server.publish(sample);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  it('opens every sample readable: no step cut off or under the minimap, names at a readable size, no edge through a step', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser, { viewport: { width: 1440, height: 900 } });
    onTestFailed(() => screenshot(page, 'first-hour-samples'));
    // `/` leads to the designer once the engine redirects it; the designer itself is at /designer/.
    const root = await server.request('GET', '/');
    await signIn(page, server.url, ADMIN_KEY, root.status >= 300 && root.status < 400 ? '/' : '/designer/');
    await page.getByTestId('new-journey').waitFor();

    for (const sample of samples) {
      await page.goto(`${server.url}/designer/journeys/${sample.id}`);
      await node(page, sample.start).waitFor();
      await page.waitForTimeout(150); // the opening viewport is set on React Flow's init
      const g = await openingGeometry(page);
      const where = `${sample.id}: ${JSON.stringify(g)}`;
      expect(g.steps, where).toBe(Object.keys(sample.steps).length);
      expect(g.clipped, where).toEqual([]);
      expect(g.underMinimap, where).toEqual([]);
      expect(g.visible, where).toContain(sample.start);
      expect(g.zoom, where).toBeGreaterThanOrEqual(0.65);
      expect(g.smallestName, where).toBeGreaterThanOrEqual(READABLE_PX);
      // Once the canvas is idle, edges follow auto-layout's routes: none runs through a step.
      await page.locator('.je-canvas[data-routes="on"]').waitFor();
      expect(await edgesAcrossSteps(page), sample.id).toEqual([]);
      // Published and unchanged: the toolbar says so rather than "Draft saved".
      await expect.poll(() => page.getByTestId('draft-state').getAttribute('data-state'), { message: sample.id }).toBe('published');
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('fit view keeps the minimap clear; zoomed far out, step names stay readable and details hide (semantic zoom)', async ({ onTestFailed }) => {
    const { context, page } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'first-hour-semantic-zoom'));
    await signIn(page, server.url, ADMIN_KEY, '/designer/journeys/login');
    await node(page, 'credentials').waitFor();
    // Fit view shows every step whole, none under the minimap.
    await page.locator('.react-flow__controls-fitview').click();
    await page.waitForTimeout(300);
    const fitted = await openingGeometry(page);
    expect(fitted.visible.length, JSON.stringify(fitted)).toBe(fitted.steps);
    expect(fitted.underMinimap, JSON.stringify(fitted)).toEqual([]);
    // Zoomed out to 0.3 (the whole of a long journey on a small screen): below OVERVIEW_FAR (0.4).
    const zoomOut = page.locator('.react-flow__controls-zoomout');
    while ((await openingGeometry(page)).zoom / 1.2 >= 0.3) {
      await zoomOut.click();
      await page.waitForTimeout(300); // the control animates the zoom
    }
    await expect.poll(async () => (await openingGeometry(page)).zoom).toBeLessThan(0.4);
    const type = node(page, 'credentials').locator('.sn-type');
    await expect.poll(() => type.evaluate((el) => getComputedStyle(el).visibility)).toBe('hidden');
    const g = await openingGeometry(page);
    expect(g.smallestName, JSON.stringify(g)).toBeGreaterThanOrEqual(READABLE_PX);
    await context.close();
  });

  it('complete and reject steps have no failure handle; long names wrap instead of being cut', async ({ onTestFailed }) => {
    const { context, page } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'first-hour-handles'));
    await signIn(page, server.url, ADMIN_KEY, '/designer/journeys/login-totp');
    await node(page, 'done').waitFor();
    expect(await node(page, 'done').locator('.react-flow__handle[data-handleid="failure"]').count()).toBe(0);
    expect(await node(page, 'cancelled').locator('.react-flow__handle[data-handleid="failure"]').count()).toBe(0);
    expect(await node(page, 'login').locator('.react-flow__handle[data-handleid="failure"]').count()).toBe(1);
    // Every name shows whole: its text fits the box drawn for it.
    const cut = await page.locator('.sn-name').evaluateAll((names) => names.filter((n) => n.scrollHeight > n.clientHeight + 1 || n.scrollWidth > n.clientWidth + 1).map((n) => n.textContent));
    expect(cut).toEqual([]);
    await context.close();
  });

  it('builds a form with the form builder, publishes it and runs it in the hosted runner in two languages', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'first-hour-form-builder'));
    await signIn(page, server.url, ADMIN_KEY);
    await page.getByTestId('new-journey').click();
    await page.getByTestId('new-journey-name').fill('Newsletter');
    await expect.poll(() => page.getByTestId('new-journey-id').inputValue()).toBe('newsletter');
    await page.getByTestId('dialog-confirm').click();
    await node(page, 'done').waitFor();
    await page.waitForTimeout(150);
    // A new journey's first step shows whole, at a readable size.
    const opened = await openingGeometry(page);
    expect(opened.visible, JSON.stringify(opened)).toEqual(['done']);
    expect(opened.smallestName).toBeGreaterThanOrEqual(READABLE_PX);

    await dragFromPalette(page, 'form', { x: 160, y: 160 });
    await node(page, 'form').waitFor();
    const inspector = page.getByTestId('inspector');
    const diagnostics = page.getByTestId('diagnostics');
    // The empty output variable: a sentence, the engine's pattern error on hover.
    const message = diagnostics.locator('.dg-item[data-code="invalid_config"][data-step="form"] .dg-message').first();
    await expect.poll(() => message.textContent()).toBe('Output variable is required');
    expect(await message.getAttribute('title')).toMatch(/must match pattern/);
    await inspector.getByRole('button', { name: 'Make this the start step' }).click();
    // The step id's rule ("Letters, digits, - and _ only…") is applied as it is typed.
    await inspector.locator('#ins-id').fill('my form!');
    await expect.poll(() => inspector.locator('#ins-id').inputValue()).toBe('myform');
    await inspector.locator('#ins-id').press('Escape');
    await expect.poll(() => inspector.locator('#ins-id').inputValue()).toBe('form');
    await inspector.getByRole('textbox', { name: 'Output variable', exact: true }).fill('signup');
    await expect.poll(() => diagnostics.locator('.dg-item[data-code="invalid_config"][data-step="form"]').count()).toBe(0);

    // The builder: add a checkbox, an email and a text field; reorder; remove the checkbox.
    const builder = inspector.getByTestId('form-builder');
    const addField = async (kind: string) => {
      await builder.getByTestId('form-builder-add').click();
      await builder.getByTestId(`form-builder-add-${kind}`).click();
    };
    const order = () => builder.locator('.fb-field').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kind')}:${e.getAttribute('data-name')}`));
    await addField('checkbox');
    await addField('email');
    await addField('text');
    await expect.poll(order).toEqual(['checkbox:accepted', 'email:email', 'text:text']);
    await builder.getByTestId('form-builder-field-2').getByLabel('Label').fill('Nick name');
    await expect.poll(order).toEqual(['checkbox:accepted', 'email:email', 'text:nickName']);
    await builder.getByTestId('form-builder-field-2').getByRole('button', { name: 'Move field up' }).click();
    await expect.poll(order).toEqual(['checkbox:accepted', 'text:nickName', 'email:email']);
    await builder.getByTestId('form-builder-field-1').getByRole('button', { name: 'Move field up' }).click();
    await expect.poll(order).toEqual(['text:nickName', 'checkbox:accepted', 'email:email']);
    await builder.getByTestId('form-builder-field-1').getByRole('button', { name: 'Remove field' }).click();
    await expect.poll(order).toEqual(['text:nickName', 'email:email']);
    // The JSON view shows the same schema; an edit there shows in the builder.
    await builder.getByRole('tab', { name: 'JSON' }).click();
    const json = builder.locator('textarea');
    const written = JSON.parse(await json.inputValue());
    expect(written).toEqual({ type: 'object', properties: { nickName: { type: 'string', title: 'Nick name' }, email: { type: 'string', format: 'email', title: 'Email' } }, required: ['nickName', 'email'] });
    await json.fill(JSON.stringify({ ...written, required: ['email'] }));
    await builder.getByRole('tab', { name: 'Fields' }).click();
    await expect.poll(() => builder.getByTestId('form-builder-field-0').getByRole('checkbox', { name: 'Required' }).isChecked()).toBe(false);
    await expect.poll(() => builder.getByTestId('form-builder-field-1').getByRole('checkbox', { name: 'Required' }).isChecked()).toBe(true);

    // Wire it, make the journey public, save and publish.
    await connectHandles(page, 'form', 'option1', 'done');
    await expect.poll(() => diagnostics.getByTestId('diagnostics-errors').textContent()).toBe('0 errors');
    // A step nobody reaches yet, then auto-layout: nothing overlaps, no edge runs through a step.
    await dragFromPalette(page, 'display', { x: 420, y: 260 });
    await node(page, 'display').waitFor();
    await page.getByTestId('auto-layout').click();
    await page.locator('.je-canvas[data-routes="on"]').waitFor();
    await page.waitForTimeout(400); // the view moves to the laid-out steps
    expect(await edgesAcrossSteps(page)).toEqual([]);
    const cards = await page.locator('.react-flow__node .sn').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
    const overlaps = cards.flatMap((a, i) => cards.slice(i + 1).filter((b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom));
    expect(overlaps).toEqual([]);
    await node(page, 'display').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(2);
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.getByRole('checkbox', { name: 'Public' }).check();
    await page.getByTestId('save').click();
    await expect.poll(() => page.getByTestId('save').isDisabled()).toBe(true);
    await page.getByTestId('publish').click();
    await expect.poll(() => page.getByTestId('published-version').getAttribute('data-version')).toBe('1');
    await expect.poll(() => page.getByTestId('draft-state').getAttribute('data-state')).toBe('published');
    expect(errors).toEqual([]);

    // The hosted runner shows the builder's fields as built.
    await page.goto(`${server.url}/run/newsletter`);
    const email = page.getByLabel('Email');
    await email.waitFor();
    expect(await email.getAttribute('type')).toBe('email');
    expect(await page.getByLabel('Nick name').getAttribute('type')).toBe('text');
    await email.fill('dana@example.com');
    await page.getByRole('button', { name: 'Option1' }).click();
    await page.getByTestId('runner-success').waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('h1').textContent()).toBe('You’re all set');

    // The same journey in a second language: the runner's own texts in French (shipped in full).
    await page.goto(`${server.url}/run/newsletter?lang=fr`);
    await page.getByLabel('Email').fill('dana@example.com');
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await page.locator('footer').textContent()).toBe('Protégé par Journey Engine');
    await page.getByRole('button', { name: 'Option1' }).click();
    await page.getByTestId('runner-success').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Tout est prêt');
    await context.close();
  });
});
