/**
 * A real engine on a real SQLite file, served over real HTTP on loopback, with an injectable
 * clock. Every HTTP suite starts here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../engine/config.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import type { StepDefinition } from '../../engine/steps/step-types.js';
import { builtInSteps } from '../../steps/index.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';
export const APP_KEY = 'test-app-key-0123456789';

export class TestClock {
  private current: number;
  constructor(start = Date.parse('2026-01-15T10:00:00Z')) {
    this.current = start;
  }
  now = (): Date => new Date(this.current);
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestServer {
  url: string;
  engine: Engine;
  clock: TestClock;
  dataDir: string;
  request<T = any>(method: string, path: string, options?: { body?: unknown; rawBody?: string; token?: string; headers?: Record<string, string> }): Promise<HttpResult<T>>;
  admin<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult<T>>;
  /** Saves and publishes a journey; answers the version. */
  publish(journey: Record<string, unknown>): Promise<number>;
  /** Stops serving; keeps the data directory unless `remove`. */
  close(options?: { remove?: boolean }): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'journey-engine-test-'));
}

export async function startTestServer(
  options: {
    dataDir?: string;
    env?: Record<string, string>;
    steps?: Array<StepDefinition<any>>;
    clock?: TestClock;
    logger?: Logger;
    /** Listen on this port (suites whose PUBLIC_URL must name the server's own address); default any free one. */
    port?: number;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDataDir();
  const clock = options.clock ?? new TestClock();
  const config = loadConfig({
    DATA_DIR: dataDir,
    ADMIN_API_KEY: ADMIN_KEY,
    APP_API_KEYS: APP_KEY,
    HTTP_ALLOWED_HOSTS: '127.0.0.1,localhost',
    LOG_LEVEL: 'silent',
    // Suites start many sessions from one address under a frozen clock; rate-limit tests turn it on.
    RATE_LIMITS: 'off',
    // The same for the send limits past the one per destination (suites that test them set them).
    OTP_SEND_LIMIT_PER_CLIENT: '100000/3600',
    OTP_SEND_LIMIT_PER_COUNTRY: '100000/3600',
    OTP_SEND_LIMIT_GLOBAL: '100000/3600',
    ...options.env,
  });
  const engine = await createEngine(config, {
    steps: [...builtInSteps, ...(options.steps ?? [])],
    now: clock.now,
    logger: options.logger ?? pino({ level: 'silent' }),
  });
  const server: Server = await new Promise((resolve) => {
    const s = engine.app.listen(options.port ?? 0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const request: TestServer['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    } else if (body !== undefined) {
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(url + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as any, headers: response.headers };
  };

  const testServer: TestServer = {
    url,
    engine,
    clock,
    dataDir,
    request,
    admin: (method, path, body, headers) => request(method, path, { body, token: ADMIN_KEY, headers }),
    async publish(journey) {
      const saved = await request('PUT', `/v1/admin/journeys/${journey.id}`, { body: journey, token: ADMIN_KEY });
      if (saved.status !== 200) throw new Error(`save failed: ${saved.status} ${JSON.stringify(saved.body)}`);
      const published = await request('POST', `/v1/admin/journeys/${journey.id}/publish`, { token: ADMIN_KEY });
      if (published.status !== 201) throw new Error(`publish failed: ${published.status} ${JSON.stringify(published.body)}`);
      return published.body.version as number;
    },
    async close({ remove = false } = {}) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
      if (remove) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return testServer;
}

/** Start a session and answer helpers for journeys run over HTTP. */
export async function startSession(server: TestServer, journeyId: string, body: unknown = {}, token?: string) {
  return server.request('POST', `/v1/journeys/${journeyId}/start`, { body, token });
}

export async function submit(server: TestServer, session: { sessionId: string; sessionToken: string }, stepId: string, option: string, data?: unknown) {
  return server.request('POST', `/v1/sessions/${session.sessionId}/submit`, {
    body: data === undefined ? { stepId, option } : { stepId, option, data },
    token: session.sessionToken,
  });
}
