/**
 * Benchmark (not a test): time to first full render of a generated 500-step journey in the
 * designer, in headless Chromium against a real engine. Part of `npm run bench` (skipped, with the
 * reason printed, when /usr/bin/chromium is missing), or alone:
 *
 *   npx tsx test/bench/designer-render.ts [--steps 500] [--runs 5] [--trace]
 *
 * "First full render": the view is complete: every step in the viewport is rendered and measured,
 * edges drawn, and nothing changed for two animation frames (so it has been painted). Past 150
 * steps the designer opens on the start of the journey at a readable zoom and renders what is in
 * view; the script then also fits the whole journey in view and times all 500 nodes and their
 * edges rendering. Reported from navigation start (server time included), and from the moment
 * the journey document arrived. Goals (#24): opening view < 400 ms, fit view < 500 ms (medians).
 * `--trace` records Chromium's timeline during each fit view and prints where the main thread's
 * time went (script, style, layout, paint; trace-breakdown.ts).
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { buildDesignerIf, designerStale } from '../../scripts/build-designer.js';
import { ADMIN_KEY, startTestServer } from '../helpers/test-server.js';
import { line } from './stats.js';
import { summariseTrace, traceDuring, type TraceSummary } from './trace-breakdown.js';

const CHROMIUM = '/usr/bin/chromium';
/** #24's goals, medians in headless Chromium. */
const GOALS = { openingView: 400, fitView: 500 } as const;

/** A long sign-in-like journey: forms, conditions, variables, OTP and TOTP steps, outcomes on the side. */
export function generateJourney(count: number) {
  const steps: Record<string, unknown> = {};
  const layout: Record<string, { x: number; y: number }> = {};
  const perRow = 20;
  const id = (i: number) => `s${i}`;
  for (let i = 0; i < count; i++) {
    const next = i + 1 < count ? id(i + 1) : null;
    const x = (i % perRow) * 300;
    const y = Math.floor(i / perRow) * 220;
    layout[id(i)] = { x, y };
    if (!next) {
      steps[id(i)] = { type: 'complete', name: 'Done', config: { claims: { step: i } } };
      continue;
    }
    switch (i % 6) {
      case 0:
        steps[id(i)] = {
          type: 'form',
          name: `Ask ${i}`,
          config: {
            outputVariable: `answer${i}`,
            title: `Question ${i}`,
            options: [
              { id: 'next', label: 'Next', schema: { type: 'object', properties: { value: { type: 'string', title: 'Value' } } } },
              { id: 'back', label: 'Back' },
            ],
          },
          branches: { next, back: i > 0 ? id(i - 6) : next },
        };
        break;
      case 1:
        steps[id(i)] = { type: 'condition', name: `Check ${i}`, config: { expression: `{% answer${i - 1}.value != 'stop' %}` }, branches: { true: next, false: id(count - 1) } };
        break;
      case 2:
        steps[id(i)] = { type: 'set-variables', name: `Count ${i}`, config: { assign: { [`n${i}`]: `{% ${i} + 1 %}` } }, branches: { next } };
        break;
      case 3:
        steps[id(i)] = {
          type: 'switch',
          name: `Route ${i}`,
          config: { cases: [{ id: 'a', when: `{% n${i - 1} > 1 %}` }, { id: 'b', when: '{% false %}' }] },
          branches: { a: next, b: next, default: next },
        };
        break;
      case 4:
        steps[id(i)] = { type: 'user.identify', name: `Identify ${i}`, config: { username: `{% answer${i - 4}.value %}`, mode: 'find-or-create' }, branches: { success: next, failure: id(count - 1) } };
        break;
      default:
        steps[id(i)] = { type: 'display', name: `Show ${i}`, config: { title: `Step ${i}`, text: 'Continue' }, branches: { next } };
    }
  }
  return { id: `bench-${count}`, name: `Benchmark (${count} steps)`, start: id(0), settings: { public: false }, steps, layout };
}

/**
 * In the page: resolves once the view is completely rendered: at least one node, every rendered
 * node measured (visible), every edge between rendered nodes drawn, every step whose box lies in
 * the viewport rendered, and nothing new for two frames (then it has been painted).
 * LAYOUT is the journey's layout, EXPECT_ALL the number of nodes required (0: those in view).
 */
const WAIT_FOR_VIEW = `new Promise((resolve, reject) => {
  const layout = LAYOUT;
  const expectAll = EXPECT_ALL;
  const deadline = performance.now() + 30000;
  let stable = 0;
  let last = -1;
  const inView = () => {
    const pane = document.querySelector('.react-flow__renderer').getBoundingClientRect();
    const m = new DOMMatrixReadOnly(getComputedStyle(document.querySelector('.react-flow__viewport')).transform);
    const x0 = -m.e / m.a, y0 = -m.f / m.d, x1 = x0 + pane.width / m.a, y1 = y0 + pane.height / m.d;
    return Object.entries(layout).filter(([, p]) => p.x >= x0 && p.y >= y0 && p.x + 220 <= x1 && p.y + 60 <= y1).map(([id]) => id);
  };
  const check = () => {
    const rendered = [...document.querySelectorAll('.react-flow__node')];
    const ids = new Set(rendered.map((el) => el.dataset.id));
    const hidden = rendered.some((el) => el.style.visibility === 'hidden');
    const edges = document.querySelectorAll('.react-flow__edge').length;
    const complete = rendered.length > 0 && !hidden && edges > 0 && (expectAll ? rendered.length === expectAll : inView().every((id) => ids.has(id)));
    if (complete && rendered.length === last) stable++;
    else stable = 0;
    last = rendered.length;
    if (stable >= 2) {
      const now = performance.now();
      const loaded = performance.getEntriesByName('journey:loaded')[0];
      resolve({ at: now, fromData: now - (loaded ? loaded.startTime : 0), nodes: rendered.length, edges });
      return;
    }
    if (performance.now() > deadline) reject(new Error('not rendered: ' + rendered.length + ' nodes'));
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})`;

export interface DesignerOptions {
  steps?: number;
  runs?: number;
  /** Record a timeline during each fit view and print where the time went. */
  trace?: boolean;
}

export async function runDesigner(options: DesignerOptions = {}): Promise<void> {
  const STEPS = options.steps ?? 500;
  const RUNS = options.runs ?? 5;
  if (!existsSync(CHROMIUM)) {
    line(`designer render, ${STEPS} steps`, `skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
    return;
  }
  await buildDesignerIf(designerStale);
  const server = await startTestServer({ env: { RATE_LIMITS: 'off' } });
  const journey = generateJourney(STEPS);
  const saved = await server.admin('PUT', `/v1/admin/journeys/${journey.id}`, journey);
  if (saved.status !== 200) throw new Error(`could not save the journey: ${JSON.stringify(saved.body)}`);
  const edgeCount = Object.values(journey.steps).reduce<number>((n, s) => n + Object.keys((s as { branches?: object }).branches ?? {}).length, 0);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // CPU time of the browser's processes (renderer, GPU, browser): what the page costs in CPU,
  // which, unlike wall time, hardly moves with what else the machine runs.
  const browserCdp = await browser.newBrowserCDPSession();
  const cpuTime = async () => ((await browserCdp.send('SystemInfo.getProcessInfo')).processInfo as Array<{ cpuTime: number }>).reduce((sum, p) => sum + p.cpuTime * 1000, 0);
  type Timing = { at: number; fromData: number; nodes: number; edges: number };
  type Requests = { journeyAsked: number; journeyArrived: number; codeArrived: number };
  const results: Array<{ view: Timing; busy: number; all: number; allBusy: number; allCpu: number; allNodes: number; allEdges: number; elements: number; requests: Requests; trace?: TraceSummary }> = [];
  const script = (expectAll: number) => WAIT_FOR_VIEW.replace('LAYOUT', JSON.stringify(journey.layout)).replace('EXPECT_ALL', String(expectAll));
  try {
    for (let run = 0; run <= RUNS; run++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      // A string, not a function: tsx would wrap a function with helpers the page does not have.
      await context.addInitScript(`sessionStorage.setItem('journey-designer.admin-key', ${JSON.stringify(ADMIN_KEY)})`);
      const page = await context.newPage();
      // Main-thread busy time (CDP TaskDuration): what the page itself costs, whatever else the machine runs.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      await page.goto(`${server.url}/designer/journeys/${journey.id}`);
      const view = (await page.evaluate(script(0))) as Timing;
      const taskTime = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
      const busy = await taskTime();
      // Diagnostics only (not part of the measure): when the journey was asked for and arrived, when the last of the page's scripts arrived.
      const requests = (await page.evaluate(`(() => {
        const entries = performance.getEntriesByType('resource');
        const journey = entries.find((e) => e.name.endsWith('/v1/admin/journeys/${journey.id}'));
        const scripts = entries.filter((e) => (e.initiatorType === 'script' || e.initiatorType === 'link') && /\\.js$/.test(e.name) && e.startTime < ${Math.round(view.at)});
        return { journeyAsked: journey ? journey.startTime : NaN, journeyArrived: journey ? journey.responseEnd : NaN, codeArrived: Math.max(0, ...scripts.map((e) => e.responseEnd)) };
      })()`)) as Requests;
      // Then everything at once: fit the whole journey in view, all nodes rendered.
      const fit = async () => {
        const busyBefore = await taskTime();
        const cpuBefore = await cpuTime();
        const before = (await page.evaluate('performance.now()')) as number;
        await page.locator('.react-flow__controls-fitview').click();
        const all = (await page.evaluate(script(STEPS))) as Timing;
        return { all, took: all.at - before, busy: (await taskTime()) - busyBefore, cpu: (await cpuTime()) - cpuBefore };
      };
      const { result: fitted, trace } = options.trace ? await traceDuring(cdp, fit) : { result: await fit(), trace: undefined };
      const elements = (await page.evaluate(`document.querySelector('.react-flow__viewport').querySelectorAll('*').length`)) as number;
      // The first run warms the server and the cache.
      if (run > 0) results.push({ view, busy, all: fitted.took, allBusy: fitted.busy, allCpu: fitted.cpu, allNodes: fitted.all.nodes, allEdges: fitted.all.edges, elements, requests, trace: trace && summariseTrace(trace) });
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close({ remove: true });
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const fmt = (ms: number) => `${Math.round(ms)} ms`;
  console.log(`designer render, ${STEPS} steps and ${edgeCount} edges, ${RUNS} runs after one warm-up (headless Chromium, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}):`);
  const list = (values: number[]) => values.map(fmt).join(', ');
  const view = results.map((r) => r.view.at);
  console.log(`  opening view, first full render from navigation start: median ${fmt(median(view))} (${list(view)})`);
  console.log(`    of which after the journey arrived:                  median ${fmt(median(results.map((r) => r.view.fromData)))}`);
  console.log(`    main-thread busy time until then:                    median ${fmt(median(results.map((r) => r.busy)))} (${list(results.map((r) => r.busy))})`);
  const at = (key: keyof Requests) => fmt(median(results.map((r) => r.requests[key])));
  console.log(`    journey asked for at ${at('journeyAsked')}, arrived at ${at('journeyArrived')}; scripts arrived by ${at('codeArrived')} (medians)`);
  console.log(`    nodes in view: ${results[0].view.nodes} of ${STEPS}`);
  const all = results.map((r) => r.all);
  console.log(`  fit view, all ${results[0].allNodes} nodes and ${results[0].allEdges} edges rendered: median ${fmt(median(all))} (${list(all)})`);
  console.log(`    main-thread busy time meanwhile:                      median ${fmt(median(results.map((r) => r.allBusy)))} (${list(results.map((r) => r.allBusy))})`);
  console.log(`    CPU time of the browser's processes meanwhile:       median ${fmt(median(results.map((r) => r.allCpu)))} (${list(results.map((r) => r.allCpu))})`);
  console.log(`    DOM elements in the viewport after fit view: ${results[0].elements}`);
  const traces = results.flatMap((r) => (r.trace ? [r.trace] : []));
  if (traces.length) {
    const parts = Object.keys(traces[0]) as Array<keyof TraceSummary>;
    console.log(`    where fit view's time went (medians of ${traces.length} traces): ${parts.map((p) => `${p} ${fmt(median(traces.map((t) => t[p])))}`).join(', ')}`);
  }
  const verdict = (value: number, goal: number) => (value < goal ? `met (< ${goal} ms)` : `NOT met (goal < ${goal} ms)`);
  console.log(`  goals (#24): opening view ${verdict(median(view), GOALS.openingView)}; fit view ${verdict(median(all), GOALS.fitView)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  await runDesigner({ steps: arg('steps', 500), runs: arg('runs', 5), trace: process.argv.includes('--trace') });
}
