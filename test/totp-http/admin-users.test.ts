/**
 * The admin users routes as they concern TOTP: listing users with their authenticators (never a
 * secret), unlocking a lockout, removing one authenticator, erasing a user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { authJourney, codeNow, enrolUser, getUser, login, quickEnrolJourney, registerJourney, wrongCode } from './totp-helpers.js';

type Doc = Record<string, any>;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

describe('admin users routes with TOTP authenticators', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.publish(quickEnrolJourney());
    await server.publish(registerJourney('reg-confirm'));
    await server.publish(authJourney('auth'));
    await server.publish(authJourney('auth-lock', { maxFailedAttempts: 3, lockoutSeconds: 60 }));
    await server.publish(authJourney('auth-recovery', { allowRecoveryCodes: true }));
  });
  afterAll(() => server.close({ remove: true }));

  const expectInvalid = (result: Doc) => expect(result, JSON.stringify(result)).toMatchObject({ status: 'rejected', error: { code: 'invalid_code' } });

  it('GET /v1/admin/users?username= and /v1/admin/users/{id} list the authenticators without any secret', async () => {
    const enrolledAt = server.clock.now().toISOString();
    const user = await enrolUser(server, 'admin.list');

    const listed = await server.admin('GET', '/v1/admin/users?username=admin.list');
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(1);
    expect(listed.body[0]).toMatchObject({ id: user.userId, username: 'admin.list' });
    // Looked up after normalising, like sign-in.
    const upper = await server.admin('GET', '/v1/admin/users?username=ADMIN.LIST');
    expect(upper.body.map((u: Doc) => u.id)).toEqual([user.userId]);
    const nobody = await server.admin('GET', '/v1/admin/users?username=admin.nobody');
    expect(nobody.status).toBe(200);
    expect(nobody.body).toEqual([]);

    const byId = await getUser(server, user.userId);
    expect(byId).toEqual(listed.body[0]);
    expect(byId.authenticators).toHaveLength(1);
    const [authenticator] = byId.authenticators;
    expect(authenticator).toMatchObject({
      id: user.authenticatorId,
      type: 'totp',
      createdAt: enrolledAt,
      confirmedAt: enrolledAt,
      lastUsedAt: null,
      lockedUntil: null,
    });
    expect(authenticator.createdAt).toMatch(ISO);
    for (const view of [listed.body, byId]) {
      const text = JSON.stringify(view);
      expect(text).not.toContain(user.secret);
      for (const code of user.recoveryCodes) expect(text).not.toContain(code);
    }
    expect(Object.keys(authenticator).filter((k) => /secret|seal|key|param|step|hash|salt/i.test(k))).toEqual([]);

    // lastUsedAt follows a sign-in.
    server.clock.advance(30);
    expect(await login(server, 'auth', 'admin.list', await codeNow(user.secret, server.clock))).toMatchObject({ status: 'completed' });
    const used = await getUser(server, user.userId);
    expect(used.authenticators[0].lastUsedAt).toBe(server.clock.now().toISOString());
    expect(used.authenticators[0].confirmedAt).toBe(enrolledAt);
  });

  it('a pending registration shows an authenticator with confirmedAt null', async () => {
    const started = await startSession(server, 'reg-confirm');
    const shown = await submit(server, started.body, 'who', 'next', { username: 'admin.pending' });
    expect(shown.body).toMatchObject({ status: 'waiting', step: { id: 'enrol' } });
    const listed = await server.admin('GET', '/v1/admin/users?username=admin.pending');
    expect(listed.body[0].authenticators).toEqual([expect.objectContaining({ type: 'totp', confirmedAt: null, lastUsedAt: null })]);
    expect(JSON.stringify(listed.body)).not.toContain(shown.body.step.data.secret);
  });

  it('GET /v1/admin/users/{id} of an unknown id is 404 not_found', async () => {
    const missing = await server.admin('GET', '/v1/admin/users/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('shows lockedUntil while locked; POST /v1/admin/users/{id}/unlock clears it and the right code works at once', async () => {
    const user = await enrolUser(server, 'admin.locked');
    for (let i = 0; i < 3; i++) expectInvalid(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));
    const code = await codeNow(user.secret, server.clock);
    expect(await login(server, 'auth-lock', user.username, code)).toMatchObject({ status: 'rejected', error: { code: 'locked' } });

    const locked = await getUser(server, user.userId);
    const until = new Date(server.clock.now().getTime() + 60_000).toISOString();
    expect(locked.authenticators[0].lockedUntil).toBe(until);

    const unlocked = await server.admin('POST', `/v1/admin/users/${user.userId}/unlock`);
    expect(unlocked.status).toBe(200);
    expect(unlocked.body.authenticators[0].lockedUntil).toBeNull();
    expect((await getUser(server, user.userId)).authenticators[0].lockedUntil).toBeNull();

    // Same instant, no clock advance: the very code refused as locked now signs in.
    expect(await login(server, 'auth-lock', user.username, code)).toMatchObject({ status: 'completed', result: { claims: { username: user.username } } });
  });

  it('unlock also clears the failure count', async () => {
    const user = await enrolUser(server, 'admin.count');
    for (let i = 0; i < 2; i++) expectInvalid(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));
    expect((await server.admin('POST', `/v1/admin/users/${user.userId}/unlock`)).status).toBe(200);
    // Two more wrong codes: without the clear, the second would have locked (3 failures).
    for (let i = 0; i < 2; i++) expectInvalid(await login(server, 'auth-lock', user.username, await wrongCode(user.secret, server.clock)));
    expect(await login(server, 'auth-lock', user.username, await codeNow(user.secret, server.clock))).toMatchObject({ status: 'completed' });
  });

  it('POST /v1/admin/users/{id}/unlock of an unknown user is 404', async () => {
    const missing = await server.admin('POST', '/v1/admin/users/00000000-0000-4000-8000-000000000000/unlock');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('DELETE /v1/admin/users/{id}/authenticators/{aid} removes the app: sign-in then fails invalid_code', async () => {
    const user = await enrolUser(server, 'admin.remove-app');
    const removed = await server.admin('DELETE', `/v1/admin/users/${user.userId}/authenticators/${user.authenticatorId}`);
    expect(removed.status).toBe(204);
    expect((await getUser(server, user.userId)).authenticators).toEqual([]);
    expectInvalid(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock)));
    // Its recovery codes open nothing either (no app to recover).
    expectInvalid(await login(server, 'auth-recovery', user.username, user.recoveryCodes[0]));

    const again = await server.admin('DELETE', `/v1/admin/users/${user.userId}/authenticators/${user.authenticatorId}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
  });

  it("DELETE of another user's authenticator id is refused and removes nothing", async () => {
    const owner = await enrolUser(server, 'admin.owner');
    const other = await enrolUser(server, 'admin.other');
    const refused = await server.admin('DELETE', `/v1/admin/users/${other.userId}/authenticators/${owner.authenticatorId}`);
    expect(refused.status).toBe(404);
    expect((await getUser(server, owner.userId)).authenticators.map((a: Doc) => a.id)).toEqual([owner.authenticatorId]);
    expect(await login(server, 'auth', owner.username, await codeNow(owner.secret, server.clock))).toMatchObject({ status: 'completed' });
  });

  it('DELETE /v1/admin/users/{id} erases the user: then 404, not listed, and the app signs nobody in', async () => {
    const user = await enrolUser(server, 'admin.erase');
    const erased = await server.admin('DELETE', `/v1/admin/users/${user.userId}`);
    expect(erased.status).toBe(204);

    const gone = await server.admin('GET', `/v1/admin/users/${user.userId}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('not_found');
    expect((await server.admin('GET', '/v1/admin/users?username=admin.erase')).body).toEqual([]);
    expectInvalid(await login(server, 'auth', user.username, await codeNow(user.secret, server.clock)));

    const again = await server.admin('DELETE', `/v1/admin/users/${user.userId}`);
    expect(again.status).toBe(404);

    // The username is free again: a new enrolment makes a new user with a new app.
    const reborn = await enrolUser(server, 'admin.erase');
    expect(reborn.userId).not.toBe(user.userId);
    expect(reborn.secret).not.toBe(user.secret);
  });

  it('the users routes need the admin key', async () => {
    const user = await enrolUser(server, 'admin.auth');
    const anonymous = await server.request('GET', `/v1/admin/users/${user.userId}`);
    expect(anonymous.status).toBe(401);
    const unlock = await server.request('POST', `/v1/admin/users/${user.userId}/unlock`);
    expect(unlock.status).toBe(401);
    const erase = await server.request('DELETE', `/v1/admin/users/${user.userId}`);
    expect(erase.status).toBe(401);
    expect((await getUser(server, user.userId)).id).toBe(user.userId);
  });
});
