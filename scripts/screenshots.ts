// Screenshots of each sample journey as it opens in the designer (docs/img/designer-<id>.png),
// shown in the README. A real engine on loopback, the built designer, Debian's Chromium: the same
// set-up as the browser suites (test/e2e/e2e-helpers.ts). Run: npx tsx scripts/screenshots.ts
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calleesFirst } from '../engine/samples.js';
import { ADMIN_KEY, startTestServer } from '../test/helpers/test-server.js';
import { ensureDesignerBuilt, launchBrowser, node, openPage, ROOT, signIn } from '../test/e2e/e2e-helpers.js';
import { openingGeometry } from '../test/e2e/opening-geometry.js';

const out = join(ROOT, 'docs', 'img');
mkdirSync(out, { recursive: true });
// Callees first: a sample that calls another (login calls mfa) is published after it.
const samples = calleesFirst(
  readdirSync(join(ROOT, 'journeys'))
    .filter((f) => f.endsWith('.json') && !f.endsWith('.test.json'))
    .map((f) => JSON.parse(readFileSync(join(ROOT, 'journeys', f), 'utf8'))),
) as unknown as Array<{ id: string; start: string }>;

const [server] = await Promise.all([startTestServer(), ensureDesignerBuilt()]);
const browser = await launchBrowser();
try {
  for (const sample of samples) await server.publish(sample as never);
  const { page } = await openPage(browser, { viewport: { width: 1440, height: 900 } });
  await signIn(page, server.url, ADMIN_KEY);
  await page.getByTestId('new-journey').waitFor();
  for (const sample of samples) {
    await page.goto(`${server.url}/designer/journeys/${sample.id}`);
    await node(page, sample.start).waitFor();
    // Past the canvas' idle work (edge routes from auto-layout): the view a person sees.
    await page.locator('.je-canvas[data-routes="on"]').waitFor({ timeout: 5000 }).catch(() => undefined);
    await page.waitForTimeout(300);
    const g = await openingGeometry(page);
    await page.screenshot({ path: join(out, `designer-${sample.id}.png`) });
    console.log(`docs/img/designer-${sample.id}.png: zoom ${g.zoom.toFixed(2)}, ${g.visible.length}/${g.steps} steps in view, none cut off: ${g.clipped.length === 0}`);
  }
} finally {
  await browser.close();
  await server.close({ remove: true });
}
