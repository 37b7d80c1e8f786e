/**
 * B7: the journey analytics query (GET /v1/admin/journeys/{id}/analytics, through the
 * JourneyAnalytics service the route calls) over the figures of 1,000,000 ended sessions, on a
 * SQLite file and on PostgreSQL; and what the rollup adds to a session's final save.
 *
 * Seeding. 1,000,000 synthetic sessions of a 7-step journey over 30 days (two versions, random
 * paths: completed, rejected, failed, expired, waits drawn from a long-tailed distribution) are
 * reduced with the engine's own `funnelIncrements` (exactly the rows their final saves would have
 * added) and bulk-inserted into `journey_funnel`; running a million sessions through the engine
 * would measure the engine, not the query. The report's `started` total is checked against the
 * million. PostgreSQL needs BENCH_DATABASE_URL or TEST_DATABASE_URL (skipped without).
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { JourneyAnalytics } from '../../engine/analytics/journey-analytics.js';
import { sessionFunnel } from '../../engine/analytics/session-funnel.js';
import { openStore } from '../../engine/store/open-store.js';
import { funnelIncrements, type FunnelIncrement } from '../../engine/store/rows/funnel.js';
import type { SessionRecord, Store, TimelineEvent } from '../../engine/store/store.js';
import { freshSchema, query } from '../helpers/postgres.js';
import { tempDataDir } from '../helpers/test-server.js';
import { line, median } from './stats.js';

const SESSIONS = 1_000_000;
const DAYS = 30;
const END = Date.parse('2026-02-01T00:00:00.000Z');
const START = END - DAYS * 86_400_000;

/** A small deterministic generator (mulberry32): the same sessions every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One synthetic session's timeline: who → identify → password (retries) → mfa → done, or reject/fail/abandon on the way. */
function syntheticTimeline(rand: () => number, startedAt: number): { events: TimelineEvent[]; status: 'completed' | 'rejected' | 'failed' | 'expired'; stepId: string | null } {
  const events: TimelineEvent[] = [];
  let t = startedAt;
  const at = () => new Date(t).toISOString();
  const wait = () => (t += Math.round(500 + 60_000 * rand() ** 3));
  const step = (stepId: string, type: string) => events.push({ at: at(), stepId, type, event: 'entered' });
  const answer = (stepId: string, branch: string) => {
    wait();
    events.push({ at: at(), stepId, type: 'form', event: 'submitted', option: branch });
    events.push({ at: at(), stepId, type: 'form', event: 'branch', branch });
  };
  step('who', 'form');
  if (rand() < 0.08) return { events, status: 'expired', stepId: 'who' };
  answer('who', 'next');
  step('identify', 'user.identify');
  if (rand() < 0.05) {
    events.push({ at: at(), stepId: 'identify', type: 'user.identify', event: 'branch', branch: 'not_found' });
    step('unknown', 'reject');
    events.push({ at: at(), stepId: 'unknown', type: 'reject', event: 'ended', branch: 'rejected' });
    return { events, status: 'rejected', stepId: null };
  }
  events.push({ at: at(), stepId: 'identify', type: 'user.identify', event: 'branch', branch: 'success' });
  step('password', 'password.authenticate');
  for (let tries = 0; rand() < 0.15 && tries < 3; tries++) {
    wait();
    events.push({ at: at(), stepId: 'password', type: 'password.authenticate', event: 'submitted', option: 'verify' });
    events.push({ at: at(), stepId: 'password', type: null, event: 'error', error: { code: 'invalid_credentials', message: 'wrong' } });
  }
  if (rand() < 0.04) return { events, status: 'expired', stepId: 'password' };
  answer('password', 'success');
  step('mfa', 'totp.authenticate');
  const r = rand();
  if (r < 0.02) {
    events.push({ at: at(), stepId: 'mfa', type: 'totp.authenticate', event: 'error', error: { code: 'locked', message: 'locked' } });
    events.push({ at: at(), stepId: 'mfa', type: 'totp.authenticate', event: 'ended', branch: 'failed' });
    return { events, status: 'failed', stepId: null };
  }
  if (r < 0.05) return { events, status: 'expired', stepId: 'mfa' };
  answer('mfa', 'success');
  step('done', 'complete');
  events.push({ at: at(), stepId: 'done', type: 'complete', event: 'ended', branch: 'completed' });
  return { events, status: 'completed', stepId: null };
}

/** The rollup rows of SESSIONS synthetic sessions, summed as the final saves would have. */
function seedRows(): FunnelIncrement[] {
  const rand = random(23);
  const rows = new Map<string, FunnelIncrement>();
  const now = new Date(END);
  for (let i = 0; i < SESSIONS; i++) {
    const startedAt = START + Math.floor(rand() * (END - START - 3_600_000));
    const journeyVersion = startedAt < START + 20 * 86_400_000 ? 1 : 2;
    const session = { id: `s${i}`, journeyId: 'bench-login', journeyVersion, createdAt: new Date(startedAt).toISOString(), stepId: null as string | null };
    const { events, status, stepId } = syntheticTimeline(rand, startedAt);
    const funnel = sessionFunnel({ ...session, stepId }, events, status, now);
    for (const increment of funnelIncrements({ started: { journeyId: 'bench-login', journeyVersion, startedAt: session.createdAt }, funnel })) {
      const key = increment.slice(0, 6).join('\u0000');
      const existing = rows.get(key);
      if (existing) existing[6] += increment[6];
      else rows.set(key, [...increment]);
    }
  }
  return [...rows.values()];
}

async function timeQueries(store: Store, label: string): Promise<Record<string, number>> {
  await store.journeys.saveDraft('bench-login', { id: 'bench-login' }, new Date(START).toISOString());
  for (const version of [1, 2]) await store.journeys.publish('bench-login', `hash-${version}`, { id: 'bench-login', version }, new Date(START).toISOString());
  const analytics = new JourneyAnalytics(store, () => new Date(END));
  const full = await analytics.report('bench-login', { from: new Date(START).toISOString(), to: new Date(END).toISOString() });
  if (full.totals.started !== SESSIONS) throw new Error(`B7: the report counts ${full.totals.started} sessions, not ${SESSIONS}`);
  const cases: Array<[string, { version?: number; from?: string; to?: string }]> = [
    ['30 days, all versions', { from: new Date(START).toISOString(), to: new Date(END).toISOString() }],
    ['30 days, version 2', { version: 2, from: new Date(START).toISOString(), to: new Date(END).toISOString() }],
    ['last 24 hours', { from: new Date(END - 86_400_000).toISOString(), to: new Date(END).toISOString() }],
  ];
  const figures: Record<string, number> = {};
  for (const [name, q] of cases) {
    for (let i = 0; i < 3; i++) await analytics.report('bench-login', q);
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const started = process.hrtime.bigint();
      await analytics.report('bench-login', q);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    figures[name] = median(times);
    line(`B7 ${label}: analytics, ${name}`, `median ${median(times).toFixed(1)} ms (${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)})`);
  }
  return figures;
}

/** The final save's cost with and without its rollup: create + claim + save of sessions that end. */
async function saveCost(store: Store, label: string, perRound: number): Promise<void> {
  const record = (id: string): SessionRecord => ({
    id,
    journeyId: 'bench-save',
    journeyVersion: 1,
    documentHash: 'h',
    status: 'waiting',
    stepId: 'who',
    userId: null,
    snapshot: { context: {} },
    revision: 0,
    tokenHash: 't',
    testRun: false,
    createdAt: new Date(END).toISOString(),
    updatedAt: new Date(END).toISOString(),
    expiresAt: new Date(END + 900_000).toISOString(),
    leaseUntil: null,
  });
  const rand = random(5);
  const run = async (withRollup: boolean, n: number) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const id = `${withRollup ? 'r' : 'p'}${i}-${Math.random()}`;
      const { events, status } = syntheticTimeline(rand, END);
      const ended = status === 'expired' ? 'completed' : status;
      await store.sessions.create(record(id), events.slice(0, 1), withRollup ? { started: { journeyId: 'bench-save', journeyVersion: 1, startedAt: record(id).createdAt } } : undefined);
      const claimed = (await store.sessions.claim(id, 0, new Date(END + 15_000).toISOString(), new Date(END).toISOString()))!;
      const funnel = withRollup ? sessionFunnel({ ...record(id), journeyVersion: 1 }, events, ended, new Date(END)) : undefined;
      await store.sessions.save(id, claimed, { status: ended, stepId: null, userId: null, snapshot: { context: {} }, updatedAt: new Date(END).toISOString() }, events.slice(1), funnel ? { funnel } : undefined);
    }
    return Number(process.hrtime.bigint() - started) / 1e3 / n;
  };
  const plain: number[] = [];
  const rolled: number[] = [];
  for (let round = 0; round < 5; round++) {
    plain.push(await run(false, perRound));
    rolled.push(await run(true, perRound));
  }
  line(`B7 ${label}: start + final save, without / with the rollup`, `${median(plain).toFixed(0)} / ${median(rolled).toFixed(0)} µs per session`);
}

export async function runB7(): Promise<void> {
  const seedStarted = Date.now();
  const rows = seedRows();
  line('B7 seeding', `${SESSIONS.toLocaleString('en')} sessions → ${rows.length.toLocaleString('en')} rollup rows in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

  const dir = tempDataDir();
  try {
    const path = join(dir, 'analytics.db');
    (await openStore(`sqlite:${path}`)).close();
    const db = new Database(path);
    const insert = db.prepare('INSERT INTO journey_funnel (journey_id, journey_version, hour, step_id, metric, key, count) VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => rows.forEach((row) => insert.run(...row)))();
    db.close();
    const store = await openStore(`sqlite:${path}`);
    await timeQueries(store, 'SQLite file');
    await saveCost(store, 'SQLite file', 1000);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const baseUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (!baseUrl) {
    line('B7 PostgreSQL', 'skipped: no PostgreSQL URL (set BENCH_DATABASE_URL or TEST_DATABASE_URL)');
    return;
  }
  await query(baseUrl, 'SELECT 1');
  const schema = freshSchema(baseUrl);
  try {
    const store = await openStore(schema.url);
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      for (let i = 0; i < rows.length; i += 10_000) {
        const chunk = rows.slice(i, i + 10_000);
        await client.query(
          `INSERT INTO "${schema.name}".journey_funnel (journey_id, journey_version, hour, step_id, metric, key, count)
           SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])`,
          [0, 1, 2, 3, 4, 5, 6].map((c) => chunk.map((row) => row[c])),
        );
      }
      await client.query(`ANALYZE "${schema.name}".journey_funnel`);
    } finally {
      await client.end();
    }
    await timeQueries(store, 'PostgreSQL');
    await saveCost(store, 'PostgreSQL', 300);
    await store.close();
  } finally {
    await schema.drop();
  }
}
