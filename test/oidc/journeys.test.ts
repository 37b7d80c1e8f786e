/**
 * Journeys are the login: the client's journey or the one its acr_values map to (step-up),
 * login_hint reaches the journey as $input.loginHint
 * without establishing anyone, a rejected journey answers access_denied, and a third-party client
 * asks for consent. Journeys run through the engine's client API (browser.test.ts runs them in Chromium).
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import {
  CookieJar,
  PASSWORD,
  REDIRECT_URI,
  apiLogin,
  authorizationRequest,
  browse,
  createClient,
  enrolTotp,
  follow,
  passwordAnswers,
  publishSamples,
  relyingParty,
  signUp,
  startOidcServer,
  totp,
  type AuthorizationRequest,
} from './oidc-helpers.js';

const MFA = 'urn:journey:mfa';

/** Not public: only the provider (an app) may start them. The hint names the user; a password proves them. */
const hintLogin = {
  id: 'hint-login',
  name: 'Hinted sign-in',
  start: 'identify',
  settings: { public: false, sessionTtlSeconds: 900 },
  steps: {
    identify: { type: 'user.identify', config: { username: '{% $input.loginHint %}' }, branches: { success: 'password' } },
    password: {
      type: 'form',
      config: {
        outputVariable: 'pw',
        title: 'Password',
        options: [{ id: 'signIn', label: 'Sign in', schema: { type: 'object', required: ['password'], properties: { password: { type: 'string', minLength: 1 } } } }],
      },
      branches: { signIn: 'check' },
    },
    check: { type: 'password.authenticate', config: { username: '{% $input.loginHint %}', password: '{% pw.password %}' }, branches: { success: 'done', failure: 'password' } },
    done: { type: 'complete', config: { claims: { username: '{% $user.username %}', tier: 'gold', hinted: true } } },
  },
};

/** Names the user from the hint and completes: it proves nothing, so it must not sign anyone in. */
const hintOnly = {
  id: 'hint-only',
  name: 'Hint only',
  start: 'identify',
  settings: { public: false, sessionTtlSeconds: 900 },
  steps: {
    identify: { type: 'user.identify', config: { username: '{% $input.loginHint %}' }, branches: { success: 'done' } },
    done: { type: 'complete', config: { claims: { username: '{% $user.username %}' } } },
  },
};

describe('OpenID provider: journeys are the login', { timeout: 60_000 }, () => {
  let server: TestServer & { issuer: string };
  let bob: string;
  let secret: string;
  let rp: client.Configuration;

  beforeAll(async () => {
    server = await startOidcServer();
    await publishSamples(server);
    await server.publish(hintLogin);
    await server.publish(hintOnly);
    bob = await signUp(server, 'bob');
    secret = await enrolTotp(server, 'bob');
    const app = await createClient(server, { clientId: 'portal', journeyId: 'login', acrJourneys: { [MFA]: 'login-totp', 'urn:journey:hint': 'hint-login', 'urn:journey:hint-only': 'hint-only' } });
    rp = await relyingParty(server.issuer, app.clientId, client.ClientSecretBasic(app.clientSecret));
  }, 60_000);

  afterAll(async () => {
    await server?.close({ remove: true });
  });

  const redeem = (callback: URL, request: AuthorizationRequest, checks: Partial<client.AuthorizationCodeGrantChecks> = {}) =>
    client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce, ...checks });
  const passwordAndApp = () => [...passwordAnswers('bob').slice(0, 1), ['secondFactor/appCode', 'verify', { code: totp(server, secret) }]] as Array<[string, string, unknown?]>;
  const totpAnswers = () => [['login', 'totp', { username: 'bob', totp_code: totp(server, secret) }]] as Array<[string, string, unknown?]>;

  it("a step-up by acr_values runs the mapped journey; the ID token's acr is the entry whose journey ran; a satisfied acr runs nothing", async () => {
    const jar = new CookieJar();
    const first = await authorizationRequest(rp);
    const plain = await redeem((await apiLogin(server, first.url, passwordAndApp(), jar)).callback, first);
    expect(plain.claims()!.acr).toBeUndefined();
    expect(plain.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);

    server.clock.advance(30);
    const stepUp = await authorizationRequest(rp, { acr_values: MFA });
    const ran = await apiLogin(server, stepUp.url, totpAnswers(), jar);
    expect(ran.ran).toBe(true);
    const strong = await redeem(ran.callback, stepUp);
    expect(strong.claims()).toMatchObject({ sub: bob, acr: MFA, amr: ['otp'] });

    const again = await authorizationRequest(rp, { acr_values: MFA });
    const sso = await apiLogin(server, again.url, [], jar);
    expect(sso.ran).toBe(false);
    expect((await redeem(sso.callback, again)).claims()).toMatchObject({ sub: bob, acr: MFA });
  });

  it('login_hint reaches the journey as $input.loginHint, and establishes nobody by itself', async () => {
    const hinted = await authorizationRequest(rp, { acr_values: 'urn:journey:hint', login_hint: 'bob', scope: 'openid profile journey' });
    const signedIn = await apiLogin(server, hinted.url, [['password', 'signIn', { password: PASSWORD }]]);
    const tokens = await redeem(signedIn.callback, hinted);
    expect(tokens.claims()).toMatchObject({ sub: bob, acr: 'urn:journey:hint', amr: ['pwd'] });
    // The journey's own claims: standard names as they are, the others under journey_claims.
    expect(await client.fetchUserInfo(rp, tokens.access_token, bob)).toEqual({ sub: bob, preferred_username: 'bob', journey_claims: { tier: 'gold', hinted: true } });

    const only = await authorizationRequest(rp, { acr_values: 'urn:journey:hint-only', login_hint: 'bob' });
    const denied = await apiLogin(server, only.url, []);
    expect(denied.callback.searchParams.get('error')).toBe('access_denied');
    expect(denied.callback.searchParams.get('error_description')).toMatch(/did not establish a user/);
    expect(denied.callback.searchParams.get('state')).toBe(only.state);
  });

  it('a rejected journey answers access_denied to the client', async () => {
    const request = await authorizationRequest(rp, { acr_values: MFA });
    const { callback, ran } = await apiLogin(server, request.url, [['login', 'cancel']]);
    expect(ran).toBe(true);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    await expect(redeem(callback, request)).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('the browser cannot come back before the journey ended, nor without its result token', async () => {
    server.clock.advance(30);
    const request = await authorizationRequest(rp);
    const jar = new CookieJar();
    const first = await follow(server, jar, request.url);
    const runner = new URL(first.url);
    const session = { sessionId: runner.searchParams.get('session')!, sessionToken: new URLSearchParams(runner.hash.slice(1)).get('t')! };
    const submit = (stepId: string, option: string, data?: unknown) =>
      server.request('POST', `/v1/sessions/${session.sessionId}/submit`, { token: session.sessionToken, body: data === undefined ? { stepId, option } : { stepId, option, data } });
    const asked = await submit('credentials', 'signIn', { username: 'bob', password: PASSWORD });
    // Not finished yet: coming back early is refused on a page, and the run stays usable.
    const early = await browse(jar, asked.body.ui.redirectUrl);
    expect(early.status).toBe(400);
    const done = await submit('secondFactor/appCode', 'verify', { code: totp(server, secret) });
    expect(done.body.status).toBe('completed');
    const back = new URL(done.body.ui.redirectUrl);
    const without = await follow(server, jar, back);
    expect(new URL(without.url).searchParams.get('error')).toBe('access_denied');
    // The journey's run is over for this sign-in: its token cannot be brought back later.
    back.searchParams.set('token', done.body.result.token);
    expect((await browse(jar, back)).status).toBe(400);
  });

  it('a third-party client shows a consent page; allowing grants the scopes, denying answers access_denied', async () => {
    const third = await createClient(server, { clientId: 'partner', clientName: 'Partner <b>app</b>', journeyId: 'login', firstParty: false });
    const partner = await relyingParty(server.issuer, third.clientId, client.ClientSecretBasic(third.clientSecret));
    const jar = new CookieJar();
    server.clock.advance(30);
    const request = await authorizationRequest(partner, { scope: 'openid email' });
    const login = await apiLogin(server, request.url, passwordAndApp(), jar);
    expect(login.callback.pathname).toMatch(/^\/oidc\/interaction\//);
    const page = await browse(jar, login.callback);
    const html = await page.text();
    expect(html).toContain('Partner &#60;b&#62;app&#60;/b&#62;');
    expect(html).toContain('<code>email</code>');
    const consented = await browse(jar, new URL(`${login.callback.pathname}/consent`, server.url), { method: 'POST' });
    const callback = await follow(server, jar, new URL(consented.headers.get('location')!, server.url));
    const tokens = await client.authorizationCodeGrant(partner, new URL(callback.url), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    expect(await client.fetchUserInfo(partner, tokens.access_token, bob)).toMatchObject({ sub: bob, email: 'bob@example.com' });

    const second = await authorizationRequest(partner, { scope: 'openid phone' });
    const asked = await follow(server, jar, second.url);
    expect(asked.response.status).toBe(200);
    const denied = await browse(jar, new URL(`${new URL(asked.url).pathname}/abort`, server.url), { method: 'POST' });
    const landed = await follow(server, jar, new URL(denied.headers.get('location')!, server.url));
    expect(new URL(landed.url).searchParams.get('error')).toBe('access_denied');
  });
});
