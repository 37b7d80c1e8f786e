/**
 * The provider on PostgreSQL with two engine server processes (engine/server.ts, spawned as in
 * production) behind one address: a small proxy in front plays the load balancer. A login whose every request goes to
 * the other instance than the one before, and one started on A and redeemed on B, both pass: the
 * provider's state (interactions, sessions, codes, grants, tokens) is in the database, not in a
 * process. Bad input gives OAuth errors there too (PostgreSQL refuses NUL in text).
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import * as client from 'openid-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres, freshSchema, query } from '../helpers/postgres.js';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';
import { killAllEngines, startEngine, tempDir, type EngineProcess } from '../reliability/harness.js';
import { badInputFailures } from './bad-requests.js';
import { CookieJar, apiLogin, authorizationRequest, createClient, freePort, passwordAnswers, publishSamples, realTimeClock, relyingParty, signUp } from './oidc-helpers.js';

/** Forwards each request to the instance `pick` names, counting what each served. */
function loadBalancer(port: number, targets: Record<'a' | 'b', string>, pick: () => 'a' | 'b'): Promise<{ server: Server; served: Record<'a' | 'b', number> }> {
  const served = { a: 0, b: 0 };
  const server = createServer((req, res) => {
    const name = pick();
    served[name]++;
    const target = new URL(req.url!, targets[name]);
    const forward = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, served })));
}

/** A spawned engine addressed like a test server (the helpers' requests, the test admin key). */
function asTestServer(url: string): TestServer {
  const request: TestServer['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url + path, { method, headers, body: options.body === undefined ? options.rawBody : JSON.stringify(options.body) });
    const text = await response.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, headers: response.headers };
  };
  return {
    url,
    request,
    clock: realTimeClock(),
    admin: (method, path, body, headers) => request(method, path, { body, token: ADMIN_KEY, headers }),
    async publish(journey) {
      await request('PUT', `/v1/admin/journeys/${journey.id}`, { body: journey, token: ADMIN_KEY });
      return (await request('POST', `/v1/admin/journeys/${journey.id}/publish`, { token: ADMIN_KEY })).body.version;
    },
  } as TestServer;
}

describePostgres('OpenID provider on PostgreSQL, two server processes', (url) => {
  const schema = freshSchema(url);
  let processes: EngineProcess[] = [];
  let a: TestServer;
  let b: TestServer;
  let front: { server: Server; served: Record<'a' | 'b', number> };
  let publicUrl: string;
  let issuer: string;
  let target: 'a' | 'b' | 'alternate' = 'alternate';
  let last: 'a' | 'b' = 'b';
  let userId: string;
  let rp: client.Configuration;
  let basic: string;

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    issuer = `${publicUrl}/oidc`;
    const secretKey = randomBytes(32).toString('hex');
    const env = { DATABASE_URL: schema.url, ADMIN_API_KEY: ADMIN_KEY, PUBLIC_URL: publicUrl, RUN_CPU_BUDGET_MS: '60000' };
    // Both start at once on a schema that does not exist yet.
    processes = await Promise.all(['A', 'B'].map((name) => startEngine({ name, dataDir: tempDir(), secretKey, env, readyTimeoutMs: 60_000 })));
    [a, b] = processes.map((p) => asTestServer(p.url));
    front = await loadBalancer(port, { a: a.url, b: b.url }, () => {
      if (target !== 'alternate') return target;
      last = last === 'a' ? 'b' : 'a';
      return last;
    });
    await publishSamples(a, ['sign-up', 'login']);
    userId = await signUp(b, 'pg.erin');
    const app = await createClient(a, { clientId: 'pg-app', journeyId: 'login' });
    basic = `Basic ${Buffer.from(`pg-app:${app.clientSecret}`).toString('base64')}`;
    rp = await relyingParty(issuer, app.clientId, client.ClientSecretBasic(app.clientSecret));
  }, 120_000);

  afterAll(async () => {
    front?.server.close();
    await killAllEngines();
    await schema.drop();
  });

  /** The helpers, addressed through the load balancer. */
  const viaFront = (): TestServer => asTestServer(publicUrl);

  it('a login whose requests alternate between the instances: every step continues on the other one', async () => {
    target = 'alternate';
    const before = { ...front.served };
    const request = await authorizationRequest(rp, { scope: 'openid profile offline_access', prompt: 'consent' });
    const { callback, ran } = await apiLogin(viaFront(), request.url, passwordAnswers('pg.erin'), new CookieJar());
    expect(ran).toBe(true);
    const tokens = await client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    expect(tokens.claims()!.sub).toBe(userId);
    expect(await client.fetchUserInfo(rp, tokens.access_token, userId)).toMatchObject({ preferred_username: 'pg.erin' });
    const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(refreshed.claims()!.sub).toBe(userId);
    expect(front.served.a - before.a).toBeGreaterThan(4);
    expect(front.served.b - before.b).toBeGreaterThan(4);
    // The provider's state is in this PostgreSQL schema, where both processes read it.
    const kept = await query(url, `SELECT model, count(*)::int AS n FROM "${schema.name}".oidc_models GROUP BY model`);
    expect(kept.map((r) => r.model)).toEqual(expect.arrayContaining(['Session', 'Grant', 'RefreshToken', 'AccessToken']));
  });

  it('authorized on A, the code redeemed on B; B verifies, refreshes and revokes what A issued', async () => {
    target = 'a';
    const request = await authorizationRequest(rp);
    const { callback } = await apiLogin(viaFront(), request.url, passwordAnswers('pg.erin'), new CookieJar());
    target = 'b';
    const before = front.served.a;
    const tokens = await client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    expect(tokens.claims()).toMatchObject({ sub: userId, iss: issuer, amr: ['pwd'] });
    expect((await client.tokenIntrospection(rp, tokens.access_token)).active).toBe(true);
    await client.tokenRevocation(rp, tokens.access_token);
    target = 'a';
    expect((await client.tokenIntrospection(rp, tokens.access_token)).active).toBe(false);
    expect(front.served.a).toBeGreaterThan(before);
    await expect(client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    target = 'alternate';
  });

  it('one code redeemed on both processes at once: one gets tokens, the others invalid_grant', async () => {
    target = 'alternate';
    for (let round = 0; round < 3; round++) {
      const request = await authorizationRequest(rp);
      const { callback } = await apiLogin(viaFront(), request.url, passwordAnswers('pg.erin'), new CookieJar());
      const redeem = () => client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
      const outcomes = await Promise.allSettled([redeem(), redeem(), redeem(), redeem()]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ error: 'invalid_grant' });
    }
  });

  it('bad input answers OAuth errors on PostgreSQL too, never a 500', async () => {
    target = 'alternate';
    expect(await badInputFailures(issuer, publicUrl, basic)).toEqual([]);
  });
});
