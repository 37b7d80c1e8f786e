/**
 * The OpenID provider driven by openid-client 6, as an app would use it: discovery and keys, the
 * authorization code flow with PKCE (journeys run through the engine's client API here; the
 * browser suite runs the main login in Chromium), the ID token verified by the client, userinfo,
 * rotating refresh tokens, revocation, introspection, logout, client authentication methods, and
 * the refusals the standard asks for.
 */
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import {
  CookieJar,
  LOGOUT_URI,
  REDIRECT_URI,
  apiLogin,
  authorizationRequest,
  browse,
  createClient,
  follow,
  passwordAnswers,
  publishSamples,
  relyingParty,
  signUp,
  startOidcServer,
  type AuthorizationRequest,
} from './oidc-helpers.js';

describe('OpenID provider flows (openid-client)', { timeout: 60_000 }, () => {
  let server: TestServer & { issuer: string };
  let userId: string;
  let app: { clientId: string; clientSecret?: string };
  let rp: client.Configuration;

  beforeAll(async () => {
    server = await startOidcServer();
    await publishSamples(server);
    userId = await signUp(server, 'alice');
    app = await createClient(server, { clientId: 'web-app', clientName: 'Web app', journeyId: 'login' });
    rp = await relyingParty(server.issuer, app.clientId, client.ClientSecretBasic(app.clientSecret));
  }, 60_000);

  afterAll(async () => {
    await server?.close({ remove: true });
  });

  const redeem = (config: client.Configuration, callback: URL, request: AuthorizationRequest) =>
    client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });

  it('discovery names the issuer, the code flow with S256 PKCE, RS256 and ES256, and the endpoints; the JWKS has both keys', async () => {
    const metadata = rp.serverMetadata();
    expect(metadata.issuer).toBe(server.issuer);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256']));
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt']));
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'end_session_endpoint', 'jwks_uri'] as const) {
      expect(metadata[endpoint]).toMatch(new RegExp(`^${server.issuer}/`));
    }
    const jwks = await (await fetch(metadata.jwks_uri!)).json();
    expect(jwks.keys.map((k: { kty: string; alg: string }) => `${k.kty}/${k.alg}`).sort()).toEqual(['EC/ES256', 'RSA/RS256']);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
    // The provider's keys are not the result tokens' keys.
    const tokenKeys = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
    expect(tokenKeys.keys.map((k: { kid: string }) => k.kid)).not.toContain(jwks.keys[0].kid);
  });

  it('signs in with the authorization code and PKCE: the ID token verified by the client names the journey user; userinfo answers the granted claims', async () => {
    const request = await authorizationRequest(rp);
    const { callback, ran } = await apiLogin(server, request.url, passwordAnswers('alice'));
    expect(ran).toBe(true);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    const tokens = await redeem(rp, callback, request);
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(userId);
    expect(claims.iss).toBe(server.issuer);
    expect(claims.aud).toBe('web-app');
    expect(claims.amr).toEqual(['pwd']);
    expect(typeof claims.auth_time).toBe('number');
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('RS256');
    const info = await client.fetchUserInfo(rp, tokens.access_token, userId);
    expect(info).toMatchObject({ sub: userId, preferred_username: 'alice', email: 'alice@example.com' });
  });

  it('refresh tokens rotate (the old one stops working); revocation and introspection answer the client', async () => {
    const request = await authorizationRequest(rp, { scope: 'openid offline_access', prompt: 'consent' });
    const { callback } = await apiLogin(server, request.url, passwordAnswers('alice'));
    const tokens = await redeem(rp, callback, request);
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()!.sub).toBe(userId);

    const active = await client.tokenIntrospection(rp, refreshed.access_token);
    expect(active).toMatchObject({ active: true, sub: userId, client_id: 'web-app' });
    expect((await client.tokenIntrospection(rp, refreshed.refresh_token!)).active).toBe(true);

    // The rotated-out refresh token presented again: refused, and the whole grant revoked with it.
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client.tokenIntrospection(rp, refreshed.refresh_token!)).active).toBe(false);
    expect((await client.tokenIntrospection(rp, refreshed.access_token)).active).toBe(false);

    // Revocation: the access token stops working at once.
    const next = await authorizationRequest(rp);
    const fresh = await redeem(rp, (await apiLogin(server, next.url, passwordAnswers('alice'))).callback, next);
    expect((await client.fetchUserInfo(rp, fresh.access_token, userId)).sub).toBe(userId);
    await client.tokenRevocation(rp, fresh.access_token);
    expect((await client.tokenIntrospection(rp, fresh.access_token)).active).toBe(false);
    await expect(client.fetchUserInfo(rp, fresh.access_token, userId)).rejects.toThrow();
  });

  it('a second login of the same browser needs no journey (single sign-on); RP-initiated logout ends it', async () => {
    const jar = new CookieJar();
    const first = await authorizationRequest(rp);
    const one = await apiLogin(server, first.url, passwordAnswers('alice'), jar);
    expect(one.ran).toBe(true);
    const tokens = await redeem(rp, one.callback, first);

    const second = await authorizationRequest(rp);
    const two = await apiLogin(server, second.url, passwordAnswers('alice'), jar);
    expect(two.ran).toBe(false);
    expect((await redeem(rp, two.callback, second)).claims()!.sub).toBe(userId);

    const logout = client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: LOGOUT_URI, state: 'bye' });
    const confirm = await browse(jar, logout);
    expect(confirm.status).toBe(200);
    const page = await confirm.text();
    const action = /action="([^"]+)"/.exec(page)![1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)![1];
    const done = await browse(jar, new URL(action.replaceAll('&amp;', '&'), server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${LOGOUT_URI}?state=bye`);

    const third = await authorizationRequest(rp);
    expect((await apiLogin(server, third.url, passwordAnswers('alice'), jar)).ran).toBe(true);
  });

  it('prompt=login and max_age run the journey again over a live session', async () => {
    const jar = new CookieJar();
    const first = await authorizationRequest(rp);
    await redeem(rp, (await apiLogin(server, first.url, passwordAnswers('alice'), jar)).callback, first);

    const forced = await authorizationRequest(rp, { prompt: 'login' });
    const run = await apiLogin(server, forced.url, passwordAnswers('alice'), jar);
    expect(run.ran).toBe(true);
    expect((await redeem(rp, run.callback, forced)).claims()!.sub).toBe(userId);

    const recent = await authorizationRequest(rp, { max_age: '300' });
    expect((await apiLogin(server, recent.url, [], jar)).ran).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const old = await authorizationRequest(rp, { max_age: '1' });
    const rerun = await apiLogin(server, old.url, passwordAnswers('alice'), jar);
    expect(rerun.ran).toBe(true);
    const tokens = await client.authorizationCodeGrant(rp, rerun.callback, { pkceCodeVerifier: old.verifier, expectedState: old.state, expectedNonce: old.nonce, maxAge: 1 });
    expect(tokens.claims()!.auth_time).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 2);
  });

  it('client_secret_post and private_key_jwt clients sign in; an ES256 client gets ES256 ID tokens', async () => {
    const post = await createClient(server, { clientId: 'post-app', journeyId: 'login', tokenEndpointAuthMethod: 'client_secret_post', idTokenSignedResponseAlg: 'ES256' });
    const postRp = await relyingParty(server.issuer, post.clientId, client.ClientSecretPost(post.clientSecret), { id_token_signed_response_alg: 'ES256' });
    const request = await authorizationRequest(postRp);
    const tokens = await redeem(postRp, (await apiLogin(server, request.url, passwordAnswers('alice'))).callback, request);
    expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0], 'base64url').toString()).alg).toBe('ES256');
    expect(tokens.claims()!.sub).toBe(userId);

    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'app-key-1', alg: 'ES256', use: 'sig' };
    const keyed = await createClient(server, { clientId: 'jwt-app', journeyId: 'login', tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [jwk] } });
    expect(keyed.clientSecret).toBeUndefined();
    const keyedRp = await relyingParty(server.issuer, keyed.clientId, client.PrivateKeyJwt({ key: privateKey, kid: 'app-key-1' }));
    const second = await authorizationRequest(keyedRp);
    expect((await redeem(keyedRp, (await apiLogin(server, second.url, passwordAnswers('alice'))).callback, second)).claims()!.sub).toBe(userId);
    // Someone else's key is refused.
    const stranger = await generateKeyPair('ES256', { extractable: true });
    const forged = await relyingParty(server.issuer, keyed.clientId, client.PrivateKeyJwt({ key: stranger.privateKey, kid: 'app-key-1' }));
    const third = await authorizationRequest(forged);
    await expect(redeem(forged, (await apiLogin(server, third.url, passwordAnswers('alice'))).callback, third)).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a wrong redirect URI (no redirect to it), a reused code (revoking its tokens), a missing or wrong PKCE verifier, a wrong secret', async () => {
    const wrong = await authorizationRequest(rp, { redirect_uri: 'https://evil.example.test/callback' });
    const refused = await browse(new CookieJar(), wrong.url);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    expect(await refused.text()).toContain('invalid_redirect_uri');

    const request = await authorizationRequest(rp);
    const { callback } = await apiLogin(server, request.url, passwordAnswers('alice'));
    const tokens = await redeem(rp, callback, request);
    await expect(redeem(rp, callback, request)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client.tokenIntrospection(rp, tokens.access_token)).active).toBe(false);

    // Two redemptions of one code at once: one gets tokens, the other invalid_grant.
    const raced = await authorizationRequest(rp);
    const racedCallback = (await apiLogin(server, raced.url, passwordAnswers('alice'))).callback;
    const outcomes = await Promise.allSettled([redeem(rp, racedCallback, raced), redeem(rp, racedCallback, raced), redeem(rp, racedCallback, raced)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ error: 'invalid_grant' });

    const noVerifier = await authorizationRequest(rp);
    const noVerifierCallback = (await apiLogin(server, noVerifier.url, passwordAnswers('alice'))).callback;
    await expect(
      client.authorizationCodeGrant(rp, noVerifierCallback, { expectedState: noVerifier.state, expectedNonce: noVerifier.nonce }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    const wrongVerifier = await authorizationRequest(rp);
    const wrongVerifierCallback = (await apiLogin(server, wrongVerifier.url, passwordAnswers('alice'))).callback;
    await expect(
      client.authorizationCodeGrant(rp, wrongVerifierCallback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: wrongVerifier.state, expectedNonce: wrongVerifier.nonce }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });

    const badSecret = await relyingParty(server.issuer, app.clientId, client.ClientSecretBasic('not-the-secret'));
    const last = await authorizationRequest(badSecret);
    await expect(redeem(badSecret, (await apiLogin(server, last.url, passwordAnswers('alice'))).callback, last)).rejects.toMatchObject({
      status: 401,
      cause: [{ parameters: { error: 'invalid_client' } }],
    });
  });

  it('a public client must use PKCE', async () => {
    const spa = await createClient(server, { clientId: 'spa', journeyId: 'login', tokenEndpointAuthMethod: 'none' });
    expect(spa.clientSecret).toBeUndefined();
    const spaRp = await relyingParty(server.issuer, 'spa', client.None());
    const url = client.buildAuthorizationUrl(spaRp, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's' });
    const { url: landed } = await follow(server, new CookieJar(), url);
    const back = new URL(landed);
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/PKCE/);
  });
});
