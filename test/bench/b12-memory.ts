/**
 * B12: the memory of an engine process holding 100,000 waiting sessions on SQLite (goal: under
 * 300 MB RSS). The engine runs as its own process (engine-server.ts, as in B1); sessions are
 * started over HTTP by a few concurrent clients on a public journey that waits at a form, and the
 * child's resident set is read from /proc before, during and after (VmRSS, and VmHWM, its peak).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tempDataDir } from '../helpers/test-server.js';
import { startChild, stop } from './b1-login-totp.js';
import { line } from './stats.js';

const SESSIONS = Number(process.env.B12_SESSIONS ?? 100_000);
const CLIENTS = 8;
const PORT = 3712;
const ADMIN_KEY = 'bench-admin-key';
const keepAlive = new Agent({ keepAlive: true, maxSockets: CLIENTS });

function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: PORT,
        method,
        path,
        agent: keepAlive,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Resident and peak resident memory of a process, in MB (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export async function runB12(): Promise<void> {
  console.log(`B12: one engine process holding ${SESSIONS.toLocaleString('en')} waiting sessions on SQLite`);
  const child = await startChild('test/bench/engine-server.ts', [tempDataDir(), String(PORT), randomBytes(32).toString('hex')]);
  try {
    const journey = {
      id: 'b12-wait',
      name: 'b12',
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: {
          type: 'form',
          config: { outputVariable: 'answer', options: [{ id: 'next', label: 'Next', schema: { type: 'object', properties: { code: { type: 'string' } } } }] },
          branches: { next: 'done' },
        },
        done: { type: 'complete', config: { claims: {} } },
      },
    };
    const saved = await call('PUT', '/v1/admin/journeys/b12-wait', journey, ADMIN_KEY);
    const published = await call('POST', '/v1/admin/journeys/b12-wait/publish', undefined, ADMIN_KEY);
    if (saved.status >= 300 || published.status !== 201) throw new Error(`B12: publish failed: ${saved.text} ${published.text}`);
    const before = memoryOf(child.pid!);
    line('  RSS after start-up, no sessions', `${before.rss.toFixed(0)} MB`);
    let next = 0;
    const started = Date.now();
    const client = async () => {
      while (next < SESSIONS) {
        const i = next++;
        const res = await call('POST', '/v1/journeys/b12-wait/start', {});
        if (res.status !== 200 || !res.text.includes('"waiting"')) throw new Error(`B12: start ${i} answered ${res.status}: ${res.text}`);
        if (i > 0 && i % 25_000 === 0) line(`  RSS at ${i.toLocaleString('en')} sessions`, `${memoryOf(child.pid!).rss.toFixed(0)} MB`);
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const seconds = (Date.now() - started) / 1000;
    const after = memoryOf(child.pid!);
    line(`  sessions started (${CLIENTS} clients)`, `${SESSIONS.toLocaleString('en')} in ${seconds.toFixed(0)} s`);
    line(`  RSS holding ${SESSIONS.toLocaleString('en')} waiting sessions (goal < 300 MB)`, `${after.rss.toFixed(0)} MB, peak ${after.peak.toFixed(0)} MB`);
  } finally {
    keepAlive.destroy();
    await stop(child);
  }
  console.log();
}

if (import.meta.url === `file://${process.argv[1]}`) await runB12();
