/**
 * App sessions (#22): createSession, validateSession, refreshSession, revokeSession and
 * revokeUserSessions. A session is made from a completed challenge (the token validateChallenge
 * takes, spent by the creation) for an app's `clientId`. The access token is a JWT signed ES256
 * (pinned) by a key ring of its own (engine/security/signing-keys.ts, use `authsignal-sessions`:
 * no other token verifies here, and these verify nowhere else); its `sid` names the stored
 * session, so a revoked session's tokens stop validating at once. The refresh token is 32 random
 * bytes, stored as its sha256 and replaced on each refresh (one use).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { SignJWT, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { Sealer } from '../../engine/security/sealing.js';
import { SigningKeyRing } from '../../engine/security/signing-keys.js';
import type { TokenService } from '../../engine/security/tokens.js';
import type { AuthsignalSessionRecord, Store } from '../../engine/store/store.js';
import type { ActionRecords } from './actions.js';
import { AuthsignalError } from './common.js';
import { validateChallengeToken } from './validation.js';

export interface SessionRouteDeps {
  store: Store;
  tokens: TokenService;
  actions: ActionRecords;
  sealer: Sealer;
  now: () => Date;
}

const ALGORITHM = 'ES256';
const ISSUER = 'journey-engine/authsignal';
const TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_TTL_SECONDS = 600;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const CLIENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

const hashOf = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('hex');
const invalidToken = (why: string) => new AuthsignalError(401, 'invalid_token', why);

export function authsignalSessionRoutes(router: Router, deps: SessionRouteDeps): void {
  const keys = new SigningKeyRing({ keys: deps.store.signingKeys, sealer: deps.sealer, now: deps.now, use: 'authsignal-sessions', algorithm: ALGORITHM });
  const nowSeconds = () => Math.floor(deps.now().getTime() / 1000);

  async function accessToken(session: AuthsignalSessionRecord): Promise<string> {
    const { kid, key } = await keys.signingKey();
    const iat = nowSeconds();
    return new SignJWT({ sid: session.id, ...(session.verificationMethod ? { verificationMethod: session.verificationMethod } : {}) })
      .setProtectedHeader({ alg: ALGORITHM, kid, typ: TOKEN_TYPE })
      .setIssuer(ISSUER)
      .setSubject(session.userId)
      .setAudience(session.clientId)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
      .sign(key);
  }

  /** The live session an access token names; 401 for anything else (forged, expired, revoked). */
  async function verified(token: unknown): Promise<{ payload: JWTPayload; session: AuthsignalSessionRecord }> {
    if (typeof token !== 'string' || !token) throw new AuthsignalError(400, 'invalid_request', 'accessToken is required');
    let payload: JWTPayload;
    try {
      const header = decodeProtectedHeader(token);
      const key = header.alg === ALGORITHM && typeof header.kid === 'string' ? await keys.verifyKey(header.kid) : null;
      if (!key) throw invalidToken('the access token is not one this API issued');
      ({ payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], issuer: ISSUER, typ: TOKEN_TYPE, currentDate: deps.now(), requiredClaims: ['sid', 'sub', 'aud', 'exp'] }));
    } catch (error) {
      if (error instanceof AuthsignalError) throw error;
      throw invalidToken('the access token is invalid or expired');
    }
    const session = await deps.store.authsignalSessions.get(String(payload.sid));
    if (!session || session.revokedAt || session.userId !== payload.sub) throw invalidToken('the session was revoked');
    return { payload, session };
  }

  async function issued(session: AuthsignalSessionRecord, refreshToken: string) {
    return { accessToken: await accessToken(session), refreshToken };
  }

  router.post('/sessions', async (req, res) => {
    const body = (req.body ?? {}) as { clientId?: unknown; token?: unknown; action?: unknown };
    if (typeof body.clientId !== 'string' || !CLIENT_ID.test(body.clientId)) throw new AuthsignalError(400, 'invalid_request', 'clientId is required (letters, digits, _ . : -)');
    if (typeof body.token !== 'string' || !body.token) throw new AuthsignalError(400, 'invalid_request', 'token is required');
    const validation = await validateChallengeToken(deps, body.token, { action: body.action });
    if (!validation.isValid) throw new AuthsignalError(400, 'invalid_token', `the token does not validate (${validation.error})`);
    const refreshToken = randomBytes(32).toString('base64url');
    const now = deps.now();
    const session: AuthsignalSessionRecord = {
      id: randomUUID(),
      userId: validation.userId,
      clientId: body.clientId,
      refreshTokenHash: hashOf(refreshToken),
      verificationMethod: validation.verificationMethod ?? null,
      actionId: validation.idempotencyKey,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString(),
      revokedAt: null,
    };
    await deps.store.authsignalSessions.create(session);
    res.json(await issued(session, refreshToken));
  });

  router.post('/sessions/validate', async (req, res) => {
    const body = (req.body ?? {}) as { accessToken?: unknown; clientIds?: unknown };
    const { payload, session } = await verified(body.accessToken);
    if (Array.isArray(body.clientIds) && body.clientIds.length && !body.clientIds.includes(session.clientId)) {
      throw invalidToken('the access token was issued to another client');
    }
    const user = await deps.store.users.findById(session.userId);
    if (!user) throw invalidToken('the user no longer exists');
    const a = user.attributes;
    res.json({
      user: {
        userId: user.id,
        ...(typeof a.email === 'string' ? { email: a.email } : {}),
        ...(typeof a.phoneNumber === 'string' ? { phoneNumber: a.phoneNumber } : {}),
        ...(user.username ? { username: user.username } : {}),
        ...(typeof a.displayName === 'string' ? { displayName: a.displayName } : {}),
      },
      expiresAt: payload.exp,
      ...(session.verificationMethod ? { verificationMethod: session.verificationMethod } : {}),
    });
  });

  router.post('/sessions/refresh', async (req, res) => {
    const refreshToken = (req.body as { refreshToken?: unknown } | undefined)?.refreshToken;
    if (typeof refreshToken !== 'string' || !refreshToken) throw new AuthsignalError(400, 'invalid_request', 'refreshToken is required');
    const hash = hashOf(refreshToken);
    const session = await deps.store.authsignalSessions.findByRefreshTokenHash(hash);
    if (!session) throw invalidToken('the refresh token is not valid (already used, or unknown)');
    const next = randomBytes(32).toString('base64url');
    const now = deps.now();
    const expiresAt = new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString();
    if (!(await deps.store.authsignalSessions.rotate(session.id, hash, hashOf(next), expiresAt, now.toISOString()))) {
      throw invalidToken('the refresh token is not valid (used, expired, or its session revoked)');
    }
    res.json(await issued({ ...session, expiresAt }, next));
  });

  router.post('/sessions/revoke', async (req, res) => {
    const { session } = await verified((req.body as { accessToken?: unknown } | undefined)?.accessToken);
    await deps.store.authsignalSessions.revoke(session.id, deps.now().toISOString());
    res.json({});
  });

  router.post('/sessions/user/revoke', async (req, res) => {
    const userId = (req.body as { userId?: unknown } | undefined)?.userId;
    if (typeof userId !== 'string' || !userId) throw new AuthsignalError(400, 'invalid_request', 'userId is required');
    await deps.store.authsignalSessions.revokeByUser(userId, deps.now().toISOString());
    res.json({});
  });
}
