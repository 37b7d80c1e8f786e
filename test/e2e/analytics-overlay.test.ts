/**
 * The analytics overlay in Chromium against a real engine: real sessions (completed, cancelled,
 * one abandoned and counted by the sweeper) show as counts on the edges, entered / drop-off /
 * failure figures and a heat colour on the steps, totals and a chart of outcomes, and the
 * journey's history from the audit log (who published what).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../engine/runtime/sweeper.js';
import { nameFormJourney } from '../helpers/journeys.js';
import { ADMIN_KEY, TestClock, startSession, submit, type TestServer } from '../helpers/test-server.js';
import { node, openPage, screenshot, signIn, skipBrowser, startBrowserSuite } from './e2e-helpers.js';

describe.skipIf(skipBrowser)('analytics overlay (browser)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    // The designer asks for ranges ending now: the sessions must have started now.
    ({ server, browser } = await startBrowserSuite({ clock: new TestClock(Date.now()) }));

    await server.publish(nameFormJourney('funnel-ui', 'Funnel UI'));
    for (let i = 0; i < 3; i++) {
      const s = (await startSession(server, 'funnel-ui')).body;
      const shown = (await submit(server, s, 'ask', 'go', { name: 'Ada' })).body;
      expect((await submit(server, shown, 'shown', 'continue')).body.status).toBe('completed');
    }
    const cancelled = (await startSession(server, 'funnel-ui')).body;
    expect((await submit(server, cancelled, 'ask', 'cancel')).body.status).toBe('rejected');
    // One left waiting on `ask`, then past its TTL: the sweeper counts it as abandoned there.
    await startSession(server, 'funnel-ui');
    server.clock.advance(1000);
    expect((await sweepOnce(server.engine.store, server.clock.now(), 86_400)).expired).toBe(1);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  it('shows the funnel on the canvas, totals and outcomes over time, and who published what', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'analytics-overlay'));
    await signIn(page, server.url, ADMIN_KEY, '/designer/journeys/funnel-ui');
    await node(page, 'ask').waitFor();
    // No overlay until it is asked for.
    expect(await page.locator('.sn-stats').count()).toBe(0);

    await page.getByTestId('analytics').click();
    const panel = page.getByTestId('analytics-panel');
    await panel.waitFor();

    // Steps: entered, drop-off and failure rates, and the heat level (1 of 5 abandoned on ask: 20 %).
    const ask = page.getByTestId('stats-ask');
    await expect.poll(() => ask.getAttribute('data-entered')).toBe('5');
    expect(await ask.textContent()).toBe('5 in · 20% drop · 0% fail');
    expect(await ask.getAttribute('data-heat')).toBe('3');
    await expect.poll(() => node(page, 'ask').locator('.sn').getAttribute('class')).toContain('sn-heat-3');
    expect(await page.getByTestId('stats-shown').getAttribute('data-entered')).toBe('3');
    expect(await page.getByTestId('stats-shown').getAttribute('data-heat')).toBe('0');
    expect(await page.getByTestId('stats-done').textContent()).toBe('3 in · 0% drop · 0% fail');

    // Edges: how often each branch was taken.
    const labels = async () => (await page.locator('.react-flow__edge-text').allTextContents()).sort();
    await expect.poll(labels).toEqual(['1', '3', '3']);

    // Totals and the chart.
    const total = (name: string) => panel.locator(`[data-total="${name}"] dd`).textContent();
    expect(await total('started')).toBe('5');
    expect(await total('completed')).toBe('3');
    expect(await total('rejected')).toBe('1');
    expect(await total('expired')).toBe('1');
    const chart = page.getByTestId('outcome-chart');
    const counted = async (outcome: string) =>
      (await chart.locator(`rect[data-outcome="${outcome}"]`).evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('data-count'))))).reduce((a, b) => a + b, 0);
    expect(await counted('completed')).toBe(3);
    expect(await counted('rejected')).toBe(1);
    expect(await counted('expired')).toBe(1);
    await page.getByTestId('heat-scale').waitFor();

    // Another range: the last 24 hours hold the same sessions, drawn by the hour.
    await page.getByTestId('range-24h').click();
    await expect.poll(() => page.getByTestId('range-24h').getAttribute('aria-pressed')).toBe('true');
    expect(await total('started')).toBe('5');
    expect(await counted('completed')).toBe(3);

    // History: who published what.
    const published = page.getByTestId('journey-history').locator('li[data-action="journey.published"]');
    await expect.poll(() => published.count()).toBe(1);
    expect(await published.textContent()).toMatch(/Published version 1 \(\+4 steps\)by admin/);

    // Closing the panel removes the overlay.
    await page.getByTestId('analytics').click();
    await expect.poll(() => page.locator('.sn-stats').count()).toBe(0);
    expect(await page.locator('.react-flow__edge-text').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
