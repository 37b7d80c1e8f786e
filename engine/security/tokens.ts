/**
 * Result tokens: JWTs signed ES256 (pinned on both sides), `kid` in the header, the key pair
 * generated once and kept in the store with its private half sealed under SECRET_KEY.
 * Validation accepts each token once (its `jti` is recorded atomically).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, decodeProtectedHeader, type JWK } from 'jose';
import type { Store } from '../store/store.js';
import type { JsonObject } from '../steps/step-types.js';
import type { Sealer } from './sealing.js';
import { SigningKeyRing } from './signing-keys.js';
import type { TokenValidation as ContractTokenValidation } from '../http/contract/types.js';

const ALGORITHM = 'ES256';
export { SIGNING_KEY_SEAL_CONTEXT } from './signing-keys.js';
/** Registered claims the journey's own claims may not override. */
export const RESERVED_CLAIMS = ['iss', 'sub', 'aud', 'sid', 'journeyId', 'journeyVersion', 'jti', 'iat', 'exp', 'nbf', 'testRun', 'amr', 'auth_time', 'acr'];

export interface TokenSubject {
  sessionId: string;
  journeyId: string;
  journeyVersion: number | null;
  /** The established user (`sub`); null when the session established none. */
  userId: string | null;
  /** How the user was authenticated: RFC 8176 values and when (absent when nothing was proved). */
  authentication?: { amr: string[]; authTime: string } | null;
  claims: JsonObject;
  /** Admin test runs sign tokens apps must never accept. */
  testRun: boolean;
}

/** What a backend may require of a token beyond its signature (`POST /v1/tokens/validate`). */
export interface TokenRequirements {
  journeyId?: string;
  /** Every value must be in the token's `amr` (`mfa` does not stand in for `pwd`). */
  requireAmr?: string[];
}

/** What `POST /v1/tokens/validate` answers: the API's shape (engine/http/contract). */
export type TokenValidation = ContractTokenValidation;

export interface TokenServiceOptions {
  store: Store;
  sealer: Sealer;
  issuer: string;
  ttlSeconds: number;
  now: () => Date;
}

export class TokenService {
  /** Result tokens have a key ring of their own (ES256): the OpenID provider signs with others. */
  private readonly keys: SigningKeyRing;

  constructor(private readonly options: TokenServiceOptions) {
    this.keys = new SigningKeyRing({ keys: options.store.signingKeys, sealer: options.sealer, now: options.now, use: 'tokens', algorithm: ALGORITHM });
  }

  async issue(subject: TokenSubject): Promise<{ token: string; jti: string; expiresAt: string }> {
    const { kid, key } = await this.keys.signingKey();
    const jti = randomUUID();
    const iat = Math.floor(this.options.now().getTime() / 1000);
    const exp = iat + this.options.ttlSeconds;
    const custom = Object.fromEntries(Object.entries(subject.claims).filter(([name]) => !RESERVED_CLAIMS.includes(name)));
    const jwt = new SignJWT({
      ...custom,
      sid: subject.sessionId,
      journeyId: subject.journeyId,
      journeyVersion: subject.journeyVersion,
      ...(subject.testRun ? { testRun: true } : {}),
      ...(subject.userId && subject.authentication?.amr.length
        ? { amr: subject.authentication.amr, auth_time: Math.floor(Date.parse(subject.authentication.authTime) / 1000) }
        : {}),
    })
      .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
      .setIssuer(this.options.issuer)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp);
    if (subject.userId) jwt.setSubject(subject.userId);
    return { token: await jwt.sign(key), jti, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /**
   * Verifies a token and uses it up. A token refused for `requirements` (wrong journey, too weak an
   * authentication) is not used up: the backend that asked too much may not spend someone's token.
   */
  async validate(token: string, requirements: TokenRequirements = {}): Promise<TokenValidation> {
    let payload: JsonObject;
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== ALGORITHM || typeof header.kid !== 'string') return { valid: false, reason: 'invalid' };
      const key = await this.keys.verifyKey(header.kid);
      if (!key) return { valid: false, reason: 'invalid' };
      const verified = await jwtVerify(token, key, {
        algorithms: [ALGORITHM],
        issuer: this.options.issuer,
        currentDate: this.options.now(),
        requiredClaims: ['jti', 'exp', 'iat', 'sid', 'journeyId'],
      });
      payload = verified.payload as JsonObject;
    } catch {
      return { valid: false, reason: 'invalid' };
    }
    if (payload.testRun === true) return { valid: false, reason: 'invalid' };
    const amr = Array.isArray(payload.amr) ? payload.amr.filter((v): v is string => typeof v === 'string') : [];
    if (requirements.journeyId !== undefined && payload.journeyId !== requirements.journeyId) return { valid: false, reason: 'journey_mismatch' };
    if (requirements.requireAmr && !requirements.requireAmr.every((value) => amr.includes(value))) {
      return { valid: false, reason: 'insufficient_authentication' };
    }
    const expiresAt = new Date((payload.exp as number) * 1000).toISOString();
    if (!(await this.options.store.usedTokens.markUsed(payload.jti as string, expiresAt))) {
      return { valid: false, reason: 'already_used' };
    }
    const claims = Object.fromEntries(Object.entries(payload).filter(([name]) => !RESERVED_CLAIMS.includes(name)));
    return {
      valid: true,
      state: 'CHALLENGE_SUCCEEDED',
      journeyId: payload.journeyId as string,
      journeyVersion: (payload.journeyVersion as number | null) ?? null,
      sessionId: payload.sid as string,
      userId: (payload.sub as string | undefined) ?? null,
      amr,
      authTime: typeof payload.auth_time === 'number' ? payload.auth_time : null,
      claims,
    };
  }

  /** Public keys still able to verify unexpired tokens. */
  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: await this.keys.publicJwks(this.options.ttlSeconds) };
  }
}
