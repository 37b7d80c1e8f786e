/**
 * The OpenID provider under test: an engine on a known port (its PUBLIC_URL is its own address,
 * so the issuer is real), with the sample journeys published, users made through the sample
 * sign-up over HTTP, clients registered through the admin API, and openid-client 6 as the
 * relying party. `apiLogin` drives a login without a browser: the authorization request over
 * HTTP with a cookie jar, and the journey through the engine's client API, as the hosted runner would.
 */
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { ScureBase32Plugin, generateSync } from 'otplib';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as client from 'openid-client';
import { expect } from 'vitest';
import { outboxCode } from '../otp/otp-helpers.js';
import { ROOT } from '../e2e/e2e-helpers.js';
import { type TestClock, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { CookieJar, browse, follow } from './browser-like.js';

export { CookieJar, browse, follow };

export const REDIRECT_URI = 'https://app.example.test/callback';
export const LOGOUT_URI = 'https://app.example.test/signed-out';
/** 15+ characters, not a common password. */
export const PASSWORD = 'purple lanterns drift past the pier';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A test clock that runs with the real one (the provider and openid-client compare auth_time and
 * token times with the real time); `advance` moves it ahead (a new TOTP time step).
 */
export function realTimeClock(): TestClock {
  let skew = 0;
  const clock = { now: () => new Date(Date.now() + skew), advance: (seconds: number) => void (skew += seconds * 1000) };
  return clock as unknown as TestClock;
}

/** An engine whose issuer is `{its own address}/oidc`, on a clock that runs with the real one (ID tokens are checked against it). */
export async function startOidcServer(options: { env?: Record<string, string>; dataDir?: string; port?: number } = {}): Promise<TestServer & { issuer: string }> {
  const port = options.port ?? (await freePort());
  const server = await startTestServer({
    port,
    dataDir: options.dataDir,
    clock: realTimeClock(),
    // A loaded test machine must not fail argon2 hashing on the CPU budget.
    env: { PUBLIC_URL: `http://127.0.0.1:${port}`, RUN_CPU_BUDGET_MS: '60000', ...options.env },
  });
  return Object.assign(server, { issuer: `${server.url}/oidc` });
}

export async function publishSamples(server: TestServer, names = ['sign-up', 'login', 'login-totp', 'register-totp']): Promise<void> {
  // login calls the mfa block (#20): a call's journey is published before its caller.
  for (const name of names.flatMap((n) => (n === 'login' ? ['mfa', n] : [n]))) {
    if ((await server.admin('GET', `/v1/admin/journeys/${name}`)).status === 200) continue;
    await server.publish(JSON.parse(readFileSync(`${ROOT}/journeys/${name}.json`, 'utf8')));
  }
}

/** Signs a user up through the sample sign-up (the emailed code read from the dev outbox); answers their id. */
export async function signUp(server: TestServer, username: string, email = `${username}@example.com`): Promise<string> {
  const started = await startSession(server, 'sign-up');
  const session = started.body;
  await submit(server, session, 'details', 'next', { username, email });
  await submit(server, session, 'verifyEmail', 'verify', { code: await outboxCode(server, session.sessionId) });
  const done = await submit(server, session, 'password', 'set', { password: PASSWORD });
  expect(done.body.status).toBe('completed');
  const users = await server.admin('GET', `/v1/admin/users?username=${encodeURIComponent(username)}`);
  return users.body[0].id as string;
}

/** Enrols an authenticator app for the user through register-totp; answers its secret. */
export async function enrolTotp(server: TestServer, username: string): Promise<string> {
  const session = (await startSession(server, 'register-totp')).body;
  const enrol = await submit(server, session, 'credentials', 'next', { username, password: PASSWORD });
  const secret = enrol.body.step.data.secret as string;
  const done = await submit(server, session, 'enrol', 'confirm', { code: totp(server, secret) });
  expect(done.body.status, JSON.stringify(done.body)).toBe('completed');
  server.clock.advance(30);
  return secret;
}

export function totp(server: TestServer, secret: string): string {
  return generateSync({ secret, epoch: Math.floor(server.clock.now().getTime() / 1000), crypto: new NodeCryptoPlugin(), base32: new ScureBase32Plugin() });
}

/** Registers a client through the admin API; answers what it answered (the secret included). */
export async function createClient(server: TestServer, body: Record<string, unknown>): Promise<{ clientId: string; clientSecret?: string } & Record<string, any>> {
  const created = await server.admin('POST', '/v1/admin/oidc/clients', { redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [LOGOUT_URI], firstParty: true, ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

/** openid-client's configuration for a client, by discovery (plain http on loopback allowed). */
export async function relyingParty(issuer: string, clientId: string, auth: client.ClientAuth, metadata: Partial<client.ClientMetadata> = {}): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), clientId, metadata, auth, { execute: [client.allowInsecureRequests] });
}

export interface AuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function authorizationRequest(config: client.Configuration, params: Record<string, string> = {}): Promise<AuthorizationRequest> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

/** The answers the hosted runner would give for a journey, step by step (`[stepId, option, data]`). */
export type Answers = Array<[string, string, unknown?]>;

/**
 * A login without a browser: the authorization request, the journey through the client API (as
 * the runner does), then back to the provider with the result. Answers where the provider sent
 * the browser in the end (the client's redirect URI with `code` or `error`).
 */
export async function apiLogin(server: TestServer, url: URL, answers: Answers, jar = new CookieJar()): Promise<{ callback: URL; jar: CookieJar; ran: boolean }> {
  const first = await follow(server, jar, url);
  if (!first.url.includes('/run/')) return { callback: new URL(first.url), jar, ran: false };
  const runner = new URL(first.url);
  const session = { sessionId: runner.searchParams.get('session')!, sessionToken: new URLSearchParams(runner.hash.slice(1)).get('t')! };
  let current = await server.request('GET', `/v1/sessions/${session.sessionId}`, { token: session.sessionToken });
  for (const [stepId, option, data] of answers) {
    if (current.body.status !== 'waiting') break;
    current = await submit(server, session, stepId, option, data);
  }
  const back = new URL(current.body.ui.redirectUrl);
  if (current.body.status === 'completed') back.searchParams.set('token', current.body.result.token);
  else back.searchParams.set('error', current.body.status);
  const last = await follow(server, jar, back);
  return { callback: new URL(last.url), jar, ran: true };
}

export const passwordAnswers = (username: string): Answers => [
  ['credentials', 'signIn', { username, password: PASSWORD }],
  ['secondFactor/offerApp', 'skip'],
];
