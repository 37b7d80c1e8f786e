/**
 * Real engine processes for the reliability suites: `node --import tsx engine/server.ts`, configured
 * by environment only, exactly as an operator runs it. Every child started here is remembered and
 * killed by `killAllEngines()` (each suite's afterAll), and SIGKILLed on the worker's exit as a last
 * resort, so a failing test never leaves a server behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ADMIN_KEY = 'reliability-admin-key-0123456789';

export const newSecretKey = (): string => randomBytes(32).toString('hex');
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function tempDir(prefix = 'journey-reliability-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  createdDirs.add(dir);
  return dir;
}
const createdDirs = new Set<string>();

/** A port nobody listens on right now (the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the child was seen to exit. */
  at: number;
}

export interface EngineProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  exited: Promise<Exit>;
  /** Still running (no exit seen yet). */
  alive(): boolean;
  /** The last 64 KiB of stdout and stderr, for failure messages. */
  output(): string;
  /** SIGKILL, now: no handler runs, nothing is flushed. Answers when the signal was sent. */
  kill9(): number;
  /** SIGTERM: the server's own graceful shutdown. */
  terminate(): number;
}

const running = new Set<EngineProcess>();

export interface EngineOptions {
  name: string;
  dataDir: string;
  secretKey: string;
  /** Added to (and overriding) the base environment. */
  env?: Record<string, string>;
  /** Extra node flags before the script (e.g. another --import). */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

/**
 * Spawns the real server and waits for /readyz. The environment is built from scratch (PATH and
 * HOME only from ours), so no provider or database variable of the machine leaks in.
 */
export async function startEngine(options: EngineOptions): Promise<EngineProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await spawnOnce(options, port);
    } catch (error) {
      lastError = error;
      // Only a lost race for the port is worth another try.
      if (!/EADDRINUSE/.test(String((error as Error).message))) throw error;
    }
  }
  throw lastError;
}

async function spawnOnce(options: EngineOptions, port: number): Promise<EngineProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    TMPDIR: process.env.TMPDIR ?? tmpdir(),
    PORT: String(port),
    DATA_DIR: options.dataDir,
    ADMIN_API_KEY: ADMIN_KEY,
    SECRET_KEY: options.secretKey,
    RATE_LIMITS: 'off',
    // The same for the send limits past the one per destination (suites that test them set them).
    OTP_SEND_LIMIT_PER_CLIENT: '100000/3600',
    OTP_SEND_LIMIT_PER_COUNTRY: '100000/3600',
    OTP_SEND_LIMIT_GLOBAL: '100000/3600',
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', ...(options.nodeArgs ?? []), 'engine/server.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-65536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exit: Exit | null = null;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal, at: Date.now() };
      running.delete(engine);
      resolve(exit);
    });
  });
  const engine: EngineProcess = {
    name: options.name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    exited,
    alive: () => exit === null,
    output: () => output,
    kill9() {
      child.kill('SIGKILL');
      return Date.now();
    },
    terminate() {
      child.kill('SIGTERM');
      return Date.now();
    },
  };
  running.add(engine);

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (exit) throw new Error(`${options.name} exited before it was ready (${JSON.stringify(exit)}):\n${output}`);
    try {
      const response = await fetch(`${engine.url}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return engine;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  engine.kill9();
  await exited;
  throw new Error(`${options.name} was not ready within ${options.readyTimeoutMs ?? 20_000} ms:\n${output}`);
}

/** SIGKILLs every child still running and waits for them; removes the temporary directories. */
export async function killAllEngines(): Promise<void> {
  const all = [...running];
  for (const engine of all) engine.kill9();
  await Promise.all(all.map((engine) => Promise.race([engine.exited, sleep(5000)])));
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
  createdDirs.clear();
}

// Last resort: a worker that dies mid-suite takes its servers with it.
process.once('exit', () => {
  for (const engine of running) {
    try {
      engine.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

// ---------------------------------------------------------------------------------------------
// HTTP

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

/** One request; throws on a network failure (refused, reset) or after `timeoutMs`. */
export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; timeoutMs?: number } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(base + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: response.status, body: body as T };
}

export const admin = <T = any>(base: string, method: string, path: string, body?: unknown) =>
  call<T>(base, method, path, { body, token: ADMIN_KEY });

export async function publishJourney(base: string, journey: { id: string } & Record<string, unknown>): Promise<number> {
  const saved = await admin(base, 'PUT', `/v1/admin/journeys/${journey.id}`, journey);
  if (saved.status !== 200 || saved.body?.valid !== true) throw new Error(`save failed: ${saved.status} ${JSON.stringify(saved.body)}`);
  const published = await admin(base, 'POST', `/v1/admin/journeys/${journey.id}/publish`);
  if (published.status !== 201) throw new Error(`publish failed: ${published.status} ${JSON.stringify(published.body)}`);
  return published.body.version as number;
}

// ---------------------------------------------------------------------------------------------
// The sms-otp sample journey

export interface SessionRef {
  sessionId: string;
  sessionToken: string;
}

/** A valid E.164 mobile number per index (libphonenumber accepts +33 6 12 34 xx xx). */
export function phoneNumber(index: number): string {
  return `+336123${String(index).padStart(5, '0')}`;
}

/** Starts sms-otp and submits the phone form: the session then waits at `otp` with a code in the outbox. */
export async function startAtOtp(base: string, phone: string, submitBase = base): Promise<SessionRef> {
  const started = await call(base, 'POST', '/v1/journeys/sms-otp/start', { body: {} });
  if (started.status !== 200 || started.body.step?.id !== 'phone') throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
  const ref = { sessionId: started.body.sessionId as string, sessionToken: started.body.sessionToken as string };
  const sent = await submitStep(submitBase, ref, 'phone', 'send', { phoneNumber: phone });
  if (sent.status !== 200 || sent.body.step?.id !== 'otp') throw new Error(`phone: ${sent.status} ${JSON.stringify(sent.body)}`);
  return ref;
}

export function submitStep(base: string, ref: SessionRef, stepId: string, option: string, data?: unknown, timeoutMs?: number) {
  return call(base, 'POST', `/v1/sessions/${ref.sessionId}/submit`, {
    body: data === undefined ? { stepId, option } : { stepId, option, data },
    token: ref.sessionToken,
    timeoutMs,
  });
}

export async function outbox(base: string, sessionId: string): Promise<Array<{ id: string; channel: string; to: string; body: string }>> {
  const listed = await admin(base, 'GET', `/v1/admin/outbox?sessionId=${sessionId}`);
  if (listed.status !== 200) throw new Error(`outbox: ${listed.status} ${JSON.stringify(listed.body)}`);
  return listed.body;
}

/** The code of the newest outbox message of a session. */
export async function codeFor(base: string, sessionId: string): Promise<string> {
  const messages = await outbox(base, sessionId);
  const code = /code is (\d{6,10})/.exec(messages[0]?.body ?? '')?.[1];
  if (!code) throw new Error(`no code in the outbox for ${sessionId}: ${JSON.stringify(messages)}`);
  return code;
}

export async function timeline(base: string, sessionId: string): Promise<Array<{ stepId: string | null; event: string; option?: string; branch?: string }>> {
  const got = await admin(base, 'GET', `/v1/admin/sessions/${sessionId}`);
  if (got.status !== 200) throw new Error(`timeline: ${got.status} ${JSON.stringify(got.body)}`);
  return got.body.timeline;
}

/** Runs `work` over `items` with at most `limit` at a time (keeps inspection loops from flooding a server). */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * After a crash: submits `verify` until it is not a 409 `conflict` (the dead process's lease), for at
 * most `untilMs` (absolute). Answers the final result and when the last conflict was seen.
 */
export async function verifyThroughLease(
  base: string,
  ref: SessionRef,
  code: string,
  untilMs: number,
): Promise<{ result: HttpResult; conflicts: number; lastConflictAt: number | null; answeredAt: number }> {
  let conflicts = 0;
  let lastConflictAt: number | null = null;
  for (;;) {
    const result = await submitStep(base, ref, 'otp', 'verify', { code });
    if (result.status === 409 && result.body?.error?.code === 'conflict' && Date.now() < untilMs) {
      conflicts++;
      lastConflictAt = Date.now();
      await sleep(200);
      continue;
    }
    return { result, conflicts, lastConflictAt, answeredAt: Date.now() };
  }
}
