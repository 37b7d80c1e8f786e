/**
 * The session's authentication state ($auth) and what tokens say of it, over real HTTP: which
 * outcomes establish a user, which factors are recorded (RFC 8176 amr, mfa after two distinct
 * ones), when the state is dropped, and how backends can require a journey and a strength.
 */
import { Authsignal } from '@authsignal/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineStep } from '../../engine/steps/define-step.js';
import { AUTH_METHODS, toUserContext, type AuthMethod } from '../../engine/steps/step-types.js';
import { APP_KEY, startSession, startTestServer, submit, type TestServer } from '../helpers/test-server.js';
import { decodeJwt } from '../steps/step-helpers.js';
import { codeNow, enrolUser, quickEnrolJourney } from '../totp-http/totp-helpers.js';

/**
 * A test factor: proves `method` for the user named `username` (found, never created), or for the
 * user in context. It stands at the edge of the runtime, whose recording is what is under test; the
 * real factor steps are exercised below and in their own suites.
 */
const proveStep = defineStep({
  type: 'test.prove',
  title: 'Prove (test)',
  category: 'authentication',
  description: 'Proves a factor for a user, for tests of the runtime.',
  interactive: false,
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { method: { type: 'string', enum: [...AUTH_METHODS] }, username: { type: 'string' } },
  },
  async run(ctx) {
    const user = ctx.config.username ? await ctx.services.users.findByUsername(ctx.config.username) : null;
    return ctx.branch('success', {
      ...(user ? { user: toUserContext(user) } : {}),
      ...(ctx.config.method ? { proved: ctx.config.method as AuthMethod } : {}),
    });
  },
});

let counter = 0;
function chain(...steps: Array<Record<string, unknown>>): Record<string, unknown> {
  counter += 1;
  const ids = steps.map((_, i) => `s${i}`);
  const entries = steps.map((step, i) => [ids[i], { ...step, branches: { ...(step.branches as object), success: ids[i + 1] ?? 'done' } }]);
  return {
    id: `auth-state-${counter}`,
    start: 's0',
    settings: { public: true },
    steps: {
      ...Object.fromEntries(entries),
      done: { type: 'complete', config: { claims: { auth: '{% $auth %}', user: '{% $user.id %}' } } },
    },
  };
}

const identify = (username: string, mode?: string) => ({ type: 'user.identify', config: { username, ...(mode ? { mode } : {}) } });
const prove = (method: AuthMethod, username?: string) => ({ type: 'test.prove', config: { method, ...(username ? { username } : {}) } });

describe('authentication state ($auth) and tokens', () => {
  let server: TestServer;
  const validate = (body: Record<string, unknown>) => server.request('POST', '/v1/tokens/validate', { body, token: APP_KEY });

  async function run(journey: Record<string, unknown>, body: Record<string, unknown> = {}, token?: string) {
    await server.publish(journey);
    const started = await startSession(server, journey.id as string, body, token);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body.status, JSON.stringify(started.body)).toBe('completed');
    return { claims: started.body.result.claims, token: started.body.result.token as string, payload: decodeJwt(started.body.result.token).payload };
  }

  beforeAll(async () => {
    server = await startTestServer({ steps: [proveStep] });
    await server.publish(quickEnrolJourney());
    await run(chain(identify('ann', 'create')));
    await run(chain(identify('bob', 'create')));
  });
  afterAll(() => server.close({ remove: true }));

  it('a user found by a typed username is identified, not established: no $auth, no sub, no amr', async () => {
    const { claims, payload } = await run(chain(identify('ann')));
    expect(claims.user).toEqual(expect.any(String));
    expect(claims.auth).toBeNull();
    expect(payload.sub).toBeUndefined();
    expect(payload.amr).toBeUndefined();
    expect(payload.auth_time).toBeUndefined();
  });

  it('a user this session created is established without a factor: sub, $auth with empty amr, no amr claim', async () => {
    const { claims, payload } = await run(chain(identify('carl', 'create')));
    expect(claims.auth).toEqual({ userId: claims.user, amr: [], authTime: null });
    expect(payload.sub).toBe(claims.user);
    expect(payload.amr).toBeUndefined();
    expect(payload.auth_time).toBeUndefined();
  });

  it('a proved factor establishes the user: amr and auth_time in $auth, the token and the validation', async () => {
    const { claims, payload, token } = await run(chain(identify('ann'), prove('pwd')));
    const at = Math.floor(server.clock.now().getTime() / 1000);
    expect(claims.auth).toEqual({ userId: claims.user, amr: ['pwd'], authTime: server.clock.now().toISOString() });
    expect(payload).toMatchObject({ sub: claims.user, amr: ['pwd'], auth_time: at });
    expect((await validate({ token })).body).toMatchObject({ valid: true, userId: claims.user, amr: ['pwd'], authTime: at });
  });

  it('two distinct factors add mfa; the same factor twice does not', async () => {
    const twice = await run(chain(identify('ann'), prove('pwd'), prove('pwd')));
    expect(twice.payload.amr).toEqual(['pwd']);
    const two = await run(chain(identify('ann'), prove('pwd'), prove('otp'), prove('pwd')));
    expect(two.payload.amr).toEqual(['pwd', 'otp', 'mfa']);
    const three = await run(chain(identify('ann'), prove('sms'), prove('email'), prove('otp')));
    expect(three.payload.amr).toEqual(['sms', 'email', 'otp', 'mfa']);
  });

  it('switching to another user by typed username drops $auth; proving a factor for them starts theirs afresh', async () => {
    const dropped = await run(chain(identify('ann'), prove('pwd'), identify('bob')));
    expect(dropped.claims.auth).toBeNull();
    expect(dropped.payload.sub).toBeUndefined();
    const other = await run(chain(identify('ann'), prove('pwd'), prove('otp', 'bob')));
    expect(other.payload.amr).toEqual(['otp']);
    expect(other.payload.sub).toBe(other.claims.user);
    // Finding the same user again keeps what was proved.
    const same = await run(chain(identify('ann'), prove('pwd'), identify('ANN')));
    expect(same.payload.amr).toEqual(['pwd']);
  });

  it('amr, auth_time and acr are reserved: a complete step cannot set them', async () => {
    const doc = chain(identify('ann'), prove('otp'));
    (doc.steps as any).done.config.claims = { amr: ['pwd', 'hwk'], auth_time: 1, acr: 'loa3', kept: 'yes' };
    const { payload, token } = await run(doc);
    expect(payload.amr).toEqual(['otp']);
    expect(payload.auth_time).not.toBe(1);
    expect(payload.acr).toBeUndefined();
    expect((await validate({ token })).body.claims).toEqual({ kept: 'yes' });
  });

  it('validate refuses another journey or too weak an authentication without using the token up', async () => {
    const doc = chain(identify('ann'), prove('pwd'));
    const { token } = await run(doc);
    expect((await validate({ token, journeyId: 'some-other-journey' })).body).toEqual({ valid: false, reason: 'journey_mismatch' });
    expect((await validate({ token, requireAmr: ['pwd', 'otp'] })).body).toEqual({ valid: false, reason: 'insufficient_authentication' });
    // mfa does not stand in for a named method, and is itself required only when listed.
    expect((await validate({ token, requireAmr: ['mfa'] })).body).toEqual({ valid: false, reason: 'insufficient_authentication' });
    expect((await validate({ token, journeyId: doc.id, requireAmr: ['pwd'] })).body).toMatchObject({ valid: true, amr: ['pwd'] });
    expect((await validate({ token })).body).toEqual({ valid: false, reason: 'already_used' });
  });

  it('validate options are checked: an unknown amr value is a validation error', async () => {
    const { token } = await run(chain(identify('ann'), prove('pwd')));
    const refused = await validate({ token, requireAmr: ['password'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect((await validate({ token })).body.valid).toBe(true);
  });

  it('a user an app caller names in the start input is established; the same input from an anonymous caller is not', async () => {
    const doc = chain({ type: 'user.identify', config: { username: '{% $input.username %}' } });
    const anonymous = await run(doc, { input: { username: 'ann' } });
    expect(anonymous.payload.sub).toBeUndefined();
    const byApp = await run({ ...doc, id: `${doc.id}-app` }, { input: { username: 'ann' } }, APP_KEY);
    expect(byApp.claims.auth).toEqual({ userId: byApp.claims.user, amr: [], authTime: null });
    expect(byApp.payload.sub).toBe(byApp.claims.user);
  });

  it('a username typed into a form is not the caller\'s word, even in a session an app started', async () => {
    const doc = {
      id: 'auth-state-form-by-app',
      start: 'ask',
      settings: { public: false },
      steps: {
        ask: {
          type: 'form',
          config: { outputVariable: 'f', options: [{ id: 'go', schema: { type: 'object', properties: { username: { type: 'string' } } } }] },
          branches: { go: 'who' },
        },
        who: { type: 'user.identify', config: { username: '{% f.username %}' }, branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: { auth: '{% $auth %}' } } },
      },
    };
    await server.publish(doc);
    const started = await startSession(server, doc.id, {}, APP_KEY);
    const done = await submit(server, started.body, 'ask', 'go', { username: 'ann' });
    expect(done.body.status).toBe('completed');
    expect(done.body.result.claims.auth).toBeNull();
    expect(decodeJwt(done.body.result.token).payload.sub).toBeUndefined();
  });

  it('the Authsignal /validate (published SDK) refuses the token of a session whose user was never established', async () => {
    const authsignal = new Authsignal({ apiSecretKey: APP_KEY, apiUrl: `${server.url}/authsignal/v1`, retries: 0 });
    const identified = await run(chain(identify('ann')));
    expect(await authsignal.validateChallenge({ token: identified.token })).toMatchObject({ isValid: false });
    // A proved user's token is accepted.
    const proved = await run(chain(identify('ann'), prove('pwd')));
    expect(await authsignal.validateChallenge({ token: proved.token })).toMatchObject({ isValid: true, userId: proved.claims.user });
  });

  it('a real TOTP sign-in proves otp', async () => {
    const enrolled = await enrolUser(server, 'totp-user');
    const doc = chain({ type: 'totp.authenticate', config: { username: 'totp-user', code: await codeNow(enrolled.secret, server.clock) } });
    server.clock.advance(30);
    (doc.steps as any).s0.config.code = await codeNow(enrolled.secret, server.clock);
    const { claims, payload } = await run(doc);
    expect(claims.auth).toMatchObject({ userId: enrolled.userId, amr: ['otp'] });
    expect(payload.amr).toEqual(['otp']);
  });
});

describe('secrets read by writeOnly config are consumed', () => {
  const secretStep = defineStep({
    type: 'test.secret',
    title: 'Secret reader (test)',
    category: 'authentication',
    description: 'Reads a writeOnly config value.',
    interactive: false,
    branches: ['success'],
    configSchema: { type: 'object', additionalProperties: false, properties: { secret: { type: 'string', writeOnly: true }, other: { type: 'string' } } },
    run: (ctx) => ctx.branch('success', { variables: { seenLength: (ctx.config.secret ?? '').length } }),
  });
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ steps: [secretStep] });
  });
  afterAll(() => server.close({ remove: true }));

  it('the variable a writeOnly property read is erased from the session; others stay', async () => {
    const doc = {
      id: 'secret-erase',
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: {
          type: 'form',
          config: {
            outputVariable: 'f',
            options: [{ id: 'go', schema: { type: 'object', properties: { username: { type: 'string' }, password: { type: 'string', writeOnly: true } } } }],
          },
          branches: { go: 'read' },
        },
        read: { type: 'test.secret', config: { secret: '{% f.password %}', other: '{% f.username %}' }, branches: { success: 'show' } },
        show: { type: 'display', config: { title: 'shown' }, branches: { next: 'done' } },
        done: { type: 'complete', config: { claims: { f: '{% f %}', seen: '{% seenLength %}' } } },
      },
    };
    await server.publish(doc);
    const started = await startSession(server, doc.id);
    const waiting = await submit(server, started.body, 'ask', 'go', { username: 'ann', password: 'correct horse battery staple' });
    expect(waiting.body.step?.id, JSON.stringify(waiting.body)).toBe('show');
    const stored = await server.engine.store.sessions.get(started.body.sessionId);
    expect(JSON.stringify(stored!.snapshot)).not.toContain('correct horse');
    const done = await submit(server, waiting.body, 'show', 'continue');
    expect(done.body.result.claims).toEqual({ f: { username: 'ann' }, seen: 28 });
  });

  it('a secret a form collected is sealed at rest while the session waits, and read back intact', async () => {
    const doc = {
      id: 'secret-sealed',
      start: 'ask',
      settings: { public: true },
      steps: {
        ask: {
          type: 'form',
          config: {
            outputVariable: 'f',
            options: [
              {
                id: 'go',
                schema: {
                  type: 'object',
                  properties: { username: { type: 'string' }, password: { type: 'string', format: 'password' }, extra: { type: 'object', properties: { pin: { type: 'string', writeOnly: true } } } },
                },
              },
            ],
          },
          branches: { go: 'show' },
        },
        show: { type: 'display', config: { title: 'waiting with a secret kept' }, branches: { next: 'read' } },
        read: { type: 'test.secret', config: { secret: '{% f.password %}', other: '{% f.extra.pin %}' }, branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: { username: '{% f.username %}', pin: '{% f.extra.pin %}', seen: '{% seenLength %}' } } },
      },
    };
    await server.publish(doc);
    const started = await startSession(server, doc.id);
    const waiting = await submit(server, started.body, 'ask', 'go', { username: 'ann', password: 'sealed horse battery staple', extra: { pin: '918273' } });
    expect(waiting.body.step?.id).toBe('show');
    const stored = JSON.stringify((await server.engine.store.sessions.get(started.body.sessionId))!.snapshot);
    expect(stored).not.toContain('sealed horse');
    expect(stored).not.toContain('918273');
    expect(stored).toContain('"username":"ann"');
    const done = await submit(server, waiting.body, 'show', 'continue');
    expect(done.body.result.claims).toEqual({ username: 'ann', pin: '918273', seen: 'sealed horse battery staple'.length });
  });
});
