import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { decodeJwt, reveal, run } from './step-helpers.js';

describe('complete step', () => {
  let server: TestServer;
  let TOKEN_TTL_SECONDS: number;
  beforeAll(async () => {
    server = await startTestServer();
    TOKEN_TTL_SECONDS = server.engine.config.tokenTtlSeconds;
  });
  afterAll(() => server.close({ remove: true }));

  it('ends completed with the evaluated claims in result.claims and at the top level of a signed token', async () => {
    const started = await run(
      server,
      {
        init: { type: 'set-variables', config: { assign: { level: 2 } }, branches: { next: 'done' } },
        done: {
          type: 'complete',
          config: { claims: { name: '{% $input.name %}', level: '{% level * 10 %}', literal: 'x', nested: { ok: true, n: '{% level %}' }, list: [1, '{% level %}'] } },
        },
      },
      {},
      { name: 'Ann' },
    );
    expect(started.body.status).toBe('completed');
    expect(started.body.step).toBeNull();
    expect(started.body.error).toBeNull();
    const claims = { name: 'Ann', level: 20, literal: 'x', nested: { ok: true, n: 2 }, list: [1, 2] };
    expect(started.body.result.claims).toEqual(claims);

    const { header, payload } = decodeJwt(started.body.result.token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });
    expect(payload).toMatchObject(claims);
    expect(payload).toMatchObject({
      iss: server.engine.config.issuer,
      sid: started.body.sessionId,
      journeyId: started.body.journeyId,
      journeyVersion: 1,
      jti: expect.any(String),
    });
    const now = Math.floor(server.clock.now().getTime() / 1000);
    expect(payload.iat).toBe(now);
    expect(payload.exp).toBe(now + TOKEN_TTL_SECONDS);
    expect(payload).not.toHaveProperty('sub'); // no user in this session
  });

  it('a claims value given as one expression is used as the claims object', async () => {
    const started = await run(server, { done: { type: 'complete', config: { claims: '{% { "a": $input.a, "b": [1,2] } %}' } } }, {}, { a: 'z' });
    expect(started.body.result.claims).toEqual({ a: 'z', b: [1, 2] });
    expect(decodeJwt(started.body.result.token).payload).toMatchObject({ a: 'z', b: [1, 2] });
  });

  it('without claims, result.claims is {} and the token carries only the registered claims', async () => {
    const started = await run(server, { done: { type: 'complete' } });
    expect(started.body.status).toBe('completed');
    expect(started.body.result.claims).toEqual({});
    const { payload } = decodeJwt(started.body.result.token);
    expect(Object.keys(payload).sort()).toEqual(['exp', 'iat', 'iss', 'journeyId', 'journeyVersion', 'jti', 'sid']);
  });

  it('sub is the user id when there is a user', async () => {
    const started = await run(server, {
      who: { type: 'user.identify', config: { username: 'subject-user', create: true }, branches: { success: 'done' } },
      done: reveal({ id: '{% $user.id %}' }),
    });
    const { payload } = decodeJwt(started.body.result.token);
    expect(payload.sub).toBe(started.body.result.claims.id);
    expect(typeof payload.sub).toBe('string');
  });

  it('journey claims cannot override the reserved names', async () => {
    const started = await run(server, {
      who: { type: 'user.identify', config: { username: 'reserved-user', create: true }, branches: { success: 'done' } },
      done: {
        type: 'complete',
        config: {
          claims: {
            sub: 'evil',
            exp: 1,
            iat: 1,
            iss: 'evil-issuer',
            sid: 'evil-session',
            jti: 'evil-jti',
            journeyId: 'evil-journey',
            journeyVersion: 99,
            nbf: 9999999999,
            aud: 'evil-aud',
            userId: '{% $user.id %}',
            ok: 'kept',
          },
        },
      },
    });
    expect(started.body.status).toBe('completed');
    const { payload } = decodeJwt(started.body.result.token);
    const userId = started.body.result.claims.userId;
    expect(typeof userId).toBe('string');
    // result.claims is exactly what the claims evaluated to; only the token protects its registered claims.
    expect(started.body.result.claims).toEqual({
      sub: 'evil',
      exp: 1,
      iat: 1,
      iss: 'evil-issuer',
      sid: 'evil-session',
      jti: 'evil-jti',
      journeyId: 'evil-journey',
      journeyVersion: 99,
      nbf: 9999999999,
      aud: 'evil-aud',
      userId,
      ok: 'kept',
    });
    expect(payload.sub).toBe(userId);
    expect(payload.exp).toBe(Math.floor(server.clock.now().getTime() / 1000) + TOKEN_TTL_SECONDS);
    expect(payload.iat).toBe(Math.floor(server.clock.now().getTime() / 1000));
    expect(payload.iss).toBe(server.engine.config.issuer);
    expect(payload.sid).toBe(started.body.sessionId);
    expect(payload.jti).not.toBe('evil-jti');
    expect(payload.journeyId).toBe(started.body.journeyId);
    expect(payload.journeyVersion).toBe(1);
    expect(payload).not.toHaveProperty('nbf');
    expect(payload).not.toHaveProperty('aud');
    expect(payload.ok).toBe('kept');

    // The token still validates (once) as issued by the engine, with the real session and subject.
    const validated = await server.request('POST', '/v1/tokens/validate', { body: { token: started.body.result.token }, token: APP_KEY });
    expect(validated.body).toMatchObject({ valid: true, sessionId: started.body.sessionId, userId, journeyId: started.body.journeyId });
    expect(validated.body.claims).toMatchObject({ ok: 'kept' });
    expect(validated.body.claims).not.toHaveProperty('sub');
  });

  it('without a user, a journey sub claim does not put a sub in the token', async () => {
    const started = await run(server, { done: { type: 'complete', config: { claims: { sub: 'evil' } } } });
    expect(decodeJwt(started.body.result.token).payload).not.toHaveProperty('sub');
  });

  it('each completion gets its own jti and session id', async () => {
    const a = await run(server, { done: { type: 'complete' } });
    const b = await run(server, { done: { type: 'complete' } });
    const pa = decodeJwt(a.body.result.token).payload;
    const pb = decodeJwt(b.body.result.token).payload;
    expect(pa.jti).not.toBe(pb.jti);
    expect(pa.sid).not.toBe(pb.sid);
  });

  it('completes after a client answer, and the ended session refuses further submits', async () => {
    const started = await run(server, {
      ask: { type: 'form', config: { outputVariable: 'f', options: [{ id: 'go' }] }, branches: { go: 'done' } },
      done: reveal({ answered: '{% f %}' }),
    });
    const done = await submit(server, started.body, 'ask', 'go');
    expect(done.body).toMatchObject({ status: 'completed', result: { claims: { answered: {} } } });
    const again = await submit(server, started.body, 'ask', 'go');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('session_ended');
  });

  it('claims that do not evaluate to an object fail expression_error', async () => {
    const started = await run(server, {
      init: { type: 'set-variables', config: { assign: { x: 1 } }, branches: { next: 'done' } },
      done: { type: 'complete', config: { claims: '{% "not an object" %}' } },
    });
    expect(started.body.status).toBe('failed');
    expect(started.body.error.code).toBe('expression_error');
  });

  it('is refused at publish with unknown config keys or claims that are not an object', async () => {
    for (const config of [{ claims: {}, ttl: 5 }, { claims: 'literal string' }, { claims: [1] }]) {
      const result = await server.admin('POST', '/v1/admin/validate', { id: 'complete-invalid', start: 'done', steps: { done: { type: 'complete', config } } });
      expect(result.body.valid, JSON.stringify(config)).toBe(false);
      expect(result.body.diagnostics.map((d: { code: string }) => d.code)).toContain('invalid_config');
    }
  });

  it('a complete step ends completed whatever its id (even "failed" or "rejected")', async () => {
    for (const id of ['failed', 'rejected']) {
      const started = await run(server, {
        init: { type: 'set-variables', config: { assign: { a: 1 } }, branches: { next: id } },
        [id]: reveal({ a: '{% a %}' }),
      });
      expect(started.body.status, id).toBe('completed');
      expect(started.body.result, id).toMatchObject({ claims: { a: 1 }, token: expect.any(String) });
    }
  });
});
