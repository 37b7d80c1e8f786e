/**
 * B9: what a sub-journey call costs (#20). The same two asking steps, run in process on SQLite
 * (start, then one answer to completion), inline in one journey and split across a call; and the
 * call three deep. The difference is the call's own work: loading the child's machine, running it
 * on the shared driver, and carrying its snapshot inside the caller's.
 */
import { pino } from 'pino';
import { loadConfig } from '../../engine/config.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { builtInSteps } from '../../steps/index.js';
import { tempDataDir } from '../helpers/test-server.js';
import { line, median, percentile } from './stats.js';

const ask = (option: string, next: string) => ({ type: 'form', config: { outputVariable: `v${option}`, options: [{ id: option, label: option }] }, branches: { [option]: next } });
const call = (journeyId: string, next: string) => ({ type: 'journey.call', config: { journeyId, outputVariable: 'out' }, branches: { success: next } });

const journeys = [
  { id: 'b9-inline', start: 'a', settings: { public: true }, steps: { a: ask('go', 'b'), b: ask('ok', 'done'), done: { type: 'complete', config: { claims: { x: 1 } } } } },
  { id: 'b9-leaf', start: 'b', steps: { b: ask('ok', 'done'), done: { type: 'complete', config: { claims: { x: 1 } } } } },
  { id: 'b9-caller', start: 'a', settings: { public: true }, steps: { a: ask('go', 'c'), c: call('b9-leaf', 'done'), done: { type: 'complete' } } },
  { id: 'b9-mid2', start: 'c', steps: { c: call('b9-leaf', 'done'), done: { type: 'complete' } } },
  { id: 'b9-mid1', start: 'c', steps: { c: call('b9-mid2', 'done'), done: { type: 'complete' } } },
  { id: 'b9-deep', start: 'a', settings: { public: true }, steps: { a: ask('go', 'c'), c: call('b9-mid1', 'done'), done: { type: 'complete' } } },
];

async function session(engine: Engine, journeyId: string, second: string): Promise<number> {
  const started = performance.now();
  const first = await engine.sessions.start(journeyId, {}, 'anonymous');
  const asked = await engine.sessions.submit(first.sessionId, first.sessionToken, { stepId: 'a', option: 'go' }, (b) => b as never);
  if (asked.step?.id !== second) throw new Error(`expected ${second}, got ${asked.step?.id}`);
  const done = await engine.sessions.submit(first.sessionId, first.sessionToken, { stepId: second, option: 'ok' }, (b) => b as never);
  if (done.status !== 'completed') throw new Error(`${journeyId} ended ${done.status}`);
  return performance.now() - started;
}

export async function runB9(): Promise<Record<string, number>> {
  const engine = await createEngine(loadConfig({ DATA_DIR: tempDataDir(), ADMIN_API_KEY: 'bench', LOG_LEVEL: 'silent', RATE_LIMITS: 'off' }), {
    steps: builtInSteps,
    logger: pino({ level: 'silent' }),
  });
  for (const journey of journeys) {
    await engine.admin.save(journey.id, journey as never);
    await engine.admin.publish(journey.id);
  }
  const cases: Array<[string, string, string]> = [
    ['inline (no call)', 'b9-inline', 'b'],
    ['one call', 'b9-caller', 'c/b'],
    ['three calls deep', 'b9-deep', 'c/c/c/b'],
  ];
  const results: Record<string, number> = {};
  for (const [label, id, second] of cases) {
    for (let i = 0; i < 50; i++) await session(engine, id, second); // warm: compiled machines cached
    const times: number[] = [];
    for (let i = 0; i < 300; i++) times.push(await session(engine, id, second));
    line(`B9 session of 3 requests, ${label} (median / p95)`, `${median(times).toFixed(2)} / ${percentile(times, 95).toFixed(2)} ms`);
    results[id] = median(times);
  }
  await engine.close();
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await runB9();
