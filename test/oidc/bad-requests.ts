/**
 * Bad requests to every endpoint of the provider, and what a standard answer to each looks like:
 * an OAuth error (JSON, a redirect with `error=`, or an error page), never a 500. Shared by the
 * SQLite suite (bad-input.test.ts) and the PostgreSQL one.
 */
import { REDIRECT_URI } from './oidc-helpers.js';

export const OAUTH_ERRORS = new Set([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope',
  'invalid_token', 'unsupported_response_type', 'unsupported_token_type', 'access_denied', 'invalid_redirect_uri',
  'invalid_request_object', 'request_not_supported', 'login_required', 'invalid_client_metadata', 'invalid_dpop_proof', 'server_error',
]);

/** Answers what went wrong (empty: every answer was a standard one). */
export async function badInputFailures(issuer: string, serverUrl: string, basic: string): Promise<string[]> {
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const NUL = '\u0000';
const LONG = 'x'.repeat(10_000);

/** [label, path under the issuer, init]: each must answer < 500 with an OAuth error (JSON) or an error page (HTML). */
const requests = (): Array<[string, string, RequestInit]> => [
  ['auth without parameters', '/auth', {}],
  ['auth, unknown client', '/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fx.test', {}],
  ['auth, NUL in client_id', `/auth?client_id=${encodeURIComponent(NUL)}&response_type=code&scope=openid`, {}],
  ['auth, very long client_id', `/auth?client_id=${LONG}&response_type=code&scope=openid`, {}],
  ['auth, bad percent-encoding', '/auth?client_id=%E0%A4%A&response_type=code', {}],
  ['auth, repeated parameter', `/auth?client_id=app&client_id=app&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, {}],
  ['auth, implicit response type', `/auth?client_id=app&response_type=token&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, {}],
  ['auth, plain PKCE', `/auth?client_id=app&response_type=code&scope=openid&code_challenge=abc&code_challenge_method=plain&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, {}],
  ['auth, bad request object', `/auth?client_id=app&response_type=code&scope=openid&request=not.a.jwt&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, {}],
  ['auth, bad max_age', `/auth?client_id=app&response_type=code&scope=openid&max_age=-1&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, {}],
  ['auth, bad claims', `/auth?client_id=app&response_type=code&scope=openid&claims=%7Bnope&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, {}],
  ['auth, POST with JSON', '/auth', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"client_id":"app"}' }],
  ['token without body', '/token', { method: 'POST' }],
  ['token, JSON body', '/token', { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic }, body: '{"grant_type":"authorization_code"}' }],
  ['token, malformed form', '/token', { method: 'POST', headers: { ...FORM, authorization: basic }, body: '%%%&&&=' }],
  ['token, unknown grant type', '/token', { method: 'POST', headers: { ...FORM, authorization: basic }, body: form({ grant_type: 'password', username: 'a', password: 'b' }) }],
  ['token, client credentials', '/token', { method: 'POST', headers: { ...FORM, authorization: basic }, body: form({ grant_type: 'client_credentials' }) }],
  ['token, no client', '/token', { method: 'POST', headers: FORM, body: form({ grant_type: 'authorization_code', code: 'x' }) }],
  ['token, garbage basic auth', '/token', { method: 'POST', headers: { ...FORM, authorization: 'Basic %%%' }, body: form({ grant_type: 'authorization_code', code: 'x' }) }],
  ['token, NUL in code', '/token', { method: 'POST', headers: { ...FORM, authorization: basic }, body: form({ grant_type: 'authorization_code', code: NUL, redirect_uri: REDIRECT_URI }) }],
  ['token, long code', '/token', { method: 'POST', headers: { ...FORM, authorization: basic }, body: form({ grant_type: 'authorization_code', code: LONG, redirect_uri: REDIRECT_URI, code_verifier: 'v'.repeat(43) }) }],
  ['token, bad refresh token', '/token', { method: 'POST', headers: { ...FORM, authorization: basic }, body: form({ grant_type: 'refresh_token', refresh_token: `${NUL}x` }) }],
  ['token, bad client assertion', '/token', { method: 'POST', headers: FORM, body: form({ grant_type: 'authorization_code', code: 'x', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'a.b.c' }) }],
  ['token, GET', '/token', {}],
  ['userinfo without token', '/me', {}],
  ['userinfo, garbage bearer', '/me', { headers: { authorization: 'Bearer garbage' } }],
  ['userinfo, NUL bearer', '/me', { headers: { authorization: `Bearer ${encodeURIComponent(NUL)}` } }],
  ['userinfo, two tokens', '/me?access_token=a', { headers: { authorization: 'Bearer b' } }],
  ['introspection without client', '/token/introspection', { method: 'POST', headers: FORM, body: form({ token: 'x' }) }],
  ['introspection without token', '/token/introspection', { method: 'POST', headers: { ...FORM, authorization: basic }, body: '' }],
  ['introspection, NUL token', '/token/introspection', { method: 'POST', headers: { ...FORM, authorization: basic }, body: form({ token: NUL, token_type_hint: 'nonsense' }) }],
  ['revocation without client', '/token/revocation', { method: 'POST', headers: FORM, body: form({ token: 'x' }) }],
  ['revocation, NUL token', '/token/revocation', { method: 'POST', headers: { ...FORM, authorization: basic }, body: form({ token: NUL }) }],
  ['revocation, bad hint', '/token/revocation', { method: 'POST', headers: { ...FORM, authorization: basic }, body: form({ token: 'x', token_type_hint: 'bogus' }) }],
  ['end session, garbage id_token_hint', '/session/end?id_token_hint=a.b.c', {}],
  ['end session, foreign post-logout URI', '/session/end?client_id=app&post_logout_redirect_uri=https%3A%2F%2Fevil.test', {}],
  ['end session confirm without xsrf', '/session/end/confirm', { method: 'POST', headers: FORM, body: form({ logout: 'yes' }) }],
  ['jwks, POST', '/jwks', { method: 'POST' }],
  ['discovery, POST', '/.well-known/openid-configuration', { method: 'POST' }],
  ['unknown path', '/nothing-here', {}],
  ['interaction, unknown uid, no cookie', '/interaction/unknown', {}],
  ['interaction journey return, unknown uid', '/interaction/unknown/journey?token=x', {}],
  ['consent, unknown uid', '/interaction/unknown/consent', { method: 'POST', headers: FORM, body: '' }],
  ['abort, unknown uid', '/interaction/unknown/abort', { method: 'POST', headers: FORM, body: '' }],
  ['interaction, forged cookie', '/interaction/abc', { headers: { cookie: '_interaction=abc; _interaction.sig=forged' } }],
  ['resume, unknown uid', '/auth/unknown', {}],
];

/** What the standards answer with 200: an unknown token is inactive (RFC 7662) or revoked already (RFC 7009). */
const STANDARD_OK: Record<string, string> = {
  'introspection, NUL token': '{"active":false}',
  'revocation, NUL token': '',
  'revocation, bad hint': '',
};


  const server = { issuer, url: serverUrl };
  const failures: string[] = [];
  for (const [label, path, init] of requests()) {
    const response = await fetch(`${server.issuer}${path}`, { redirect: 'manual', ...init });
    const text = await response.text();
    if (label in STANDARD_OK) {
      if (response.status !== 200 || text !== STANDARD_OK[label]) failures.push(`${label}: ${response.status} ${text}`);
      continue;
    }
    if (response.status >= 500) {
      failures.push(`${label}: ${response.status} ${text.slice(0, 200)}`);
      continue;
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.status >= 300 && response.status < 400) {
      // A redirect back to the client carries the error in its address.
      const location = new URL(response.headers.get('location')!, server.url);
      const error = location.searchParams.get('error');
      if (error && !OAUTH_ERRORS.has(error)) failures.push(`${label}: redirect with ${error}`);
    } else if (type.includes('json')) {
      const error = (JSON.parse(text) as { error?: string }).error;
      if (!error || !OAUTH_ERRORS.has(error)) failures.push(`${label}: ${response.status} ${text.slice(0, 200)}`);
    } else if (type.includes('html')) {
      if (!/<code>[a-z_]+<\/code>|invalid_request|not_found|Not Found/.test(text)) failures.push(`${label}: page without an error code`);
    } else if (response.status !== 404 && response.status !== 405) {
      failures.push(`${label}: ${response.status} ${type} ${text.slice(0, 100)}`);
    }
    if (response.status < 400 && !(response.status >= 300 && response.status < 400) && !label.startsWith('end session')) failures.push(`${label}: accepted (${response.status})`);
  }
  return failures;
}
