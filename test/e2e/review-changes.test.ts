/**
 * "Review changes" in Chromium against a real engine (#19): before publishing, the panel lists
 * what the draft changes from the latest version (the semantic diff) and marks the steps and
 * edges added or changed on the canvas; publishing from it makes a version; the versions menu
 * compares any two versions (through GET …/diff).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { semanticDiff } from '../../engine/journey/semantic-diff.js';
import { nameFormJourney } from '../helpers/journeys.js';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';
import { node, openPage, screenshot, signIn, skipBrowser, startBrowserSuite } from './e2e-helpers.js';

const v1 = nameFormJourney('review-ui', 'Review UI') as any;

/** v1 with a greeting step before `shown`, `shown` retitled, and `no` replaced by `nope`. */
function edited() {
  const doc = structuredClone(v1);
  doc.steps.greet = { type: 'display', config: { title: 'Greetings', text: 'Nice to meet you' }, branches: { next: 'shown' } };
  doc.steps.ask.branches.go = 'greet';
  doc.steps.shown.config.title = 'Hi';
  delete doc.steps.no;
  doc.steps.nope = { type: 'reject', config: { code: 'cancelled', message: 'You cancelled' } };
  doc.steps.ask.branches.cancel = 'nope';
  return doc;
}

describe.skipIf(skipBrowser)('review changes (browser)', { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, browser } = await startBrowserSuite());
    expect(await server.publish(v1)).toBe(1);
    expect((await server.admin('PUT', '/v1/admin/journeys/review-ui', edited())).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  it('lists the changes, marks them on the canvas, publishes, and compares two versions', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'review-changes'));
    await signIn(page, server.url, ADMIN_KEY, '/designer/journeys/review-ui');
    await node(page, 'greet').waitFor();
    // No marks until a review is asked for.
    expect(await page.locator('[data-review]').count()).toBe(0);

    await page.getByTestId('review-changes').click();
    const panel = page.getByTestId('review-panel');
    await panel.waitFor();
    const expected = semanticDiff(v1, edited()).changes;
    const listed = () =>
      panel.getByTestId('review-change').evaluateAll((items) => items.map((li) => ({ kind: li.getAttribute('data-kind'), step: li.getAttribute('data-step'), path: li.getAttribute('data-path') })));
    await expect.poll(listed).toEqual(expected.map((c) => ({ kind: c.kind, step: c.stepId ?? '', path: c.path ?? '' })));
    // What the list holds, said plainly (so a diff that lost a kind would show here too).
    expect(expected.map((c) => `${c.kind} ${c.stepId}`)).toEqual([
      'branch_rewired ask',
      'branch_rewired ask',
      'step_added greet',
      'step_removed no',
      'step_added nope',
      'config_changed shown',
    ]);
    expect(await panel.getByTestId('review-count').getAttribute('data-count')).toBe('6');
    expect(await panel.locator('li[data-kind="config_changed"]').textContent()).toContain('"Hello" → "Hi"');

    // The canvas: steps added and changed, edges added and rewired; unchanged ones unmarked.
    const mark = (id: string) => page.getByTestId(`node-${id}`).getAttribute('data-review');
    await expect.poll(() => mark('greet')).toBe('added');
    expect(await mark('nope')).toBe('added');
    expect(await mark('ask')).toBe('changed');
    expect(await mark('shown')).toBe('changed');
    expect(await mark('done')).toBeNull();
    const edge = (id: string) => page.getByTestId(`rf__edge-${id}`).getAttribute('class');
    expect(await edge('ask\u2192go')).toContain('je-edge-review-changed');
    expect(await edge('ask\u2192cancel')).toContain('je-edge-review-changed');
    expect(await edge('greet\u2192next')).toContain('je-edge-review-added');
    expect(await edge('shown\u2192next')).not.toContain('je-edge-review');

    // Publishing from the review makes version 2; the panel and its marks go.
    await panel.getByTestId('review-publish').click();
    await expect.poll(() => page.getByTestId('published-version').getAttribute('data-version')).toBe('2');
    await expect.poll(() => page.locator('[data-review]').count()).toBe(0);
    expect(await page.getByTestId('review-panel').count()).toBe(0);

    // The versions menu compares any two versions: 1 → 2 (by the server), then 2 → 2 (no change).
    await page.getByTestId('versions').click();
    await page.getByTestId('compare-versions').click();
    await panel.waitFor();
    expect(await page.getByTestId('review-from').inputValue()).toBe('1');
    expect(await page.getByTestId('review-to').inputValue()).toBe('2');
    await expect.poll(listed).toEqual(expected.map((c) => ({ kind: c.kind, step: c.stepId ?? '', path: c.path ?? '' })));
    // Version 2 is not what the canvas shows (the draft): nothing is marked.
    expect(await page.locator('[data-review]').count()).toBe(0);
    await page.getByTestId('review-from').selectOption('2');
    await expect.poll(() => panel.getByTestId('review-count').getAttribute('data-count')).toBe('0');
    expect(await panel.getByTestId('review-count').textContent()).toBe('No changes');

    expect(errors).toEqual([]);
    await context.close();
  });
});
