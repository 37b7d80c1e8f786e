/**
 * B10 (#22): the Authsignal-compatible server API as an app calls it, with the published
 * @authsignal/node over loopback HTTP against an in-process engine on SQLite, one call at a time:
 * track (the adaptive-mfa sample, an allowed action), getAction, validateChallenge of its token,
 * then an app session: createSession (another allowed action's token), validateSession (the call
 * an app makes on every request), refreshSession, revokeSession. Medians and p95 per call.
 * Run alone with `npx tsx test/bench/b10-authsignal.ts`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authsignal } from '@authsignal/node';
import { pino } from 'pino';
import { loadConfig } from '../../engine/config.js';
import { createEngine } from '../../engine/engine.js';
import { builtInSteps } from '../../steps/index.js';
import { line, median, percentile } from './stats.js';

const ADMIN = 'bench-admin-key-0123456789';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function runB10(rounds = Number(process.env.B10_ROUNDS ?? 200), warmUp = 20): Promise<Record<string, number>> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-authsignal-'));
  const engine = await createEngine(loadConfig({ DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN, LOG_LEVEL: 'silent', RATE_LIMITS: 'off' }), { steps: builtInSteps, logger: pino({ level: 'silent' }) });
  const server = engine.app.listen(port, '127.0.0.1');
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(base + path, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const times: Record<string, number[]> = { track: [], getAction: [], validateChallenge: [], createSession: [], validateSession: [], refreshSession: [], revokeSession: [] };
  try {
    await admin('PUT', '/v1/admin/journeys/adaptive-mfa', JSON.parse(readFileSync(new URL('../../journeys/adaptive-mfa.json', import.meta.url), 'utf8')));
    await admin('POST', '/v1/admin/journeys/adaptive-mfa/publish');
    const authsignal = new Authsignal({ apiSecretKey: ADMIN, apiUrl: `${base}/authsignal/v1`, retries: 0 });
    const timed = async <T>(name: string, keep: boolean, call: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await call();
      if (keep) times[name].push(performance.now() - started);
      return result;
    };
    for (let i = 0; i < warmUp + rounds; i++) {
      const keep = i >= warmUp;
      const userId = `bench-${i}`;
      const track = await timed('track', keep, () => authsignal.track({ userId, action: 'signIn' }));
      if (track.state !== 'ALLOW') throw new Error(`track answered ${track.state}`);
      await timed('getAction', keep, () => authsignal.getAction({ userId, action: 'signIn', idempotencyKey: track.idempotencyKey }));
      const validation = await timed('validateChallenge', keep, () => authsignal.validateChallenge({ token: track.token }));
      if (!validation.isValid) throw new Error('the token did not validate');
      const forSession = await authsignal.track({ userId, action: 'signIn' });
      const session = await timed('createSession', keep, () => authsignal.createSession({ clientId: 'web', token: forSession.token }));
      await timed('validateSession', keep, () => authsignal.validateSession({ accessToken: session.accessToken }));
      const refreshed = await timed('refreshSession', keep, () => authsignal.refreshSession({ refreshToken: session.refreshToken }));
      await timed('revokeSession', keep, () => authsignal.revokeSession({ accessToken: refreshed.accessToken }));
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const figures: Record<string, number> = {};
  for (const [name, values] of Object.entries(times)) {
    line(`B10 Authsignal ${name} (${values.length} sequential, SQLite)`, `median ${median(values).toFixed(2)} ms, p95 ${percentile(values, 95).toFixed(2)} ms`);
    figures[`${name}Ms`] = median(values);
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await runB10();
