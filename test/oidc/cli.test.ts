/**
 * `journey clients …`: the OpenID provider's clients from the command line, a real process of the
 * CLI against a real server: create from a file (the secret printed once), list, get, update,
 * rotate the secret, delete, and refusals with their status and code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJourneyCli } from '../helpers/cli-process.js';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';
import { REDIRECT_URI, publishSamples, startOidcServer } from './oidc-helpers.js';

const journey = (args: string[], env: Record<string, string>) => runJourneyCli(args, { env });

describe('journey clients (CLI)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startOidcServer();
    await publishSamples(server, ['login', 'login-totp']);
    dir = mkdtempSync(join(tmpdir(), 'journey-clients-'));
    writeFileSync(join(dir, 'client.json'), JSON.stringify({ clientId: 'cli-app', clientName: 'CLI app', redirectUris: [REDIRECT_URI], journeyId: 'login' }, null, 2));
    writeFileSync(join(dir, 'update.json'), JSON.stringify({ redirectUris: [REDIRECT_URI], journeyId: 'login', acrJourneys: { 'urn:journey:mfa': 'login-totp' }, firstParty: true }));
    writeFileSync(join(dir, 'broken.json'), '{\n  "redirectUris": [,\n}');
    env = { JOURNEY_SERVER: server.url, JOURNEY_API_KEY: ADMIN_KEY };
  }, 60_000);

  afterAll(async () => {
    await server?.close({ remove: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, lists, reads, updates, rotates and deletes a client; the secret is printed only when made', async () => {
    const created = await journey(['clients', 'create', join(dir, 'client.json')], env);
    expect(created.code, created.stderr).toBe(0);
    const client = JSON.parse(created.stdout);
    expect(client).toMatchObject({ clientId: 'cli-app', clientName: 'CLI app', journeyId: 'login' });
    expect(client.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('shown this once');

    const listed = await journey(['clients', 'list'], env);
    expect(JSON.parse(listed.stdout).map((c: { clientId: string }) => c.clientId)).toEqual(['cli-app']);
    expect(listed.stdout).not.toContain(client.clientSecret);
    const read = await journey(['clients', 'get', 'cli-app'], env);
    expect(JSON.parse(read.stdout)).not.toHaveProperty('clientSecret');

    const updated = await journey(['clients', 'update', 'cli-app', join(dir, 'update.json')], env);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ acrJourneys: { 'urn:journey:mfa': 'login-totp' }, firstParty: true });

    const rotated = await journey(['clients', 'rotate-secret', 'cli-app'], env);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout).clientSecret).not.toBe(client.clientSecret);

    const deleted = await journey(['clients', 'delete', 'cli-app'], env);
    expect([deleted.code, deleted.stdout]).toEqual([0, 'deleted cli-app\n']);
    const gone = await journey(['clients', 'get', 'cli-app'], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('404 not_found');
  });

  it('reports refusals with status and code (exit 1), a broken file at its line, and wrong usage (exit 2)', async () => {
    const refused = await journey(['clients', 'create', join(dir, 'client.json')], { ...env, JOURNEY_API_KEY: 'wrong' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('401 unauthorized');
    const broken = await journey(['clients', 'create', join(dir, 'broken.json')], env);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('broken.json:2:');
    const usage = await journey(['clients', 'frobnicate'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown clients command');
  });
});
