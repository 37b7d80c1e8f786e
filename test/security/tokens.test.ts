/**
 * Result tokens (http-api.md, "Tokens" and POST /v1/tokens/validate): ES256 JWTs with a kid,
 * accepted once, refused as `invalid` when expired, forged, tampered, unsigned, HMAC-confused,
 * from another issuer or not a JWT at all; published at /.well-known/jwks.json; the private key
 * sealed at rest.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  SignJWT,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportSPKI,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealer } from '../../engine/security/sealing.js';
import { RESERVED_CLAIMS, TokenService } from '../../engine/security/tokens.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { Store } from '../../engine/store/store.js';
import { APP_KEY, TestClock, startSession, startTestServer, tempDataDir, type TestServer } from '../helpers/test-server.js';

const TTL = 300;
const ISSUER = 'journey-engine';

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('TokenService', () => {
  let dir: string;
  let store: Store;
  let clock: TestClock;
  let service: TokenService;
  const sealer = createSealer(randomBytes(32));

  beforeAll(() => {
    dir = tempDataDir();
    store = openSqliteStore(join(dir, 'journeys.db'));
    clock = new TestClock();
    service = new TokenService({ store, sealer, issuer: 'https://auth.example', ttlSeconds: TTL, now: clock.now });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const subject = (claims: Record<string, unknown> = {}) => ({
    sessionId: 'session-1',
    journeyId: 'login',
    journeyVersion: 3,
    userId: 'user-1',
    claims,
    testRun: false,
  });

  it('issues an ES256 JWT with kid and the registered claims; the journey claims cannot override them', async () => {
    const issued = await service.issue(subject({ role: 'member', iss: 'evil', sub: 'someone-else', exp: 1, jti: 'fixed', sid: 'other' }));
    const header = decodeProtectedHeader(issued.token);
    expect(header).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
    const payload = decodeJwt(issued.token);
    const iat = Math.floor(clock.now().getTime() / 1000);
    expect(payload).toEqual({
      iss: 'https://auth.example',
      sub: 'user-1',
      sid: 'session-1',
      journeyId: 'login',
      journeyVersion: 3,
      jti: issued.jti,
      iat,
      exp: iat + TTL,
      role: 'member',
    });
    expect(issued.expiresAt).toBe(new Date((iat + TTL) * 1000).toISOString());
  });

  it('omits sub when there is no user', async () => {
    const issued = await service.issue({ ...subject(), userId: null });
    expect(decodeJwt(issued.token)).not.toHaveProperty('sub');
  });

  it('validates a token once, then answers already_used', async () => {
    const { token } = await service.issue(subject({ role: 'member' }));
    await expect(service.validate(token)).resolves.toEqual({
      valid: true,
      state: 'CHALLENGE_SUCCEEDED',
      journeyId: 'login',
      journeyVersion: 3,
      sessionId: 'session-1',
      userId: 'user-1',
      amr: [],
      authTime: null,
      claims: { role: 'member' },
    });
    await expect(service.validate(token)).resolves.toEqual({ valid: false, reason: 'already_used' });
  });

  it('refuses an expired token as invalid (and accepts one just before expiry)', async () => {
    const early = await service.issue(subject());
    const late = await service.issue(subject());
    clock.advance(TTL - 1);
    await expect(service.validate(early.token)).resolves.toMatchObject({ valid: true });
    clock.advance(2);
    await expect(service.validate(late.token)).resolves.toEqual({ valid: false, reason: 'invalid' });
  });

  it('refuses a token of another issuer signed with the same key', async () => {
    const other = new TokenService({ store, sealer, issuer: 'https://other.example', ttlSeconds: TTL, now: clock.now });
    const foreign = await other.issue(subject());
    const own = await service.issue(subject());
    expect(decodeProtectedHeader(foreign.token).kid).toBe(decodeProtectedHeader(own.token).kid);
    await expect(service.validate(foreign.token)).resolves.toEqual({ valid: false, reason: 'invalid' });
  });

  it('shares one signing key between services on one store (a second process converges on it)', async () => {
    const second = new TokenService({ store, sealer, issuer: 'https://auth.example', ttlSeconds: TTL, now: clock.now });
    const issued = await second.issue(subject({ n: 1 }));
    const kids = (await service.jwks()).keys.map((k) => k.kid);
    expect(kids).toContain(decodeProtectedHeader(issued.token).kid);
    await expect(service.validate(issued.token)).resolves.toMatchObject({ valid: true, claims: { n: 1 } });
    // And the jti is recorded in the shared store: the other service sees it used.
    await expect(second.validate(issued.token)).resolves.toEqual({ valid: false, reason: 'already_used' });
  });

  it('exports RESERVED_CLAIMS covering every registered claim of the payload', () => {
    for (const name of ['iss', 'sub', 'sid', 'journeyId', 'journeyVersion', 'jti', 'iat', 'exp']) expect(RESERVED_CLAIMS).toContain(name);
  });
});

describe('tokens over HTTP', () => {
  let server: TestServer;
  const journeyId = 'token-journey';

  beforeAll(async () => {
    server = await startTestServer();
    await server.publish({
      id: journeyId,
      start: 'identify',
      settings: { public: true },
      steps: {
        identify: { type: 'user.identify', config: { username: '{% $input.username %}', create: true }, branches: { success: 'done' } },
        done: { type: 'complete', config: { claims: { role: '{% $input.role %}', iss: 'evil', exp: 1 } } },
      },
    });
  });
  afterAll(() => server.close({ remove: true }));

  async function completeSession(role = 'member') {
    const res = await startSession(server, journeyId, { input: { username: `user-${randomBytes(4).toString('hex')}`, role } });
    expect(res.body.status).toBe('completed');
    return res.body as { sessionId: string; result: { token: string; claims: Record<string, unknown> } };
  }

  const validate = (token: unknown) => server.request('POST', '/v1/tokens/validate', { body: { token }, token: APP_KEY });

  async function publicJwk(kid: string): Promise<JWK> {
    const jwks = (await server.request('GET', '/.well-known/jwks.json')).body as { keys: JWK[] };
    const key = jwks.keys.find((k) => k.kid === kid);
    expect(key).toBeDefined();
    return key!;
  }

  it('issues a token with the documented payload and validates it once', async () => {
    const session = await completeSession();
    // `claims` in the response is exactly the evaluated config.claims...
    expect(session.result.claims).toEqual({ role: 'member', iss: 'evil', exp: 1 });
    // ...but they cannot override the registered names in the token.
    const payload = decodeJwt(session.result.token);
    const user = (await server.engine.store.sessions.get(session.sessionId))!.userId;
    expect(payload).toMatchObject({ iss: ISSUER, sub: user, sid: session.sessionId, journeyId, journeyVersion: 1, role: 'member' });
    expect(payload.exp).toBe(payload.iat! + TTL);
    expect(payload.iat).toBe(Math.floor(server.clock.now().getTime() / 1000));
    expect(typeof payload.jti).toBe('string');

    const first = await validate(session.result.token);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      valid: true,
      state: 'CHALLENGE_SUCCEEDED',
      journeyId,
      journeyVersion: 1,
      sessionId: session.sessionId,
      userId: user,
      amr: [],
      authTime: null,
      claims: { role: 'member' },
    });
    const second = await validate(session.result.token);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ valid: false, reason: 'already_used' });
  });

  it('refuses an expired token (past TOKEN_TTL_SECONDS on the injected clock) as invalid', async () => {
    const fresh = await completeSession();
    const stale = await completeSession();
    server.clock.advance(TTL - 5);
    expect((await validate(fresh.result.token)).body.valid).toBe(true);
    server.clock.advance(10);
    expect((await validate(stale.result.token)).body).toEqual({ valid: false, reason: 'invalid' });
  });

  /** Forgeries built from a real, never-validated token (if one were accepted, it would answer valid:true). */
  const forgeries: Array<[string, (token: string) => Promise<string>]> = [
    [
      'signed by another ES256 key with the same kid',
      async (token) => {
        const { privateKey } = await generateKeyPair('ES256');
        const kid = decodeProtectedHeader(token).kid!;
        return new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(privateKey);
      },
    ],
    [
      'with a tampered payload (claim changed, signature kept)',
      async (token) => {
        const [header, payload, signature] = token.split('.');
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
        expect(claims.role).toBe('member');
        return [header, b64url({ ...claims, role: 'admin' }), signature].join('.');
      },
    ],
    [
      'with a tampered expiry (signature kept)',
      async (token) => {
        const [header, payload, signature] = token.split('.');
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
        return [header, b64url({ ...claims, exp: claims.exp! + 86_400 }), signature].join('.');
      },
    ],
    [
      'unsigned with alg "none"',
      async (token) => {
        const kid = decodeProtectedHeader(token).kid!;
        return `${b64url({ alg: 'none', kid, typ: 'JWT' })}.${token.split('.')[1]}.`;
      },
    ],
    [
      'with alg "none" and the original signature kept',
      async (token) => {
        const kid = decodeProtectedHeader(token).kid!;
        const [, payload, signature] = token.split('.');
        return `${b64url({ alg: 'none', kid, typ: 'JWT' })}.${payload}.${signature}`;
      },
    ],
    [
      'HS256-signed with the public JWK as the HMAC secret',
      async (token) => {
        const kid = decodeProtectedHeader(token).kid!;
        const jwk = await publicJwk(kid);
        const secret = new TextEncoder().encode(JSON.stringify(jwk));
        return new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' }).sign(secret);
      },
    ],
    [
      'HS256-signed with the public key PEM as the HMAC secret',
      async (token) => {
        const kid = decodeProtectedHeader(token).kid!;
        const pem = await exportSPKI((await importJWK(await publicJwk(kid), 'ES256', { extractable: true })) as CryptoKey);
        return new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' }).sign(new TextEncoder().encode(pem));
      },
    ],
    [
      'with an unknown kid',
      async (token) => {
        const { privateKey } = await generateKeyPair('ES256');
        return new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'ES256', kid: 'no-such-kid', typ: 'JWT' }).sign(privateKey);
      },
    ],
  ];

  it.each(forgeries)('refuses a token %s as invalid', async (_name, forge) => {
    const session = await completeSession();
    const forged = await forge(session.result.token);
    expect(forged).not.toBe(session.result.token);
    const res = await validate(forged);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: false, reason: 'invalid' });
  });

  it('refuses a token of the right key but another issuer as invalid', async () => {
    const other = new TokenService({
      store: server.engine.store,
      sealer: createSealer(server.engine.config.secretKey, server.engine.config.previousSecretKeys),
      issuer: 'https://evil.example',
      ttlSeconds: TTL,
      now: server.clock.now,
    });
    const real = await completeSession();
    const foreign = await other.issue({ sessionId: real.sessionId, journeyId, journeyVersion: 1, userId: null, claims: { role: 'member' }, testRun: false });
    expect(decodeProtectedHeader(foreign.token).kid).toBe(decodeProtectedHeader(real.result.token).kid);
    expect((await validate(foreign.token)).body).toEqual({ valid: false, reason: 'invalid' });
  });

  it.each(['garbage', 'a.b.c', '...', 'eyJhbGciOiJFUzI1NiJ9.e30.'])('refuses %j as invalid', async (garbage) => {
    const res = await validate(garbage);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: false, reason: 'invalid' });
  });

  it('publishes JWKS that verifies a real token with jose createLocalJWKSet', async () => {
    const session = await completeSession('auditor');
    const res = await server.request('GET', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    const jwks = res.body as { keys: JWK[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: expect.any(String) });
      expect(key).not.toHaveProperty('d');
    }
    const verified = await jwtVerify(session.result.token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      algorithms: ['ES256'],
      currentDate: server.clock.now(),
    });
    expect(verified.protectedHeader.kid).toBe(decodeProtectedHeader(session.result.token).kid);
    expect(verified.payload).toMatchObject({ sid: session.sessionId, role: 'auditor' });
  });

  it('stores the private half of the signing key sealed, never in clear', async () => {
    await completeSession();
    const file = join(server.dataDir, 'journeys.db');
    const db = new Database(file, { readonly: true, fileMustExist: true });
    let rows: Array<{ kid: string; public_jwk: string; sealed_private_jwk: string }>;
    try {
      rows = db.prepare('SELECT kid, public_jwk, sealed_private_jwk FROM signing_keys').all() as typeof rows;
    } finally {
      db.close();
    }
    expect(rows.length).toBeGreaterThan(0);

    const sealer = createSealer(server.engine.config.secretKey, server.engine.config.previousSecretKeys);
    const stored = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f))).toString('latin1');
    for (const row of rows) {
      const publicJwk = JSON.parse(row.public_jwk) as JWK;
      expect(publicJwk).not.toHaveProperty('d');
      expect(row.sealed_private_jwk).not.toContain('"d"');
      expect(row.sealed_private_jwk).toMatch(/^v1\./);
      expect(() => JSON.parse(row.sealed_private_jwk)).toThrow();

      // It is the real private key, sealed: it opens under SECRET_KEY to the JWK of the public half.
      const privateJwk = JSON.parse(sealer.unseal(row.sealed_private_jwk, 'signing-key')) as JWK;
      expect(privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y, d: expect.any(String) });
      // And the "d" member appears nowhere in the database files.
      expect(stored).not.toContain(privateJwk.d!);
    }
  });
});

describe('TOKEN_TTL_SECONDS', () => {
  it('sets the lifetime of issued tokens', async () => {
    const server = await startTestServer({ env: { TOKEN_TTL_SECONDS: '60' } });
    try {
      await server.publish({
        id: 'short',
        start: 'done',
        settings: { public: true },
        steps: { done: { type: 'complete', config: { claims: {} } } },
      });
      const first = (await startSession(server, 'short')).body.result.token as string;
      const second = (await startSession(server, 'short')).body.result.token as string;
      const payload = decodeJwt(first);
      expect(payload.exp! - payload.iat!).toBe(60);
      server.clock.advance(59);
      expect((await server.request('POST', '/v1/tokens/validate', { body: { token: first }, token: APP_KEY })).body.valid).toBe(true);
      server.clock.advance(2);
      expect((await server.request('POST', '/v1/tokens/validate', { body: { token: second }, token: APP_KEY })).body).toEqual({ valid: false, reason: 'invalid' });
    } finally {
      await server.close({ remove: true });
    }
  });
});
