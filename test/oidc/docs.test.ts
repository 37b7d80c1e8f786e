/**
 * docs/oidc.md as written: the client registration of the five-minute guide is accepted by the
 * admin API as it stands, and the endpoints its table lists are the ones discovery announces.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { publishSamples, startOidcServer } from './oidc-helpers.js';

const guide = readFileSync(new URL('../../docs/oidc.md', import.meta.url), 'utf8');

describe('docs/oidc.md', { timeout: 60_000 }, () => {
  let server: TestServer & { issuer: string };

  beforeAll(async () => {
    server = await startOidcServer();
    await publishSamples(server, ['login', 'login-totp']);
  }, 60_000);

  afterAll(async () => {
    await server?.close({ remove: true });
  });

  it("the guide's client registration is accepted as written", async () => {
    const body = /localhost:3000\/v1\/admin\/oidc\/clients .* -d '(\{[\s\S]*?\})'/.exec(guide)![1];
    const created = await server.admin('POST', '/v1/admin/oidc/clients', JSON.parse(body));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ clientId: 'my-app', journeyId: 'login', acrJourneys: { 'urn:journey:mfa': 'login-totp' }, firstParty: true });
    expect(created.body.clientSecret).toBeTruthy();
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
