/**
 * B2: in-process step throughput, through the same SessionService the HTTP routes use, on a
 * durable SQLite file and on an in-memory SQLite database. One core (the event loop).
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../engine/config.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import type { Journey } from '../../engine/journey/journey-schema.js';
import { builtInSteps } from '../../steps/index.js';
import { tempDataDir } from '../helpers/test-server.js';
import { setVariablesChain } from './fixtures.js';
import { profiled, reportParts } from './profile-parts.js';
import { line, median } from './stats.js';

async function engineOn(databaseUrl: string, dataDir: string): Promise<Engine> {
  const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, ADMIN_API_KEY: 'bench', LOG_LEVEL: 'silent', RATE_LIMITS: 'off' });
  return createEngine(config, { steps: builtInSteps, logger: pino({ level: 'silent' }) });
}

const CHAIN = setVariablesChain(20) as unknown as Journey;
const STEPS_PER_CHAIN = 21; // 20 set-variables + complete

async function runChains(engine: Engine, sessions: number): Promise<void> {
  for (let i = 0; i < sessions; i++) {
    const response = await engine.sessions.start(CHAIN.id, {}, 'admin');
    if (response.status !== 'completed') throw new Error('the chain did not complete');
  }
}

async function chainThroughput(engine: Engine, sessions: number): Promise<number> {
  await engine.admin.save(CHAIN.id, CHAIN as never);
  await engine.admin.publish(CHAIN.id);
  await runChains(engine, 50); // warm-up
  const started = process.hrtime.bigint();
  await runChains(engine, sessions);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (sessions * STEPS_PER_CHAIN) / seconds;
}

/** Where a chain step's CPU goes (the engine must already have the chain published). */
async function chainBreakdown(engine: Engine, label: string): Promise<void> {
  const before = process.cpuUsage();
  await runChains(engine, 300);
  const used = process.cpuUsage(before);
  const keep = process.env.B2_BREAKDOWN_PROFILE; // a directory: one profile per database
  const profile = await profiled(() => runChains(engine, 300), keep && join(keep, `b2-${label.replace(/\W+/g, '-')}.cpuprofile`));
  reportParts(`B2 breakdown: chain step, ${label}`, 'step', (used.user + used.system) / (300 * STEPS_PER_CHAIN), profile);
}

async function formTotpThroughput(engine: Engine, sessions: number): Promise<number> {
  // form → display → complete: a waiting step, a round trip, a token; TOTP itself is measured in B1.
  const journey = {
    id: 'form-complete',
    start: 'ask',
    settings: { public: true },
    steps: {
      ask: { type: 'form', config: { outputVariable: 'a', options: [{ id: 'go', schema: { type: 'object', properties: { name: { type: 'string' } } } }] }, branches: { go: 'done' } },
      done: { type: 'complete', config: { claims: { name: '{% a.name %}' } } },
    },
  };
  await engine.admin.save(journey.id, journey as never);
  await engine.admin.publish(journey.id);
  const started = process.hrtime.bigint();
  for (let i = 0; i < sessions; i++) {
    const first = await engine.sessions.start(journey.id, {}, 'admin');
    const done = await engine.sessions.submit(first.sessionId, first.sessionToken, { stepId: 'ask', option: 'go', data: { name: 'x' } }, (b) => b as never);
    if (done.status !== 'completed') throw new Error('did not complete');
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (sessions * 2) / seconds;
}

export async function runB2(): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  for (const [label, url] of [
    ['SQLite file (WAL)', (dir: string) => `sqlite:${join(dir, 'bench.db')}`],
    ['SQLite in memory', () => 'sqlite::memory:'],
  ] as const) {
    const dir = tempDataDir();
    const engine = await engineOn(url(dir), dir);
    const runs: number[] = [];
    for (let r = 0; r < 3; r++) runs.push(await chainThroughput(engine, 300));
    results[`chain ${label}`] = median(runs);
    line(`B2 20-step set-variables chain, ${label}`, `${Math.round(median(runs))} steps/s (median of 3)`);
    await chainBreakdown(engine, label);
    const formRuns: number[] = [];
    for (let r = 0; r < 3; r++) formRuns.push(await formTotpThroughput(engine, 200));
    results[`form ${label}`] = median(formRuns);
    line(`B2 form → complete (two requests), ${label}`, `${Math.round(median(formRuns))} steps/s (median of 3)`);
    await engine.close();
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await runB2();
