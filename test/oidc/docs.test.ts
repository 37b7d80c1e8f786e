/**
 * docs/oidc.md as written: the five-minute guide's client registration and Express app run as
 * they stand (only the two addresses changed to the test's), a user signs in through it, and the
 * endpoints its table lists are the ones discovery announces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/e2e-helpers.js';
import type { TestServer } from '../helpers/test-server.js';
import { CookieJar, apiLogin, freePort, passwordAnswers, publishSamples, signUp, startOidcServer } from './oidc-helpers.js';

const guide = readFileSync(new URL('../../docs/oidc.md', import.meta.url), 'utf8');

describe('docs/oidc.md', { timeout: 60_000 }, () => {
  let server: TestServer & { issuer: string };
  let app: ChildProcess | undefined;

  beforeAll(async () => {
    server = await startOidcServer();
    await publishSamples(server, ['sign-up', 'login', 'login-totp']);
    await signUp(server, 'alice');
  }, 60_000);

  afterAll(async () => {
    app?.kill();
    await server?.close({ remove: true });
  });

  it("the guide's client registration and Express app sign a user in as written", async () => {
    const appPort = await freePort();
    const addresses = (text: string) => text.replaceAll('http://localhost:3000', server.url).replaceAll('http://localhost:4000', `http://127.0.0.1:${appPort}`).replaceAll('app.listen(4000)', `app.listen(${appPort}, '127.0.0.1')`);
    const body = /localhost:3000\/v1\/admin\/oidc\/clients .* -d '(\{[\s\S]*?\})'/.exec(guide)![1];
    const created = await server.admin('POST', '/v1/admin/oidc/clients', JSON.parse(addresses(body)));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ clientId: 'my-app', journeyId: 'login', acrJourneys: { 'urn:journey:mfa': 'login-totp' }, firstParty: true });

    // The guide's app, in a file beside the project's node_modules (express, openid-client).
    const code = /```js\n([\s\S]*?)```/.exec(guide)![1];
    const dir = join(ROOT, 'test-results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'oidc-guide-app.mjs');
    writeFileSync(file, addresses(code));
    app = spawn(process.execPath, [file], { env: { ...process.env, CLIENT_SECRET: created.body.clientSecret }, stdio: 'ignore' });
    const appUrl = `http://127.0.0.1:${appPort}`;
    let login: Response | null = null;
    for (let i = 0; i < 100 && !login; i++) {
      login = await fetch(`${appUrl}/login`, { redirect: 'manual' }).catch(() => null);
      if (!login) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(login!.status).toBe(302);
    const { callback } = await apiLogin(server, new URL(login!.headers.get('location')!), passwordAnswers('alice'), new CookieJar());
    expect(callback.origin).toBe(appUrl);
    const page = await fetch(callback);
    expect(await page.text()).toBe('Hello alice (pwd)');
  });

  it('the endpoint table lists what discovery announces', async () => {
    const discovery = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json();
    for (const key of ['jwks_uri', 'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'introspection_endpoint', 'revocation_endpoint', 'end_session_endpoint']) {
      const path = (discovery[key] as string).slice(server.issuer.length);
      expect(guide, key).toContain(`\`${path}\``);
    }
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.grant_types_supported.sort()).toEqual(['authorization_code', 'refresh_token']);
  });
});
