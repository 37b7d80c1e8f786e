/**
 * The provider under conditions apps do not choose: a SECRET_KEY rotation (client secrets and the
 * provider's keys sealed again, SSO cookies re-signed), forged Host headers (URLs stay on
 * PUBLIC_URL), framing, and acr_values the client does not map (voluntary: no forced login).
 */
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir, type TestServer } from '../helpers/test-server.js';
import { CookieJar, REDIRECT_URI, apiLogin, authorizationRequest, createClient, passwordAnswers, publishSamples, relyingParty, signUp, startOidcServer } from './oidc-helpers.js';

describe('OpenID provider hardening', { timeout: 90_000 }, () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close({ remove: true });
  });
  const start = async (options: Parameters<typeof startOidcServer>[0]) => {
    const server = await startOidcServer(options);
    servers.push(server);
    return server;
  };

  it('after a SECRET_KEY rotation the client secret still authenticates and the provider still signs', async () => {
    const dataDir = tempDataDir();
    const k1 = randomBytes(32).toString('hex');
    const k2 = randomBytes(32).toString('hex');
    const before = await start({ dataDir, env: { SECRET_KEY: k1 } });
    await publishSamples(before, ['sign-up', 'login']);
    const userId = await signUp(before, 'rotor');
    const app = await createClient(before, { clientId: 'rotating-app', journeyId: 'login' });
    const signIn = async (server: TestServer & { issuer: string }) => {
      const rp = await relyingParty(server.issuer, 'rotating-app', client.ClientSecretBasic(app.clientSecret));
      const request = await authorizationRequest(rp);
      const { callback } = await apiLogin(server, request.url, passwordAnswers('rotor'));
      return client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    };
    const kid = JSON.parse(Buffer.from((await signIn(before)).id_token!.split('.')[0], 'base64url').toString()).kid;
    servers.splice(servers.indexOf(before), 1);
    await before.close();

    const rotating = await start({ dataDir, env: { SECRET_KEY: k2, SECRET_KEY_PREVIOUS: k1 } });
    expect((await signIn(rotating)).claims()!.sub).toBe(userId);
    servers.splice(servers.indexOf(rotating), 1);
    await rotating.close();

    // K1 is gone: what was sealed under it was sealed again under K2 when K2+K1 started.
    const after = await start({ dataDir, env: { SECRET_KEY: k2 } });
    const tokens = await signIn(after);
    expect(tokens.claims()!.sub).toBe(userId);
    expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0], 'base64url').toString()).kid).toBe(kid);
  });

  it('a forged Host header moves no URL; pages are not framed; unmapped acr_values force no login', async () => {
    const server = await start({});
    await publishSamples(server, ['sign-up', 'login']);
    await signUp(server, 'hosty');
    const forged = await fetch(`${server.issuer}/.well-known/openid-configuration`, { headers: { host: 'evil.example.test', 'x-forwarded-host': 'evil.example.test' } });
    const discovery = await forged.json();
    expect(discovery.issuer).toBe(server.issuer);
    expect(discovery.token_endpoint).toBe(`${server.issuer}/token`);
    expect(JSON.stringify(discovery)).not.toContain('evil');
    expect(forged.headers.get('x-frame-options')).toBe('DENY');

    const app = await createClient(server, { clientId: 'acr-app', journeyId: 'login' });
    const rp = await relyingParty(server.issuer, app.clientId, client.ClientSecretBasic(app.clientSecret));
    const jar = new CookieJar();
    const first = await authorizationRequest(rp);
    expect((await apiLogin(server, first.url, passwordAnswers('hosty'), jar)).ran).toBe(true);
    const voluntary = await authorizationRequest(rp, { acr_values: 'urn:example:unknown' });
    const again = await apiLogin(server, voluntary.url, [], jar);
    expect(again.ran).toBe(false);
    expect(again.callback.origin + again.callback.pathname).toBe(REDIRECT_URI);
    const tokens = await client.authorizationCodeGrant(rp, again.callback, { pkceCodeVerifier: voluntary.verifier, expectedState: voluntary.state, expectedNonce: voluntary.nonce });
    expect(tokens.claims()!.acr).toBeUndefined();
  });
});
