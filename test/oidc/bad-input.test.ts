/**
 * Bad input to every endpoint of the provider answers the standard OAuth error (RFC 6749 §5.2,
 * RFC 6750, OpenID Core), never a 500: malformed, missing, oversized and hostile parameters, wrong
 * methods and content types, unknown clients, tokens and interactions (the list: bad-requests.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { badInputFailures } from './bad-requests.js';
import { createClient, publishSamples, startOidcServer } from './oidc-helpers.js';

describe('OpenID provider: bad input', { timeout: 60_000 }, () => {
  let server: TestServer & { issuer: string };
  let basic: string;

  beforeAll(async () => {
    server = await startOidcServer();
    await publishSamples(server, ['login']);
    const app = await createClient(server, { clientId: 'app', journeyId: 'login' });
    basic = `Basic ${Buffer.from(`app:${app.clientSecret}`).toString('base64')}`;
  }, 60_000);

  afterAll(async () => {
    await server?.close({ remove: true });
  });

  it('every endpoint answers bad input with a standard OAuth error, never a 500', async () => {
    expect(await badInputFailures(server.issuer, server.url, basic)).toEqual([]);
    // The server still serves.
    expect((await fetch(`${server.issuer}/.well-known/openid-configuration`)).status).toBe(200);
  });
});
