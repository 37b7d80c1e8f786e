/**
 * B4: the login-TOTP journey on PostgreSQL, one engine process against two processes sharing the
 * database, at the same total concurrency, measured side by side in one run (the configurations
 * alternate over rounds, medians) and reported with the ratio 2 processes / 1 process.
 *
 * Needs a PostgreSQL URL in BENCH_DATABASE_URL or TEST_DATABASE_URL (skipped with a printed reason
 * otherwise). Each run works in a fresh schema of its own, dropped at the end.
 *
 * How the load reaches two processes. autocannon keeps each connection on one server, and a
 * session must be started on one process and submitted to the OTHER (that is what scale-out means
 * here: any process takes any session, through the session's compare-and-set lease). So two
 * autocannon instances run in parallel, one per port, each with half the connections. Every
 * connection loops start → submit on its own port, but the session it submits is one that the
 * other instance started (handed over through an in-memory queue); its own fresh session goes to
 * the other instance's queue. The queues are primed before each round so that neither starves;
 * if one still runs dry (one server briefly faster than the other), that connection submits its
 * own session on its own process instead, and the share of sessions that really moved is printed.
 * The one-process configuration runs the very same generator with both instances on the same port,
 * so the two configurations differ only in where the second half of the connections lands: no
 * proxy hop is added to either, and the load generator's own CPU cost is the same in both.
 *
 * Every login uses a different enrolled user, since a TOTP code is accepted once per time step.
 * The machines are 2-core VMs shared by the load generator, PostgreSQL, the engine processes and
 * other people's work, so a second process can only gain what cores are left: each round also
 * prints the cores each part used (from /proc) and logins per CPU-second of our own processes.
 * Each process has its own pool (`pool_size` in the URL, else the engine's default); the peak of
 * open connections per process is read from pg_stat_activity by application_name.
 *
 * Knobs: B4_CONNECTIONS (total, default 16 as in B1), B4_SECONDS, B4_ROUNDS, B4_ROUND_BUDGET
 * (users per round), B4_LOCAL=1 (adds "2 processes, sessions stay" as a diagnostic).
 */
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import pg from 'pg';
import { parsePostgresUrl } from '../../engine/store/postgres/pool.js';
import { newSecret } from '../../steps/totp-common/totp.js';
import { tempDataDir } from '../helpers/test-server.js';
import { codesFor, startChild, stop } from './b1-login-totp.js';
import { enrolTotpUsers, loginTotpEngine } from './login-totp-engine.js';
import { line, median, percentile } from './stats.js';

const CONNECTIONS = Number(process.env.B4_CONNECTIONS ?? 16); // total, as in B1; half per autocannon instance
const DURATION_SECONDS = Number(process.env.B4_SECONDS ?? 6);
const WARMUP_SECONDS = 3;
const ROUNDS = Number(process.env.B4_ROUNDS ?? 3);
// Logins one round may use; far above what 2 cores reach on PostgreSQL (the round fails if not).
const ROUND_BUDGET = Number(process.env.B4_ROUND_BUDGET ?? 4_000);
// Sessions waiting in each hand-over queue when a round starts: a few per connection, so a
// momentary imbalance between the two processes does not force local submits.
const PRIMED_PER_CONNECTION = 4;
const PORTS = [3711, 3712] as const;
const APP_NAME = 'journey_bench_b4_';
const START_PATH = '/v1/journeys/login-totp/start';

interface Session {
  sessionId: string;
  sessionToken: string;
  port: number;
}

interface RoundResult {
  loginsPerSecond: number;
  p50: number;
  p99: number;
  /** Share of submits that went to a process other than the one that started the session. */
  moved: number;
  /** Peak PostgreSQL connections open per engine process during the round. */
  connections: number[];
  /** Cores used per component while the load ran (null without Linux /proc). */
  cpu: Cores | null;
}

interface Cores {
  engine: number;
  postgres: number;
  load: number;
  /** Everything else busy on the machine: other people's work on this shared VM. */
  other: number;
}

/** Where the two halves of the connections go, and whether sessions are handed over between them. */
interface Layout {
  label: string;
  ports: readonly [number, number];
  exchange: boolean;
  processes: number;
}

function databaseUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
}

function withParams(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [name, value] of Object.entries(params)) parsed.searchParams.set(name, value);
  return parsed.toString();
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Publishes login-totp and enrols one TOTP user per secret, through the engine's own store. */
async function prepare(url: string, secretKeyHex: string, secrets: string[]): Promise<void> {
  const engine = await loginTotpEngine({ dataDir: tempDataDir(), databaseUrl: url, secretKeyHex });
  try {
    // Several inserts in flight (the pool has several connections): one at a time, each a round
    // trip to the server, enrolling tens of thousands of users would take minutes.
    await enrolTotpUsers(engine, secretKeyHex, secrets, 8);
  } finally {
    await engine.close();
  }
}

async function startSession(port: number): Promise<Session> {
  const response = await fetch(`http://127.0.0.1:${port}${START_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (response.status !== 200) throw new Error(`start on ${port}: HTTP ${response.status}`);
  const started = (await response.json()) as { sessionId: string; sessionToken: string };
  return { ...started, port };
}

/** Peak connections per engine process (by application_name) while `work` runs. */
async function watchConnections<T>(adminUrl: string, processes: number, work: () => Promise<T>): Promise<{ result: T; peaks: number[] }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const peaks = new Array<number>(processes).fill(0);
  const sample = async () => {
    const rows = await client.query<{ name: string; n: string }>(
      `SELECT application_name AS name, count(*) AS n FROM pg_stat_activity WHERE application_name LIKE $1 GROUP BY 1`,
      [`${APP_NAME}%`],
    );
    for (const row of rows.rows) {
      const index = Number(row.name.slice(APP_NAME.length)) - 1;
      if (index >= 0 && index < processes) peaks[index] = Math.max(peaks[index], Number(row.n));
    }
  };
  let sampling = Promise.resolve();
  // Twice a second: enough to see the pools at their peak, too rare to load the server.
  const timer = setInterval(() => {
    sampling = sampling.then(sample).catch(() => {});
  }, 500);
  try {
    const result = await work();
    return { result, peaks };
  } finally {
    clearInterval(timer);
    await sampling;
    await client.end();
  }
}

/** CPU time so far, in seconds: the engine processes, PostgreSQL's processes, this process, the machine. */
interface CpuSample {
  engines: number;
  postgres: number;
  generator: number;
  busy: number;
  total: number;
}

const TICK = 1 / 100; // USER_HZ: /proc reports CPU time in 1/100 s on Linux

/** utime + stime of a process from /proc/PID/stat, 0 when it is gone. */
function processCpu(pid: number): { comm: string; seconds: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' '); // fields from the 3rd (state) on
    return { comm: stat.slice(stat.indexOf('(') + 1, close), seconds: (Number(fields[11]) + Number(fields[12])) * TICK };
  } catch {
    return { comm: '', seconds: 0 };
  }
}

/**
 * Where the 2 cores go during a round (Linux /proc; null elsewhere). PostgreSQL is every process
 * named postgres (backends that exit mid-round drop out, so it is a floor); the machine's busy time
 * also counts other work on this shared machine, reported as "other".
 */
function cpuSample(enginePids: number[]): CpuSample | null {
  try {
    const machine = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = machine[3] + machine[4];
    const total = machine.reduce((a, b) => a + b, 0);
    let postgres = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cpu = processCpu(Number(entry));
      if (cpu.comm === 'postgres') postgres += cpu.seconds;
    }
    const usage = process.cpuUsage();
    return {
      engines: enginePids.reduce((sum, pid) => sum + processCpu(pid).seconds, 0),
      postgres,
      generator: (usage.user + usage.system) / 1e6,
      busy: (total - idle) * TICK,
      total: total * TICK,
    };
  } catch {
    return null;
  }
}

/** Cores used per component between two samples: e.g. 1.0 is one core busy the whole time. */
function coresUsed(before: CpuSample | null, after: CpuSample | null, seconds: number): Cores | null {
  if (!before || !after) return null;
  const cores = (key: keyof CpuSample) => (after[key] - before[key]) / seconds;
  const other = cores('busy') - cores('engines') - cores('postgres') - cores('generator');
  return { engine: cores('engines'), postgres: cores('postgres'), load: cores('generator'), other: Math.max(0, other) };
}

/**
 * Logins per CPU-second spent by this benchmark's own processes (engines, PostgreSQL, load
 * generator): unlike logins/s it does not depend on how many cores other work leaves free, so it
 * shows whether a second process adds work per login (moving sessions, a second pool).
 */
function perCpuSecond(rate: number, c: Cores | null): number | null {
  return c ? rate / (c.engine + c.postgres + c.load) : null;
}

function formatCores(c: Cores | null): string {
  return c ? `engine ${c.engine.toFixed(2)}, postgres ${c.postgres.toFixed(2)}, load generator ${c.load.toFixed(2)}, other work ${c.other.toFixed(2)}` : 'n/a (no /proc)';
}

/**
 * One round: two autocannon instances, on `ports[0]` and `ports[1]` (the same port for one
 * process), half the connections each, sessions handed over between them (see the top comment)
 * unless `exchange` is false (the B4_LOCAL diagnostic: two processes, every session stays put).
 */
async function round(layout: Layout, enginePids: number[], secrets: string[], users: { next: number }, seconds: number): Promise<Omit<RoundResult, 'connections'>> {
  const { ports, exchange } = layout;
  const first = users.next;
  const codes = await codesFor(secrets, first, ROUND_BUDGET); // valid for the round (window 1)
  const perInstance = CONNECTIONS / 2;
  // queues[k]: sessions instance k will submit, started by the other instance.
  const queues: Session[][] = [[], []];
  await Promise.all(
    [0, 1].map(async (k) => {
      for (let i = 0; i < PRIMED_PER_CONNECTION * perInstance; i++) queues[1 - k].push(await startSession(ports[k]));
    }),
  );
  let next = 0;
  let completed = 0;
  let refused = 0;
  let moved = 0;
  let failed = 0;
  const latencies: number[] = [];
  const instance = (k: 0 | 1) => {
    const port = ports[k];
    // Without a callback autocannon returns its instance (an EventEmitter) made thenable; the
    // 'response' listener gets the client first (autocannon's README), which @types/autocannon omits.
    const cannon = autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: perInstance,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: START_PATH,
          headers: { 'content-type': 'application/json' },
          body: '{}',
          onResponse: (status: number, body: string, context: { own?: Session }) => {
            if (status !== 200) return void failed++;
            const started = JSON.parse(body) as { sessionId: string; sessionToken: string };
            context.own = { sessionId: started.sessionId, sessionToken: started.sessionToken, port };
          },
        },
        {
          method: 'POST',
          setupRequest: (request: Record<string, unknown>, context: { own?: Session }) => {
            const own = context.own;
            // The start failed (counted above): nothing to submit, so begin the chain again.
            if (!own) return null;
            context.own = undefined;
            // Take a session the other instance started; hand ours over in exchange. A dry queue
            // (one side momentarily ahead) means submitting our own session here.
            const theirs = exchange ? queues[k].shift() : undefined;
            if (theirs) queues[1 - k].push(own);
            const session = theirs ?? own;
            if (session.port !== port) moved++;
            const i = next++;
            if (i >= ROUND_BUDGET) throw new Error('B4: the round used more users than prepared (raise B4_ROUND_BUDGET)');
            return {
              ...request,
              path: `/v1/sessions/${session.sessionId}/submit`,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${session.sessionToken}` },
              body: JSON.stringify({ stepId: 'login', option: 'totp', data: { username: `user${first + i}`, totp_code: codes[i] } }),
            };
          },
          onResponse: (status: number, body: string) => {
            if (status === 200 && (JSON.parse(body) as { status?: string }).status === 'completed') completed++;
            else refused++;
          },
        },
      ],
    } as autocannon.Options) as unknown as NodeJS.EventEmitter & Promise<autocannon.Result>;
    // Latencies of every request (start and submit) of both instances, as autocannon reports
    // them in B1, pooled so that the percentiles are over the whole load, not per instance.
    cannon.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
    return cannon;
  };
  const before = cpuSample(enginePids);
  const started = process.hrtime.bigint();
  const results = await Promise.all([instance(0), instance(1)]);
  const cpu = coresUsed(before, cpuSample(enginePids), Number(process.hrtime.bigint() - started) / 1e9);
  users.next += next;
  const errors = results.reduce((sum, r) => sum + r.errors + r.non2xx, 0) + failed;
  if (refused > 0 || errors > 0) throw new Error(`B4 on ${ports.join('+')}: ${refused} logins did not complete, ${errors} errors`);
  return {
    loginsPerSecond: completed / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    moved: next === 0 ? 0 : moved / next,
    cpu,
  };
}

export async function runB4(): Promise<Record<string, number>> {
  const baseUrl = databaseUrl();
  if (!baseUrl) {
    line('B4 one vs two processes on PostgreSQL', 'skipped: no PostgreSQL URL (set BENCH_DATABASE_URL or TEST_DATABASE_URL)');
    return {};
  }
  try {
    await query(baseUrl, 'SELECT 1');
  } catch (error) {
    throw new Error(`B4: the PostgreSQL URL is set but the server cannot be reached: ${(error as Error).message}`);
  }
  const schema = `bench_b4_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const schemaUrl = withParams(baseUrl, { schema });
  const poolSize = parsePostgresUrl(schemaUrl).poolSize;
  const one: Layout = { label: '1 process', ports: [PORTS[0], PORTS[0]], exchange: true, processes: 1 };
  const two: Layout = { label: '2 processes', ports: PORTS, exchange: true, processes: 2 };
  // B4_LOCAL=1 adds a diagnostic: two processes, each session submitted where it started, which
  // separates the cost of a second process from the cost of sessions moving between processes.
  const local: Layout = { label: '2 processes, sessions stay', ports: PORTS, exchange: false, processes: 2 };
  const layouts = process.env.B4_LOCAL === '1' ? [one, two, local] : [one, two];
  // Warm-up (one round of each of two configurations) plus every measured round.
  const usersNeeded = ROUND_BUDGET * (2 + layouts.length * ROUNDS);
  const secretKeyHex = randomBytes(32).toString('hex');
  const secrets = Array.from({ length: usersNeeded }, () => newSecret());
  const children: ChildProcess[] = [];
  try {
    const preparing = Date.now();
    await prepare(schemaUrl, secretKeyHex, secrets);
    console.log(`B4: schema ${schema}, ${usersNeeded} users enrolled in ${((Date.now() - preparing) / 1000).toFixed(0)} s`);
    // application_name tells the processes' connections apart in pg_stat_activity.
    for (const [i, port] of PORTS.entries()) {
      children.push(await startChild('test/bench/engine-server.ts', [tempDataDir(), String(port), secretKeyHex, withParams(schemaUrl, { application_name: `${APP_NAME}${i + 1}` })]));
    }
    const enginePids = children.map((child) => child.pid ?? 0);
    const users = { next: 0 };
    // Warm both processes (JIT, prepared statements, pools) before measuring.
    for (const layout of [two, one]) {
      const start = users.next;
      await round(layout, enginePids, secrets, users, WARMUP_SECONDS);
      users.next = start + ROUND_BUDGET;
    }

    const runs = new Map<Layout, RoundResult[]>(layouts.map((layout) => [layout, []]));
    const measure = async (layout: Layout) => {
      const start = users.next;
      const { result, peaks } = await watchConnections(baseUrl, 2, () => round(layout, enginePids, secrets, users, DURATION_SECONDS));
      users.next = start + ROUND_BUDGET;
      const r: RoundResult = { ...result, connections: peaks.slice(0, layout.processes) };
      const list = runs.get(layout)!;
      list.push(r);
      line(
        `B4 round ${list.length}, ${layout.label}`,
        `${r.loginsPerSecond.toFixed(0)} logins/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, moved ${(r.moved * 100).toFixed(0)}%, pg connections ${r.connections.join('+')}`,
      );
      line('  cores used', `${formatCores(r.cpu)}; ${perCpuSecond(r.loginsPerSecond, r.cpu)?.toFixed(0) ?? 'n/a'} logins per CPU-second`);
    };
    // A B B A …: a slow drift of the shared machine weighs on every configuration alike.
    for (let r = 0; r < ROUNDS; r++) {
      for (const layout of r % 2 === 0 ? layouts : [...layouts].reverse()) await measure(layout);
    }

    const summary = (list: RoundResult[]) => ({
      rate: median(list.map((r) => r.loginsPerSecond)),
      p50: median(list.map((r) => r.p50)),
      p99: median(list.map((r) => r.p99)),
      moved: median(list.map((r) => r.moved)),
      connections: list[0].connections.map((_, i) => Math.max(...list.map((r) => r.connections[i]))),
      perCpu: list.every((r) => r.cpu) ? median(list.map((r) => perCpuSecond(r.loginsPerSecond, r.cpu)!)) : null,
      cpu: list.every((r) => r.cpu)
        ? (Object.fromEntries((['engine', 'postgres', 'load', 'other'] as const).map((k) => [k, median(list.map((r) => r.cpu![k]))])) as unknown as Cores)
        : null,
    });
    const label = `B4 login-TOTP on PostgreSQL, ${CONNECTIONS} connections`;
    for (const layout of layouts) {
      const x = summary(runs.get(layout)!);
      line(`${label}, ${layout.label}`, `${x.rate.toFixed(0)} logins/s, p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms`);
    }
    const o = summary(runs.get(one)!);
    const t = summary(runs.get(two)!);
    line('B4 throughput ratio 2 processes / 1 process', (t.rate / o.rate).toFixed(2));
    line('B4 p99 latency ratio 2 processes / 1 process', (t.p99 / o.p99).toFixed(2));
    line('B4 submits sent to the other process (2 processes)', `${(t.moved * 100).toFixed(0)}%`);
    line('B4 PostgreSQL connections per process', `pool size ${poolSize}; peak open: 1 process ${o.connections.join('')}, 2 processes ${t.connections.join(' + ')}`);
    line(`B4 cores used (medians; ${cpus().length} cores in all), 1 process`, formatCores(o.cpu));
    line(`B4 cores used (medians; ${cpus().length} cores in all), 2 processes`, formatCores(t.cpu));
    if (o.perCpu && t.perCpu) {
      line('B4 logins per CPU-second of engines + PostgreSQL + load', `1 process ${o.perCpu.toFixed(0)}, 2 processes ${t.perCpu.toFixed(0)}: ratio ${(t.perCpu / o.perCpu).toFixed(2)}`);
    }
    const other = Math.max(o.cpu?.other ?? 0, t.cpu?.other ?? 0);
    // Other work takes cores from this run unevenly over time: the ratio is then a rough one.
    // With other work competing, two processes also win a larger share of the cores from the
    // scheduler than one does, which flatters the logins/s ratio; logins per CPU-second does not.
    if (other > 0.2) {
      console.log(`B4: other work on the machine used up to ${other.toFixed(1)} cores (median per round): logins/s are noisy, and two processes`);
      console.log('    win more of the contended cores than one; compare logins per CPU-second');
    }
    return { oneRate: o.rate, twoRate: t.rate, throughputRatio: t.rate / o.rate, p99Ratio: t.p99 / o.p99, moved: t.moved, poolSize };
  } finally {
    await Promise.all(children.map(stop));
    await query(baseUrl, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch((error: Error) => console.warn(`B4: could not drop schema ${schema}: ${error.message}`));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runB4();
