/**
 * Browser tests: a real engine over loopback HTTP (startTestServer), the designer built with Vite
 * when designer/dist is missing or older than its sources, and Debian's Chromium driven by
 * playwright-core. Without /usr/bin/chromium the suites skip with a printed reason, except under
 * CI=true, where they fail. A failing test leaves a screenshot in test-results/.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const RESULTS = join(ROOT, 'test-results');

const missing = !existsSync(CHROMIUM);
const ci = process.env.CI === 'true';

/** True when the browser suites must be skipped (never under CI). */
export const skipBrowser = missing && !ci;
if (skipBrowser) {
  console.warn(`[e2e] skipped: ${CHROMIUM} is not installed (apt-get install -y chromium). With CI=true these tests fail instead.`);
}

/** Builds designer/dist when it is missing or stale (concurrent suites share one build). */
export async function ensureDesignerBuilt(): Promise<void> {
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  await promisify(execFile)(process.execPath, [tsx, join(ROOT, 'scripts', 'build-designer.ts'), '--if-stale'], {
    cwd: ROOT,
    timeout: 120_000,
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

export async function launchBrowser(): Promise<Browser> {
  if (missing) throw new Error(`Chromium is required for the browser tests (CI=true): install it at ${CHROMIUM} (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** A browser suite's usual start: the engine and the designer build side by side, then Chromium. */
export async function startBrowserSuite(options?: Parameters<typeof startTestServer>[0]): Promise<{ server: TestServer; browser: Browser }> {
  const [server] = await Promise.all([startTestServer(options), ensureDesignerBuilt()]);
  return { server, browser: await launchBrowser() };
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  /** The browser's language (navigator.languages and Accept-Language), e.g. 'fr-FR'. */
  locale?: string;
}

/** A fresh browser context and page, with console errors collected for assertions and failure reports. */
export async function openPage(browser: Browser, options: PageOptions = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 900 }, acceptDownloads: true, ...(options.locale ? { locale: options.locale } : {}) });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  // Content-Security-Policy violations count as errors: Chromium reports them on the console (the
  // page's and its workers'), and the document fires securitypolicyviolation (listened to before
  // any page script runs; init scripts are not subject to the page's CSP).
  page.on('console', (message) => {
    if (/Content Security Policy|securitypolicyviolation/i.test(message.text())) errors.push(`csp: ${message.text()}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`securitypolicyviolation: ${event.effectiveDirective} blocked ${event.blockedURI || '(inline)'} at ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  return { context, page, errors };
}

/** Saves a full-page screenshot of `page` under test-results/ (call it from onTestFailed). */
export async function screenshot(page: Page | undefined, name: string): Promise<void> {
  if (!page || page.isClosed()) return;
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 120)}.png`);
  try {
    await page.screenshot({ path: file, fullPage: true });
    console.warn(`[e2e] screenshot of the failure: ${file}`);
  } catch {
    // the page may be gone with the failure
  }
}

/** Signs in to the designer with the admin key. */
export async function signIn(page: Page, baseUrl: string, key: string, path = '/designer/'): Promise<void> {
  await page.goto(baseUrl + path);
  await page.getByTestId('admin-key').fill(key);
  await page.getByTestId('sign-in').click();
}

/** Drags a palette item onto the canvas at a point relative to the canvas' top-left corner. */
export async function dragFromPalette(page: Page, type: string, at: { x: number; y: number }): Promise<void> {
  const canvas = page.locator('.je-canvas .react-flow__pane');
  await page.getByTestId(`palette-${type}`).dragTo(canvas, { targetPosition: at });
}

/** Drags from a node's branch handle to another node's input handle, with real mouse moves. */
export async function connectHandles(page: Page, source: string, branch: string, target: string): Promise<void> {
  const from = page.locator(`.react-flow__node[data-id="${source}"] .react-flow__handle[data-handleid="${branch}"]`);
  const to = page.locator(`.react-flow__node[data-id="${target}"] .react-flow__handle.target`);
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 10, { steps: 6 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 6 });
  await page.mouse.up();
}

export const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

/**
 * Chromium's virtual authenticator on the page (the DevTools protocol's WebAuthn domain): a
 * platform authenticator with resident keys and user verification, as a phone or laptop has.
 */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { cdp, authenticatorId };
}
