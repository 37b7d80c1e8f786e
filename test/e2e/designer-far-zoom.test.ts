/**
 * A large journey fitted in view (#24), in a real browser against a real engine: zoomed out past
 * MINIMAL_ZOOM every step is drawn as its card and name only and every edge as its visible path
 * only, yet all of them are in the DOM, names readable in the DOM, edges still ending at their
 * steps, the minimap clear; zooming back in brings the full nodes (handles, type, branch rows) back.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJourney } from '../bench/designer-render.js';
import { MINIMAL_ZOOM } from '../../designer/src/designer/canvas/far-zoom.js';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';
import { node, openPage, screenshot, signIn, skipBrowser, startBrowserSuite } from './e2e-helpers.js';
import { openingGeometry } from './opening-geometry.js';

const STEPS = 300;
const journey = generateJourney(STEPS);
const names = Object.fromEntries(Object.entries(journey.steps).map(([id, step]) => [id, (step as { name: string }).name]));
const edgeCount = Object.values(journey.steps).reduce<number>((n, s) => n + Object.keys((s as { branches?: object }).branches ?? {}).length, 0);

/** Each edge's drawn ends against its steps' cards on screen: edges whose start or end is more than 4px off. */
function detachedEdges(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const cards = new Map([...document.querySelectorAll<HTMLElement>('.react-flow__node')].map((n) => [n.dataset.id!, n.querySelector('.sn')!.getBoundingClientRect()]));
    const off: string[] = [];
    for (const edge of document.querySelectorAll<SVGGElement>('.react-flow__edge')) {
      const path = edge.querySelector<SVGPathElement>('.react-flow__edge-path')!;
      const [, source, target] = /^Edge from (.+) to (.+)$/.exec(edge.getAttribute('aria-label') ?? '') ?? [];
      const matrix = path.getScreenCTM()!;
      const at = (length: number) => new DOMPoint(path.getPointAtLength(length).x, path.getPointAtLength(length).y).matrixTransform(matrix);
      const start = at(0);
      const end = at(path.getTotalLength());
      const from = cards.get(source);
      const to = cards.get(target);
      if (!from || !to) continue; // an end out of view, not rendered (zoomed in)
      // Out of the source's right side, into the target's left side, within their heights.
      const near = (p: DOMPoint, x: number, r: DOMRect) => Math.abs(p.x - x) <= 4 && p.y >= r.top - 4 && p.y <= r.bottom + 4;
      if (!near(start, from.right, from) || !near(end, to.left, to)) off.push(edge.getAttribute('data-id') ?? '');
    }
    return off;
  });
}

describe.skipIf(skipBrowser)('a large journey at far zoom (browser)', { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, browser } = await startBrowserSuite({ env: { RATE_LIMITS: 'off' } }));
    const saved = await server.admin('PUT', `/v1/admin/journeys/${journey.id}`, journey);
    expect(saved.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  it('fit view renders every step as card and name and every edge as a path ending at its steps; zooming in restores the full nodes', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser, { viewport: { width: 1440, height: 900 } });
    onTestFailed(() => screenshot(page, 'designer-far-zoom'));
    await signIn(page, server.url, ADMIN_KEY, `/designer/journeys/${journey.id}`);
    await node(page, 's0').waitFor();
    // The opening view is readable: full nodes, handles and all.
    expect(await node(page, 's0').locator('.sn-min').count()).toBe(0);
    expect(await node(page, 's0').locator('.react-flow__handle').count()).toBeGreaterThan(0);

    await page.locator('.react-flow__controls-fitview').click();
    await expect.poll(() => page.locator('.react-flow__node').count(), { timeout: 30_000 }).toBe(STEPS);
    await expect.poll(() => page.locator('.react-flow__edge').count(), { timeout: 30_000 }).toBe(edgeCount);
    const fitted = await openingGeometry(page);
    expect(fitted.zoom).toBeLessThan(MINIMAL_ZOOM);
    // Every step whole on screen, none under the minimap.
    expect(fitted.visible.length, JSON.stringify(fitted.clipped)).toBe(STEPS);
    expect(fitted.underMinimap).toEqual([]);
    // Every step minimal, with its name; no handles, no branch rows, no hit paths.
    const shown = await page.locator('.react-flow__node').evaluateAll((nodes) => nodes.map((n) => [(n as HTMLElement).dataset.id!, n.querySelector('.sn-min .sn-name')?.textContent ?? null]));
    expect(Object.fromEntries(shown)).toEqual(names);
    expect(await page.locator('.react-flow__handle, .sn-branches, .react-flow__edge-interaction').count()).toBe(0);
    expect(await page.locator('.react-flow__edge-path').count()).toBe(edgeCount);
    expect(await detachedEdges(page)).toEqual([]);

    // Renamed while zoomed out, a step's card grows by two lines: its edges stay drawn and on it.
    const card = node(page, 's2').locator('.sn');
    const height = await card.evaluate((el) => el.getBoundingClientRect().height);
    await node(page, 's2').click();
    const inspector = page.getByTestId('inspector');
    await expect.poll(() => inspector.locator('#ins-id').inputValue()).toBe('s2');
    const longName = 'A much longer name for this step, one that wraps onto three lines';
    await inspector.getByRole('textbox', { name: 'Name', exact: true }).fill(longName);
    await expect.poll(() => node(page, 's2').locator('.sn-min .sn-name').textContent()).toBe(longName);
    await expect.poll(() => card.evaluate((el) => el.getBoundingClientRect().height)).toBeGreaterThan(height);
    await page.waitForTimeout(300); // a resize is reported to React Flow on the next frame
    expect(await page.locator('.react-flow__edge').count()).toBe(edgeCount);
    expect(await detachedEdges(page)).toEqual([]);

    // Zoomed in past MINIMAL_ZOOM again: the full node, its handles and the edges' hit paths are back.
    const zoomIn = page.locator('.react-flow__controls-zoomin');
    while ((await openingGeometry(page)).zoom < MINIMAL_ZOOM) {
      await zoomIn.click();
      await page.waitForTimeout(300); // the control animates the zoom
    }
    await expect.poll(() => page.locator('.sn-min').count()).toBe(0);
    const full = page.locator('.react-flow__node').first();
    expect(await full.locator('.react-flow__handle').count()).toBeGreaterThan(0);
    expect(await full.locator('.sn-type').count()).toBe(1);
    expect(await page.locator('.react-flow__edge-interaction').count()).toBeGreaterThan(0);
    expect(await detachedEdges(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
