/**
 * OpenID clients managed like journeys (/v1/admin/oidc/clients): the secret shown once and
 * sealed at rest, rotation that stops the old secret at once, the provider's own judgement of
 * the metadata, journeys that must be published, and a journey a client uses that cannot be deleted.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, type TestServer } from '../helpers/test-server.js';
import { REDIRECT_URI, publishSamples, startOidcServer } from './oidc-helpers.js';

describe('OpenID clients (admin API)', { timeout: 60_000 }, () => {
  let server: TestServer & { issuer: string };

  beforeAll(async () => {
    server = await startOidcServer();
    await publishSamples(server, ['login', 'login-totp']);
  }, 60_000);

  afterAll(async () => {
    await server?.close({ remove: true });
  });

  /** A token request with a made-up code: the client's authentication is judged first. */
  const authenticate = async (clientId: string, secret: string) => {
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'made-up', redirect_uri: REDIRECT_URI, code_verifier: 'v'.repeat(43) }).toString(),
    });
    return ((await response.json()) as { error: string }).error;
  };

  it('creates a client with a secret shown once, sealed at rest; lists, reads, replaces and deletes it', async () => {
    const created = await server.admin('POST', '/v1/admin/oidc/clients', {
      clientId: 'shop',
      clientName: 'Shop',
      redirectUris: [REDIRECT_URI],
      journeyId: 'login',
      acrJourneys: { 'urn:journey:mfa': 'login-totp' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      clientId: 'shop',
      clientName: 'Shop',
      tokenEndpointAuthMethod: 'client_secret_basic',
      idTokenSignedResponseAlg: 'RS256',
      journeyId: 'login',
      firstParty: false,
      postLogoutRedirectUris: [],
    });
    const secret = created.body.clientSecret as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await authenticate('shop', secret)).toBe('invalid_grant');
    expect(await authenticate('shop', `${secret}x`)).toBe('invalid_client');

    const db = new Database(join(server.dataDir, 'journeys.db'), { readonly: true });
    const row = db.prepare('SELECT * FROM oidc_clients WHERE id = ?').get('shop') as Record<string, string>;
    db.close();
    expect(row.sealed_secret).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(secret);

    const listed = await server.admin('GET', '/v1/admin/oidc/clients');
    expect(listed.body.map((c: { clientId: string }) => c.clientId)).toEqual(['shop']);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const read = await server.admin('GET', '/v1/admin/oidc/clients/shop');
    expect(read.body).not.toHaveProperty('clientSecret');

    const replaced = await server.admin('PUT', '/v1/admin/oidc/clients/shop', { redirectUris: [REDIRECT_URI, 'https://app.example.test/other'], journeyId: 'login-totp', firstParty: true });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ journeyId: 'login-totp', firstParty: true, acrJourneys: {} });
    expect(replaced.body).not.toHaveProperty('clientSecret');
    expect(await authenticate('shop', secret)).toBe('invalid_grant');

    expect((await server.admin('DELETE', '/v1/admin/oidc/clients/shop')).status).toBe(204);
    expect((await server.admin('GET', '/v1/admin/oidc/clients/shop')).status).toBe(404);
    expect(await authenticate('shop', secret)).toBe('invalid_client');
  });

  it('rotating the secret stops the old one at once; clients without a secret have none to rotate', async () => {
    const created = await server.admin('POST', '/v1/admin/oidc/clients', { clientId: 'rotating', redirectUris: [REDIRECT_URI], journeyId: 'login' });
    const rotated = await server.admin('POST', '/v1/admin/oidc/clients/rotating/secret');
    expect(rotated.status).toBe(200);
    expect(rotated.body.clientSecret).not.toBe(created.body.clientSecret);
    expect(await authenticate('rotating', created.body.clientSecret)).toBe('invalid_client');
    expect(await authenticate('rotating', rotated.body.clientSecret)).toBe('invalid_grant');

    const publicClient = await server.admin('POST', '/v1/admin/oidc/clients', { clientId: 'spa', redirectUris: [REDIRECT_URI], journeyId: 'login', tokenEndpointAuthMethod: 'none' });
    expect(publicClient.body).not.toHaveProperty('clientSecret');
    const refused = await server.admin('POST', '/v1/admin/oidc/clients/spa/secret');
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('validation_failed');
  });

  it('refuses a taken id, unpublished journeys, metadata the provider refuses, and bad bodies, changing nothing', async () => {
    await server.admin('POST', '/v1/admin/oidc/clients', { clientId: 'taken', redirectUris: [REDIRECT_URI], journeyId: 'login' });
    const before = await server.admin('GET', '/v1/admin/oidc/clients');
    const cases: Array<[unknown, number, string, RegExp?]> = [
      [{ clientId: 'taken', redirectUris: [REDIRECT_URI], journeyId: 'login' }, 409, 'client_exists'],
      [{ clientId: 'nojourney', redirectUris: [REDIRECT_URI], journeyId: 'sign-up' }, 422, 'validation_failed', /not published/],
      [{ clientId: 'badacr', redirectUris: [REDIRECT_URI], journeyId: 'login', acrJourneys: { x: 'nope' } }, 422, 'validation_failed', /"nope" is not published/],
      [{ clientId: 'fragment', redirectUris: ['https://app.example.test/cb#frag'], journeyId: 'login' }, 422, 'validation_failed', /not valid/],
      [{ clientId: 'relative', redirectUris: ['/callback'], journeyId: 'login' }, 422, 'validation_failed', /not valid/],
      [{ clientId: 'nokeys', redirectUris: [REDIRECT_URI], journeyId: 'login', tokenEndpointAuthMethod: 'private_key_jwt' }, 422, 'validation_failed', /not valid/],
      [{ clientId: 'bad id!', redirectUris: [REDIRECT_URI], journeyId: 'login' }, 400, 'invalid_request'],
      [{ redirectUris: [], journeyId: 'login' }, 400, 'invalid_request'],
      [{ redirectUris: [REDIRECT_URI], journeyId: 'login', clientSecret: 'mine' }, 400, 'invalid_request'],
      [{ redirectUris: [REDIRECT_URI], journeyId: 'login', tokenEndpointAuthMethod: 'client_secret_jwt' }, 400, 'invalid_request'],
    ];
    for (const [body, status, code, message] of cases) {
      const answer = await server.admin('POST', '/v1/admin/oidc/clients', body);
      expect([answer.status, answer.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
      if (message) expect(answer.body.error.message).toMatch(message);
    }
    expect((await server.admin('PUT', '/v1/admin/oidc/clients/missing', { redirectUris: [REDIRECT_URI], journeyId: 'login' })).status).toBe(404);
    expect((await server.admin('DELETE', '/v1/admin/oidc/clients/missing')).status).toBe(404);
    expect((await server.admin('GET', '/v1/admin/oidc/clients/bad%20id')).status).toBe(404);
    expect((await server.admin('GET', '/v1/admin/oidc/clients')).body).toEqual(before.body);
  });

  it('is admin-only', async () => {
    expect((await server.request('GET', '/v1/admin/oidc/clients')).status).toBe(401);
    expect((await server.request('GET', '/v1/admin/oidc/clients', { token: APP_KEY })).status).toBe(403);
    expect((await server.request('POST', '/v1/admin/oidc/clients', { token: APP_KEY, body: {} })).status).toBe(403);
  });

  it('a journey a client uses can be published again but not deleted (journey_in_use names the clients)', async () => {
    await server.admin('POST', '/v1/admin/oidc/clients', { clientId: 'stepper', redirectUris: [REDIRECT_URI], journeyId: 'login', acrJourneys: { mfa: 'login-totp' } });
    expect((await server.admin('POST', '/v1/admin/journeys/login-totp/publish')).status).toBe(201);
    const refused = await server.admin('DELETE', '/v1/admin/journeys/login-totp');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('journey_in_use');
    expect(refused.body.error.details.clients).toEqual(['stepper']);
    expect((await server.admin('GET', '/v1/admin/journeys/login-totp')).status).toBe(200);
    await server.admin('PUT', '/v1/admin/oidc/clients/stepper', { redirectUris: [REDIRECT_URI], journeyId: 'login' });
    expect((await server.admin('DELETE', '/v1/admin/journeys/login-totp')).status).toBe(204);
  });
});
