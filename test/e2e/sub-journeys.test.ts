/**
 * Sub-journeys in the designer (#20), in Chromium: a call node shows the journey it calls and the
 * version; double-clicking it opens that journey, with a way back; the palette offers published
 * journeys as blocks to call; "Extract to sub-journey" turns selected steps into a new journey,
 * called in their place, and both run over HTTP afterwards.
 */
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startSession, submit, type TestServer } from '../helpers/test-server.js';
import { node, openPage, screenshot, signIn, skipBrowser, startBrowserSuite } from './e2e-helpers.js';

const form = (option: string, next: string) => ({ type: 'form', config: { outputVariable: `v_${option}`, options: [{ id: option, label: option }] }, branches: { [option]: next } });

const block = {
  id: 'blk',
  name: 'The block',
  start: 'inside',
  steps: { inside: form('ok', 'end'), end: { type: 'complete', config: { claims: { fromBlock: true } } } },
  layout: { inside: { x: 0, y: 0 }, end: { x: 280, y: 0 } },
};
const host = {
  id: 'host',
  name: 'Host',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: form('go', 'callBlk'),
    callBlk: { type: 'journey.call', name: 'Call the block', config: { journeyId: 'blk', version: 'latest' }, branches: { success: 'done' } },
    done: { type: 'complete' },
  },
  layout: { ask: { x: 0, y: 0 }, callBlk: { x: 280, y: 0 }, done: { x: 560, y: 0 } },
};
const plain = {
  id: 'plain',
  name: 'Plain',
  start: 'first',
  settings: { public: true },
  steps: {
    first: form('a', 'second'),
    second: form('b', 'third'),
    third: form('c', 'done'),
    done: { type: 'complete', config: { claims: { plain: true } } },
  },
  layout: { first: { x: 0, y: 0 }, second: { x: 280, y: 0 }, third: { x: 560, y: 0 }, done: { x: 840, y: 0 } },
};

/** Waits until the element stops moving (two reads of its box 300 ms apart agree). */
async function settled(locator: Locator): Promise<void> {
  let previous = JSON.stringify(await locator.boundingBox());
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = JSON.stringify(await locator.boundingBox());
    if (now === previous) return;
    previous = now;
  }
}

describe.skipIf(skipBrowser)('sub-journeys in the designer (browser)', { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, browser } = await startBrowserSuite());
    for (const journey of [block, host, plain]) await server.publish(journey);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  it('shows a call node with the called journey and version, opens it on double-click, and comes back', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'sub-journeys-drill'));
    await signIn(page, server.url, ADMIN_KEY, '/designer/journeys/host');
    const call = node(page, 'callBlk');
    await call.waitFor();
    await expect.poll(() => call.getByTestId('call-badge').textContent()).toContain('The block · latest (v1)');
    // Its branches are drawn as on any step.
    expect(await call.locator('.sn-branch-name').allTextContents()).toEqual(['success', 'failure']);

    // The whole journey in view first (its first fit may still be under way).
    await page.locator('.react-flow__controls-fitview').click();
    await settled(call);
    await call.locator('.sn-name').dblclick();
    await page.waitForURL(/\/designer\/journeys\/blk$/);
    await node(page, 'inside').waitFor();
    const back = page.getByTestId('drill-back');
    expect(await back.textContent()).toContain('Back to host');
    await back.click();
    await page.waitForURL(/\/designer\/journeys\/host$/);
    await node(page, 'callBlk').waitFor();
    expect(await page.getByTestId('drill-back').count()).toBe(0);

    // The palette offers the published journeys (not this one) as blocks: adding one adds a call.
    expect(await page.getByTestId('palette-journey-host').count()).toBe(0);
    await page.getByTestId('palette-journey-plain').dblclick();
    await expect.poll(() => page.getByTestId('call-badge').count()).toBe(2);
    expect(await page.getByTestId('call-badge').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Plain · latest (v1)')]));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('extracts selected steps to a new journey called in their place, and the result runs', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'sub-journeys-extract'));
    await signIn(page, server.url, ADMIN_KEY, '/designer/journeys/plain');
    await node(page, 'second').waitFor();
    await node(page, 'second').click();
    await node(page, 'third').click({ modifiers: ['Control'] });
    await page.getByTestId('extract-sub-journey').click();
    await page.getByTestId('new-journey-name').fill('Middle part');
    await page.getByTestId('new-journey-id').fill('middle');
    await page.getByTestId('dialog-confirm').click();

    // The selection is gone, a call to the new journey in its place.
    await expect.poll(() => node(page, 'second').count()).toBe(0);
    await expect.poll(() => page.getByTestId('call-badge').textContent()).toContain('middle');
    await page.getByTestId('save').click();
    await page.getByTestId('publish').click();
    await page.getByTestId('published-version').and(page.locator('[data-version="2"]')).waitFor();

    const child = await server.admin('GET', '/v1/admin/journeys/middle');
    expect(child.status).toBe(200);
    expect(Object.keys(child.body.draft.steps).sort()).toEqual(['done', 'second', 'third']);
    expect(child.body.versions).toHaveLength(1);

    // Over HTTP: the extracted steps now answer under the call's id.
    const parentDoc = (await server.admin('GET', '/v1/admin/journeys/plain')).body.draft;
    const callId = Object.keys(parentDoc.steps).find((id) => parentDoc.steps[id].type === 'journey.call')!;
    const started = await startSession(server, 'plain');
    expect((await submit(server, started.body, 'first', 'a')).body.step.id).toBe(`${callId}/second`);
    expect((await submit(server, started.body, `${callId}/second`, 'b')).body.step.id).toBe(`${callId}/third`);
    const done = await submit(server, started.body, `${callId}/third`, 'c');
    expect(done.body).toMatchObject({ status: 'completed', result: { claims: { plain: true } } });
    expect(errors).toEqual([]);
    await context.close();
  });
});
