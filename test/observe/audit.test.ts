/**
 * The audit log over HTTP: every admin change writes one entry (who by key name, never the key;
 * when; what; from where) in the change's own transaction; a refused change writes none; the log
 * pages newest first and no route changes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config.js';
import { ADMIN_KEY, APP_KEY, startTestServer, type TestServer } from '../helpers/test-server.js';
import { nameFormJourney } from '../helpers/journeys.js';

describe('audit log', () => {
  let server: TestServer;
  const journey = nameFormJourney('audited', 'Audited');

  beforeAll(async () => {
    server = await startTestServer({ env: { APP_API_KEYS: `ci:${APP_KEY}`, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
  });
  afterAll(() => server.close({ remove: true }));

  const audit = async (query = '') => (await server.admin('GET', `/v1/admin/audit${query}`)).body as { entries: any[]; next: string | null };
  const count = async () => (await server.engine.store.audit.list({ limit: 1000 })).length;
  const latest = async () => (await audit('?limit=1')).entries[0];

  /** Runs a change and answers the entries it wrote (newest first). */
  async function written(change: () => Promise<unknown>): Promise<any[]> {
    const before = await count();
    await change();
    const after = await count();
    return (await audit(`?limit=${Math.max(1, after - before)}`)).entries.slice(0, after - before);
  }

  it('journeys: saved, published, restored, deleted; each with who, when, what and from where', async () => {
    const [saved] = await written(() => server.admin('PUT', '/v1/admin/journeys/audited', journey));
    expect(saved).toMatchObject({
      actor: 'admin',
      action: 'journey.saved',
      targetType: 'journey',
      targetId: 'audited',
      at: server.clock.now().toISOString(),
      details: { valid: true },
    });
    expect(saved.clientAddress).toMatch(/127\.0\.0\.1$/);
    // The semantic diff (engine/journey/semantic-diff.ts) from nothing: every step added.
    expect(saved.details.changes.filter((c: any) => c.kind === 'step_added').map((c: any) => c.stepId)).toEqual(['ask', 'done', 'no', 'shown']);

    const [published] = await written(() => server.admin('POST', '/v1/admin/journeys/audited/publish'));
    expect(published).toMatchObject({ action: 'journey.published', targetId: 'audited', details: { version: 1, previousVersion: null } });

    const changed = { ...journey, steps: { ...journey.steps, done: { type: 'complete', config: { claims: {} } } } };
    const [resaved] = await written(() => server.admin('PUT', '/v1/admin/journeys/audited', changed));
    const doneClaims = { kind: 'config_changed', stepId: 'done', path: '/steps/done/config/claims/name', from: journey.steps.done.config.claims.name };
    expect(resaved.details.changes).toEqual([doneClaims]);
    const [second] = await written(() => server.admin('POST', '/v1/admin/journeys/audited/publish'));
    expect(second.details).toMatchObject({ version: 2, previousVersion: 1, changes: [doneClaims] });

    const [restored] = await written(() => server.admin('POST', '/v1/admin/journeys/audited/versions/1/restore'));
    expect(restored).toMatchObject({ action: 'journey.restored', details: { version: 1 } });
    expect(restored.details.changes).toEqual([{ kind: 'config_changed', stepId: 'done', path: '/steps/done/config/claims/name', to: doneClaims.from }]);

    // The designer's history: a journey's entries, by target.
    const history = await audit('?targetType=journey&targetId=audited');
    expect(history.entries.map((e) => e.action)).toEqual(['journey.restored', 'journey.published', 'journey.saved', 'journey.published', 'journey.saved']);

    const [deleted] = await written(() => server.admin('DELETE', '/v1/admin/journeys/audited'));
    expect(deleted).toMatchObject({ action: 'journey.deleted', targetId: 'audited', details: { latestVersion: 2 } });
  });

  it('users and authenticators: deleted and unlocked', async () => {
    const { store } = server.engine;
    const at = server.clock.now().toISOString();
    await store.users.create({ id: 'u-audit', username: 'ada', attributes: {}, createdAt: at });
    await store.authenticators.create({ id: 'a-1', userId: 'u-audit', type: 'totp', sealedSecret: null, params: {}, confirmedAt: at, createdAt: at, lastUsedAt: null, lastTimeStep: null });
    await store.attempts.reserve('totp:u-audit', { kind: 'totp', subject: 'u-audit' }, 1, at, '2099-01-01T00:00:00.000Z');

    const [unlocked] = await written(() => server.admin('POST', '/v1/admin/users/u-audit/unlock'));
    expect(unlocked).toMatchObject({ action: 'user.unlocked', targetType: 'user', targetId: 'u-audit', details: { cleared: [{ kind: 'totp', failures: 1 }] } });
    expect(await store.attempts.listBySubject('u-audit')).toEqual([]);

    const [removed] = await written(() => server.admin('DELETE', '/v1/admin/users/u-audit/authenticators/a-1'));
    expect(removed).toMatchObject({ action: 'authenticator.deleted', targetId: 'u-audit', details: { authenticatorId: 'a-1', authenticatorType: 'totp' } });

    const [deleted] = await written(() => server.admin('DELETE', '/v1/admin/users/u-audit'));
    expect(deleted).toMatchObject({ action: 'user.deleted', targetId: 'u-audit', details: { username: 'ada', authenticators: [] } });
  });

  it('webhook subscriptions: created and deleted, the secret never in the log', async () => {
    const created = await server.admin('POST', '/v1/admin/webhooks', { url: 'http://127.0.0.1:9/hook', eventTypes: ['user.locked'] });
    expect(created.status).toBe(201);
    const entry = await latest();
    expect(entry).toMatchObject({ action: 'webhook.created', targetType: 'webhook', targetId: created.body.subscription.id, details: { url: 'http://127.0.0.1:9/hook' } });
    expect(JSON.stringify(entry)).not.toContain(created.body.secret.slice(6));
    const [deleted] = await written(() => server.admin('DELETE', `/v1/admin/webhooks/${created.body.subscription.id}`));
    expect(deleted).toMatchObject({ action: 'webhook.deleted', targetId: created.body.subscription.id });
  });

  it('OpenID clients: created, updated, secret rotated, deleted; before and after, never a secret', async () => {
    await server.publish(nameFormJourney('rp-login', 'RP login'));
    await server.publish(nameFormJourney('rp-mfa', 'RP MFA'));
    // The body of PUT; POST adds the id.
    const client = { clientName: 'RP', redirectUris: ['https://rp.example.test/cb'], journeyId: 'rp-login' };
    const secrets: string[] = [];

    const [created] = await written(async () => {
      const answer = await server.admin('POST', '/v1/admin/oidc/clients', { ...client, clientId: 'rp' });
      expect(answer.status).toBe(201);
      secrets.push(answer.body.clientSecret);
    });
    expect(created).toMatchObject({
      actor: 'admin',
      action: 'oidc_client.created',
      targetType: 'oidc_client',
      targetId: 'rp',
      details: {
        after: { metadata: { client_name: 'RP', redirect_uris: ['https://rp.example.test/cb'], token_endpoint_auth_method: 'client_secret_basic' }, journeyId: 'rp-login', acrJourneys: {}, firstParty: false, hasSecret: true },
        secret: 'issued',
      },
    });
    expect(created.details.before).toBeUndefined();
    expect(created.clientAddress).toMatch(/127\.0\.0\.1$/);

    const [updated] = await written(async () => {
      const answer = await server.admin('PUT', '/v1/admin/oidc/clients/rp', { ...client, clientName: 'RP 2', acrJourneys: { 'urn:mfa': 'rp-mfa' }, firstParty: true });
      expect(answer.status).toBe(200);
    });
    expect(updated).toMatchObject({
      action: 'oidc_client.updated',
      targetId: 'rp',
      details: {
        before: { metadata: { client_name: 'RP' }, acrJourneys: {}, firstParty: false },
        after: { metadata: { client_name: 'RP 2' }, acrJourneys: { 'urn:mfa': 'rp-mfa' }, firstParty: true },
        changed: ['metadata.client_name', 'acrJourneys', 'firstParty'],
        secret: 'unchanged',
      },
    });

    const [rotated] = await written(async () => {
      const answer = await server.admin('POST', '/v1/admin/oidc/clients/rp/secret');
      expect(answer.status).toBe(200);
      secrets.push(answer.body.clientSecret);
    });
    expect(rotated).toMatchObject({ action: 'oidc_client.secret_rotated', targetId: 'rp', details: { changed: [], secret: 'rotated' } });

    // A public client that becomes a secret one is issued a secret: recorded, not shown.
    await server.admin('POST', '/v1/admin/oidc/clients', { ...client, clientId: 'rp-public', tokenEndpointAuthMethod: 'none' });
    const [issued] = await written(async () => {
      const answer = await server.admin('PUT', '/v1/admin/oidc/clients/rp-public', client);
      expect(answer.status).toBe(200);
      secrets.push(answer.body.clientSecret);
    });
    expect(issued.details).toMatchObject({ changed: ['metadata.token_endpoint_auth_method', 'hasSecret'], secret: 'issued' });

    const [deleted] = await written(async () => expect((await server.admin('DELETE', '/v1/admin/oidc/clients/rp')).status).toBe(204));
    expect(deleted).toMatchObject({ action: 'oidc_client.deleted', targetId: 'rp', details: { before: { journeyId: 'rp-login', hasSecret: true } } });
    expect(deleted.details.after).toBeUndefined();

    // No secret, nor its sealed form, in any entry.
    expect(secrets.every((secret) => /^[A-Za-z0-9_-]{43}$/.test(secret))).toBe(true);
    const sealed = (await server.engine.store.oidcClients.get('rp-public'))!.sealedSecret!;
    const log = JSON.stringify(await server.engine.store.audit.list({ limit: 1000 }));
    for (const secret of [...secrets, sealed]) expect(log).not.toContain(secret);
  });

  it('a refused change writes no entry', async () => {
    await server.publish(nameFormJourney('refusals', 'Refusals'));
    await server.admin('POST', '/v1/admin/oidc/clients', { clientId: 'rp-none', redirectUris: ['https://rp.example.test/cb'], journeyId: 'refusals', tokenEndpointAuthMethod: 'none' });
    const before = await count();
    const refusals = [
      // A stale If-Match.
      await server.admin('PUT', '/v1/admin/journeys/refusals', nameFormJourney('refusals', 'Changed'), { 'if-match': '"99"' }),
      await server.admin('DELETE', '/v1/admin/journeys/never-was'),
      await server.admin('POST', '/v1/admin/journeys/never-was/publish'),
      await server.admin('POST', '/v1/admin/journeys/refusals/versions/9/restore'),
      await server.admin('DELETE', '/v1/admin/users/nobody'),
      await server.admin('POST', '/v1/admin/users/nobody/unlock'),
      await server.admin('DELETE', '/v1/admin/users/nobody/authenticators/none'),
      await server.admin('DELETE', '/v1/admin/webhooks/wh_none'),
      await server.admin('POST', '/v1/admin/webhook-deliveries/none/retry'),
      // Not a public address and not in WEBHOOK_ALLOWED_HOSTS; credentials in the URL.
      await server.admin('POST', '/v1/admin/webhooks', { url: 'http://10.0.0.1/hook', eventTypes: ['*'] }),
      await server.admin('POST', '/v1/admin/webhooks', { url: 'http://user:pass@127.0.0.1:9/hook', eventTypes: ['*'] }),
      // OpenID clients: unknown, taken, invalid, naming an unpublished journey, rotating a secretless client.
      await server.admin('PUT', '/v1/admin/oidc/clients/nobody', { redirectUris: ['https://rp.example.test/cb'], journeyId: 'refusals' }),
      await server.admin('DELETE', '/v1/admin/oidc/clients/nobody'),
      await server.admin('POST', '/v1/admin/oidc/clients/nobody/secret'),
      await server.admin('POST', '/v1/admin/oidc/clients', { clientId: 'rp-none', redirectUris: ['https://rp.example.test/cb'], journeyId: 'refusals' }),
      await server.admin('POST', '/v1/admin/oidc/clients', { clientId: 'rp-bad', redirectUris: ['not a url'], journeyId: 'refusals' }),
      await server.admin('POST', '/v1/admin/oidc/clients', { clientId: 'rp-unpublished', redirectUris: ['https://rp.example.test/cb'], journeyId: 'never-was' }),
      await server.admin('POST', '/v1/admin/oidc/clients/rp-none/secret'),
      // An app key on the admin API.
      await server.request('DELETE', '/v1/admin/journeys/refusals', { token: APP_KEY }),
    ];
    expect(refusals.map((r) => r.status)).toEqual([409, 404, 404, 404, 404, 404, 404, 404, 404, 422, 422, 404, 404, 404, 409, 422, 422, 422, 403]);
    expect(await count()).toBe(before);
    expect((await server.admin('GET', '/v1/admin/journeys/refusals')).body.draft.name).toBe('Refusals');
  });

  it('never records a key: the admin key is `admin`, app keys by their names', async () => {
    const all = JSON.stringify((await server.engine.store.audit.list({ limit: 1000 })).map((e) => e));
    expect(all).not.toContain(ADMIN_KEY);
    expect(all).not.toContain(APP_KEY);
    expect(new Set((await server.engine.store.audit.list({ limit: 1000 })).map((e) => e.actor))).toEqual(new Set(['admin']));
  });

  it('pages newest first with filters; no route changes the log', async () => {
    const first = await audit('?limit=2');
    expect(first.entries).toHaveLength(2);
    expect(first.entries[0].seq).toBeGreaterThan(first.entries[1].seq);
    const second = await audit(`?limit=2&before=${first.next}`);
    expect(second.entries[0].seq).toBeLessThan(first.entries[1].seq);
    const published = await audit('?action=journey.published');
    expect(published.entries.length).toBeGreaterThan(0);
    expect(published.entries.every((e) => e.action === 'journey.published')).toBe(true);
    const future = await audit(`?from=${encodeURIComponent('2099-01-01T00:00:00Z')}`);
    expect(future.entries).toEqual([]);
    expect((await server.admin('GET', '/v1/admin/audit?limit=abc')).status).toBe(400);
    for (const method of ['POST', 'PUT', 'DELETE']) expect((await server.admin(method, '/v1/admin/audit')).status).toBe(404);
    expect((await server.request('GET', '/v1/admin/audit', { token: APP_KEY })).status).toBe(403);
  });
});

describe('named keys (APP_API_KEYS=name:key,…)', () => {
  it('names keys, keeps the old unnamed form, refuses duplicate names and "admin"', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/unused-observe', ADMIN_API_KEY: 'x', SECRET_KEY: '0'.repeat(64), APP_API_KEYS: 'ci:k1, k2 ,mobile.app:k3' });
    expect(config.appApiKeys).toEqual(['k1', 'k2', 'k3']);
    expect(config.appApiKeyNames).toEqual(['ci', 'app-2', 'mobile.app']);
    expect(() => loadConfig({ DATA_DIR: '/tmp/unused-observe', ADMIN_API_KEY: 'x', SECRET_KEY: '0'.repeat(64), APP_API_KEYS: 'a:k1,a:k2' })).toThrow(/used twice/);
    expect(() => loadConfig({ DATA_DIR: '/tmp/unused-observe', ADMIN_API_KEY: 'x', SECRET_KEY: '0'.repeat(64), APP_API_KEYS: 'admin:k1' })).toThrow(/admin/);
  });
});
