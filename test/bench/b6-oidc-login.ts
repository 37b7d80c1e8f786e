/**
 * B6: an OpenID Connect login through the provider, end to end over loopback HTTP, as an app
 * (openid-client) and a browser without rendering (cookies and redirects followed by hand): the
 * authorization request, the `login` journey over the client API (username and password, then
 * "not now"), the return to the provider, the code redeemed, the ID token verified, userinfo.
 * Sequential logins, one at a time: the latency of each phase, medians and p95, on SQLite.
 */
import * as client from 'openid-client';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { createServer } from 'node:net';
import { createEngine } from '../../engine/engine.js';
import { loadConfig } from '../../engine/config.js';
import { builtInSteps } from '../../steps/index.js';
import { CookieJar, follow } from '../oidc/browser-like.js';
import { median, percentile, line } from './stats.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ADMIN = 'bench-admin-key-0123456789';
const PASSWORD = 'purple lanterns drift past the pier';
const REDIRECT_URI = 'https://app.example.test/callback';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function runB6(logins = Number(process.env.B6_LOGINS ?? 40)): Promise<Record<string, number>> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-oidc-'));
  const config = loadConfig({ DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN, PUBLIC_URL: base, LOG_LEVEL: 'silent', RATE_LIMITS: 'off', RUN_CPU_BUDGET_MS: '60000' });
  const engine = await createEngine(config, { steps: builtInSteps, logger: pino({ level: 'silent' }) });
  const server = engine.app.listen(port, '127.0.0.1');
  const call = async (method: string, path: string, body?: unknown, token = ADMIN) => {
    const response = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await response.json().catch(() => null)) as any;
  };
  try {
    // Callees first: login calls mfa (its second factor), and a journey is published after what it calls.
    for (const name of ['sign-up', 'mfa', 'login']) {
      await call('PUT', `/v1/admin/journeys/${name}`, JSON.parse(readFileSync(new URL(`../../journeys/${name}.json`, import.meta.url), 'utf8')));
      await call('POST', `/v1/admin/journeys/${name}/publish`);
    }
    // One user, signed up through the sample (its emailed code from the dev outbox).
    const started = await call('POST', '/v1/journeys/sign-up/start', {});
    const submitTo = (session: { sessionId: string; sessionToken: string }, stepId: string, option: string, data?: unknown) =>
      call('POST', `/v1/sessions/${session.sessionId}/submit`, data === undefined ? { stepId, option } : { stepId, option, data }, session.sessionToken);
    await submitTo(started, 'details', 'next', { username: 'bench', email: 'bench@example.com' });
    const [message] = await call('GET', `/v1/admin/outbox?sessionId=${started.sessionId}`);
    await submitTo(started, 'verifyEmail', 'verify', { code: /\b(\d{6})\b/.exec(message.body)![1] });
    await submitTo(started, 'password', 'set', { password: PASSWORD });
    const app = await call('POST', '/v1/admin/oidc/clients', { clientId: 'bench', redirectUris: [REDIRECT_URI], journeyId: 'login', firstParty: true });
    const rp = await client.discovery(new URL(`${base}/oidc`), 'bench', app.clientSecret, undefined, { execute: [client.allowInsecureRequests] });

    const phases = { authorize: [] as number[], journey: [] as number[], back: [] as number[], token: [] as number[], userinfo: [] as number[], total: [] as number[] };
    for (let i = 0; i < logins + 3; i++) {
      const t0 = performance.now();
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid profile', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 's' });
      const jar = new CookieJar();
      const runner = new URL((await follow({ url: base }, jar, url)).url);
      const t1 = performance.now();
      const session = { sessionId: runner.searchParams.get('session')!, sessionToken: new URLSearchParams(runner.hash.slice(1)).get('t')! };
      await submitTo(session, 'credentials', 'signIn', { username: 'bench', password: PASSWORD });
      const done = await submitTo(session, 'secondFactor/offerApp', 'skip');
      const t2 = performance.now();
      const back = new URL(done.ui.redirectUrl);
      back.searchParams.set('token', done.result.token);
      const callback = new URL((await follow({ url: base }, jar, back)).url);
      const t3 = performance.now();
      const tokens = await client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: verifier, expectedState: 's' });
      const t4 = performance.now();
      await client.fetchUserInfo(rp, tokens.access_token, tokens.claims()!.sub);
      const t5 = performance.now();
      if (i < 3) continue; // warm-up
      phases.authorize.push(t1 - t0);
      phases.journey.push(t2 - t1);
      phases.back.push(t3 - t2);
      phases.token.push(t4 - t3);
      phases.userinfo.push(t5 - t4);
      phases.total.push(t5 - t0);
    }
    console.log(`B6 OpenID login (code + PKCE, login journey, SQLite), ${logins} sequential logins`);
    const labels: Record<keyof typeof phases, string> = {
      authorize: '  authorization request → runner (redirects, journey start)',
      journey: '  journey: password, then "not now" (2 submits, argon2)',
      back: '  runner → provider → app (result checked, code issued)',
      token: '  code → tokens (client auth, ID token signed, verified)',
      userinfo: '  userinfo',
      total: '  whole login',
    };
    const figures: Record<string, number> = {};
    for (const key of Object.keys(phases) as Array<keyof typeof phases>) {
      line(labels[key], `median ${median(phases[key]).toFixed(1)} ms, p95 ${percentile(phases[key], 95).toFixed(1)} ms`);
      figures[`b5.${key}.medianMs`] = median(phases[key]);
    }
    console.log('');
    return figures;
  } finally {
    server.close();
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runB6();
