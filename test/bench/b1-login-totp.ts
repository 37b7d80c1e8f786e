/**
 * B1: the login-TOTP journey over HTTP (start, submit username and code, completed with a token)
 * against the same flow written by hand, at the same concurrency, measured side by side in one
 * run (A/B/A/B) and reported as ratios. Each server runs in its own process on SQLite files; the
 * load comes from autocannon in this process. Every login uses a different enrolled user, since a
 * TOTP code is accepted once per time step.
 */
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { ScureBase32Plugin, generate } from 'otplib';
import { createSealer } from '../../engine/security/sealing.js';
import { newSecret } from '../../steps/totp-common/totp.js';
import { tempDataDir } from '../helpers/test-server.js';
import { enrolTotpUsers, loginTotpEngine } from './login-totp-engine.js';
import { line, median } from './stats.js';

// Enough users for warm-up and every round of both servers at any plausible rate (half each).
const USERS = 60_000;
const ROUND_BUDGET = 9_000;
const CONNECTIONS = Number(process.env.B1_CONNECTIONS ?? 16);
const DURATION_SECONDS = Number(process.env.B1_SECONDS ?? 6);
const ROUNDS = Number(process.env.B1_ROUNDS ?? 2);
const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();

interface Target {
  name: string;
  port: number;
  startPath: string;
  submitPath: (sessionId: string) => string;
  nextUser: number;
}

async function prepare(secretKeyHex: string, secrets: string[]) {
  const engineDir = tempDataDir();
  const engine = await loginTotpEngine({ dataDir: engineDir, secretKeyHex });
  await enrolTotpUsers(engine, secretKeyHex, secrets);
  await engine.close();

  const sealer = createSealer(Buffer.from(secretKeyHex, 'hex'));
  const handDir = tempDataDir();
  const handDb = join(handDir, 'hand.db');
  const db = new Database(handDb);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE hw_users (id TEXT PRIMARY KEY, username TEXT UNIQUE);
           CREATE TABLE hw_authenticators (id TEXT PRIMARY KEY, user_id TEXT, sealed_secret TEXT, last_time_step INTEGER);
           CREATE INDEX hw_auth_user ON hw_authenticators (user_id);
           CREATE TABLE hw_sessions (id TEXT PRIMARY KEY, token_hash TEXT, state TEXT, tries INTEGER, created_at TEXT);`);
  const insertUser = db.prepare('INSERT INTO hw_users VALUES (?, ?)');
  const insertAuth = db.prepare('INSERT INTO hw_authenticators VALUES (?, ?, ?, NULL)');
  db.transaction(() => {
    secrets.forEach((secret, i) => {
      const userId = randomUUID();
      const id = randomUUID();
      insertUser.run(userId, `user${i}`);
      insertAuth.run(id, userId, sealer.seal(secret, `authenticator:${id}`));
    });
  })();
  db.close();
  return { engineDir, handDb };
}

export function startChild(script: string, args: string[]): Promise<ChildProcess> {
  // B1_PROFILE=DIR writes a CPU profile of each server into DIR (node --cpu-prof).
  const profile = process.env.B1_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.B1_PROFILE}`] : [];
  const child = fork(script, args, { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function codesFor(secrets: string[], from: number, count: number): Promise<string[]> {
  const epoch = Math.floor(Date.now() / 1000);
  return Promise.all(secrets.slice(from, from + count).map((secret) => generate({ secret, epoch, crypto, base32 })));
}

async function load(target: Target, secrets: string[]) {
  // Codes computed now stay valid for the round (window 1).
  const budget = ROUND_BUDGET;
  const first = target.nextUser;
  const codes = await codesFor(secrets, first, budget);
  let next = 0;
  let completed = 0;
  let refused = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}`,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    requests: [
      {
        method: 'POST',
        path: target.startPath,
        headers: { 'content-type': 'application/json' },
        body: '{}',
        onResponse: (_status: number, body: string, context: Record<string, string>) => {
          const started = JSON.parse(body) as { sessionId: string; sessionToken: string };
          context.sessionId = started.sessionId;
          context.sessionToken = started.sessionToken;
        },
      },
      {
        method: 'POST',
        setupRequest: (request: Record<string, unknown>, context: Record<string, string>) => {
          const i = next++;
          if (i >= budget) throw new Error('the round used more users than prepared');
          return {
            ...request,
            path: target.submitPath(context.sessionId),
            headers: { 'content-type': 'application/json', authorization: `Bearer ${context.sessionToken}` },
            body: JSON.stringify({ stepId: 'login', option: 'totp', data: { username: `user${first + i}`, totp_code: codes[i] } }),
          };
        },
        onResponse: (_status: number, body: string) => {
          if ((JSON.parse(body) as { status?: string }).status === 'completed') completed++;
          else refused++;
        },
      },
    ],
  } as autocannon.Options);
  target.nextUser += next;
  if (refused > 0) throw new Error(`${target.name}: ${refused} logins did not complete`);
  return { loginsPerSecond: completed / DURATION_SECONDS, p99: result.latency.p99, p50: result.latency.p50, errors: result.errors + result.non2xx };
}

export async function runB1(): Promise<Record<string, number>> {
  const secretKeyHex = randomBytes(32).toString('hex');
  const secrets = Array.from({ length: USERS }, () => newSecret());
  const { engineDir, handDb } = await prepare(secretKeyHex, secrets);
  const engineChild = await startChild('test/bench/engine-server.ts', [engineDir, '3701', secretKeyHex]);
  const handChild = await startChild('test/bench/handwritten/server.ts', [handDb, '3702', secretKeyHex]);
  const engine: Target = { name: 'engine', port: 3701, startPath: '/v1/journeys/login-totp/start', submitPath: (id) => `/v1/sessions/${id}/submit`, nextUser: 0 };
  const hand: Target = { name: 'hand-written', port: 3702, startPath: '/start', submitPath: (id) => `/sessions/${id}/submit`, nextUser: 0 };
  try {
    // Warm both (JIT, statement caches) before measuring.
    await load({ ...engine }, secrets).catch(() => undefined);
    engine.nextUser = ROUND_BUDGET;
    hand.nextUser = USERS / 2;
    await load({ ...hand }, secrets).catch(() => undefined);
    hand.nextUser = USERS / 2 + ROUND_BUDGET;
    const runs: Record<string, Array<{ loginsPerSecond: number; p99: number; p50: number }>> = { engine: [], hand: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.engine.push(await load(engine, secrets));
      runs.hand.push(await load(hand, secrets));
    }
    const summary = (list: typeof runs.engine) => ({
      rate: median(list.map((r) => r.loginsPerSecond)),
      p99: median(list.map((r) => r.p99)),
      p50: median(list.map((r) => r.p50)),
    });
    const e = summary(runs.engine);
    const h = summary(runs.hand);
    line(`B1 login-TOTP, ${CONNECTIONS} connections, engine`, `${e.rate.toFixed(0)} logins/s, p50 ${e.p50} ms, p99 ${e.p99} ms`);
    line(`B1 login-TOTP, ${CONNECTIONS} connections, hand-written`, `${h.rate.toFixed(0)} logins/s, p50 ${h.p50} ms, p99 ${h.p99} ms`);
    line('B1 throughput ratio engine / hand-written (goal ≥ 0.8)', (e.rate / h.rate).toFixed(2));
    line('B1 p99 latency ratio engine / hand-written (goal ≤ 1.25)', (e.p99 / h.p99).toFixed(2));
    return { engineRate: e.rate, handRate: h.rate, throughputRatio: e.rate / h.rate, p99Ratio: e.p99 / h.p99 };
  } finally {
    await Promise.all([stop(engineChild), stop(handChild)]);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runB1();
