import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { decodeJwt, reveal, run } from './step-helpers.js';

/** user.identify, success → complete exposing $user, failure → complete exposing the error. */
function identify(config: Record<string, unknown>) {
  return {
    who: { type: 'user.identify', config, errorOutputVariable: 'err', branches: { success: 'found', failure: 'missing' } },
    found: reveal({ path: 'success', user: '{% $user %}' }),
    // No path to here sets $user (reading it would be unset_variable): whether a user is in context.
    missing: reveal({ path: 'failure', err: '{% err %}', user: '{% $exists($user.id) %}' }),
  };
}

async function usersNamed(server: TestServer, username: string) {
  const res = await server.admin('GET', `/v1/admin/users?username=${encodeURIComponent(username)}`);
  expect(res.status).toBe(200);
  return res.body as Array<{ id: string; username: string | null; attributes: Record<string, unknown> }>;
}

describe('user.identify step', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close({ remove: true }));

  it('create: true creates a missing user with the attributes (expressions evaluated) and sets $user', async () => {
    expect(await usersNamed(server, 'carol')).toEqual([]);
    const started = await run(
      server,
      identify({ username: '{% $input.username %}', create: true, attributes: { email: '{% $input.email %}', phoneNumber: '+15550100', plan: 'free' } }),
      {},
      { username: 'carol', email: 'carol@example.com' },
    );
    expect(started.body.status).toBe('completed');
    const { path, user } = started.body.result.claims;
    expect(path).toBe('success');
    expect(user).toMatchObject({ id: expect.any(String), username: 'carol', email: 'carol@example.com', phoneNumber: '+15550100', plan: 'free' });

    const stored = await usersNamed(server, 'carol');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: user.id, username: 'carol', attributes: { email: 'carol@example.com', phoneNumber: '+15550100', plan: 'free' } });

    // The session's user is the token subject.
    expect(decodeJwt(started.body.result.token).payload.sub).toBe(user.id);
  });

  it('finds an existing user by username, case-insensitively, without creating another or changing attributes', async () => {
    const first = await run(server, identify({ username: 'Alice', create: true, attributes: { email: 'alice@example.com' } }));
    const alice = first.body.result.claims.user;
    expect(alice.username).toBe('Alice');

    const again = await run(server, identify({ username: 'alice', create: true, attributes: { email: 'other@example.com' } }));
    expect(again.body.result.claims.path).toBe('success');
    expect(again.body.result.claims.user).toMatchObject({ id: alice.id, email: 'alice@example.com' });

    const noCreate = await run(server, identify({ username: 'ALICE' }));
    expect(noCreate.body.result.claims).toMatchObject({ path: 'success', user: { id: alice.id } });

    const stored = await usersNamed(server, 'alice');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: alice.id, attributes: { email: 'alice@example.com' } });
    expect(await usersNamed(server, 'ALICE')).toHaveLength(1);
  });

  it('finds a user by userId', async () => {
    const created = await run(server, identify({ username: 'dave', create: true, attributes: { role: 'ops' } }));
    const dave = created.body.result.claims.user;
    const byId = await run(server, identify({ userId: '{% $input.id %}' }), {}, { id: dave.id });
    expect(byId.body.result.claims).toEqual({ path: 'success', user: { id: dave.id, username: 'dave', role: 'ops' } });
  });

  it('create: true with a userId creates the user under that id', async () => {
    const started = await run(server, identify({ userId: 'ext-user-42', create: true, attributes: { source: 'import' } }));
    expect(started.body.result.claims).toMatchObject({ path: 'success', user: { id: 'ext-user-42', source: 'import' } });
    const res = await server.admin('GET', '/v1/admin/users/ext-user-42');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'ext-user-42', attributes: { source: 'import' } });
  });

  it('attributes cannot override the id or username of $user', async () => {
    const started = await run(server, identify({ username: 'mallory', create: true, attributes: { id: 'forged-id', username: 'admin', note: 'x' } }));
    const user = started.body.result.claims.user;
    expect(user.id).not.toBe('forged-id');
    expect(user.username).toBe('mallory');
    expect(user.note).toBe('x');
    expect(decodeJwt(started.body.result.token).payload.sub).toBe(user.id);
  });

  it('a missing user without create (default false) fails user_not_found and creates nothing', async () => {
    const byName = await run(server, identify({ username: 'nobody-here' }));
    expect(byName.body.status).toBe('completed');
    expect(byName.body.result.claims).toMatchObject({ path: 'failure', err: { code: 'user_not_found', message: expect.any(String) } });
    expect(byName.body.result.claims.user).toBe(false);
    expect(decodeJwt(byName.body.result.token).payload).not.toHaveProperty('sub');
    expect(await usersNamed(server, 'nobody-here')).toEqual([]);

    const byId = await run(server, identify({ userId: 'no-such-id' }));
    expect(byId.body.result.claims).toMatchObject({ path: 'failure', err: { code: 'user_not_found' } });
    expect((await server.admin('GET', '/v1/admin/users/no-such-id')).status).toBe(404);
  });

  it('create: false explicitly also fails user_not_found', async () => {
    const started = await run(server, identify({ username: 'still-nobody', create: false }));
    expect(started.body.result.claims.err.code).toBe('user_not_found');
  });

  it('without a failure branch, user_not_found ends the session failed', async () => {
    const started = await run(server, {
      who: { type: 'user.identify', config: { username: 'ghost' }, branches: { success: 'done' } },
      done: reveal({}),
    });
    expect(started.body.status).toBe('failed');
    expect(started.body.error.code).toBe('user_not_found');
  });

  it('$user is available to later steps (expressions in any config)', async () => {
    await run(server, identify({ username: 'erin', create: true, attributes: { email: 'erin@example.com' } }));
    const started = await run(server, {
      who: { type: 'user.identify', config: { username: 'erin' }, branches: { success: 'check' } },
      check: { type: 'condition', config: { expression: "{% $user.email = 'erin@example.com' %}" }, branches: { true: 'done', false: 'no' } },
      done: reveal({ username: '{% $user.username %}', id: '{% $user.id %}' }),
      no: { type: 'reject', config: { code: 'wrong_user' } },
    });
    expect(started.body.status).toBe('completed');
    expect(started.body.result.claims.username).toBe('erin');
    // Found by a typed username: identified, not established, so the token names no subject.
    expect(decodeJwt(started.body.result.token).payload.sub).toBeUndefined();
  });

  it('mode create makes a new user only: an existing username in any letter case fails username_taken', async () => {
    const first = await run(server, identify({ username: 'Trudy', mode: 'create', attributes: { email: 'm@example.com' } }));
    expect(first.body.result.claims.err).toBeUndefined();
    const trudy = first.body.result.claims.user;
    expect(first.body.result.claims.path).toBe('success');
    expect(decodeJwt(first.body.result.token).payload.sub).toBe(trudy.id);

    const again = await run(server, identify({ username: 'TRUDY', mode: 'create', attributes: { email: 'evil@example.com' } }));
    expect(again.body.result.claims).toMatchObject({ path: 'failure', err: { code: 'username_taken' } });
    expect(again.body.result.claims.user).toBe(false);
    expect(decodeJwt(again.body.result.token).payload.sub).toBeUndefined();
    const stored = await usersNamed(server, 'trudy');
    expect(stored).toHaveLength(1);
    expect(stored[0].attributes).toEqual({ email: 'm@example.com' });
  });

  it('mode create with an id that exists fails user_exists', async () => {
    const first = await run(server, identify({ userId: 'fixed-id-1', username: 'fixed1', mode: 'create' }));
    expect(first.body.result.claims.path).toBe('success');
    const again = await run(server, identify({ userId: 'fixed-id-1', username: 'fixed1-other', mode: 'create' }));
    expect(again.body.result.claims.err.code).toBe('user_exists');
  });

  it('mode find fails user_not_found; mode find-or-create creates (established) or finds (not established)', async () => {
    expect((await run(server, identify({ username: 'nobody-here', mode: 'find' }))).body.result.claims.err.code).toBe('user_not_found');
    const created = await run(server, identify({ username: 'frank', mode: 'find-or-create' }));
    const frank = created.body.result.claims.user;
    expect(decodeJwt(created.body.result.token).payload.sub).toBe(frank.id);
    const found = await run(server, identify({ username: 'FRANK', mode: 'find-or-create' }));
    expect(found.body.result.claims.user.id).toBe(frank.id);
    expect(decodeJwt(found.body.result.token).payload.sub).toBeUndefined();
  });

  it('an expression giving an empty username fails expression_error', async () => {
    const started = await run(server, identify({ username: '{% $input.username %}' }), {}, { username: '' });
    expect(started.body.result.claims).toMatchObject({ path: 'failure', err: { code: 'expression_error' } });
  });

  it('is refused at publish without username or userId, or with an unknown key', async () => {
    for (const config of [{}, { create: true }, { username: 'x', email: 'x@example.com' }]) {
      const result = await server.admin('POST', '/v1/admin/validate', {
        id: 'identify-invalid',
        start: 'who',
        steps: { who: { type: 'user.identify', config, branches: { success: 'done' } }, done: { type: 'complete' } },
      });
      expect(result.body.valid, JSON.stringify(config)).toBe(false);
      expect(result.body.diagnostics.map((d: { code: string }) => d.code)).toContain('invalid_config');
    }
  });
});
