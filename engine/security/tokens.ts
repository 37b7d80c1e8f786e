/**
 * Result tokens: JWTs signed ES256 (pinned on both sides), `kid` in the header, the key pair
 * generated once and kept in the store with its private half sealed under SECRET_KEY.
 * Validation accepts each token once (its `jti` is recorded atomically).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, decodeProtectedHeader, type JWK, type CryptoKey } from 'jose';
import type { SigningKeyRecord, Store } from '../store/store.js';
import type { JsonObject } from '../steps/step-types.js';
import type { Sealer } from './sealing.js';
import type { TokenValidation as ContractTokenValidation } from '../http/contract/types.js';

const ALGORITHM = 'ES256';
export const SIGNING_KEY_SEAL_CONTEXT = 'signing-key';
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
  private active: { kid: string; key: CryptoKey } | null = null;
  private readonly verifyKeys = new Map<string, CryptoKey>();

  constructor(private readonly options: TokenServiceOptions) {}

  async issue(subject: TokenSubject): Promise<{ token: string; jti: string; expiresAt: string }> {
    const { kid, key } = await this.activeKey();
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
      const key = await this.verifyKey(header.kid);
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
    const oldest = this.options.now().getTime() - this.options.ttlSeconds * 1000;
    const keys = (await this.options.store.signingKeys.list()).filter((k) => !k.retiredAt || Date.parse(k.retiredAt) >= oldest);
    if (keys.length === 0) {
      await this.activeKey();
      return this.jwks();
    }
    return { keys: keys.map((k) => ({ ...(k.publicJwk as JWK), kid: k.kid, alg: ALGORITHM, use: 'sig' })) };
  }

  private async activeKey(): Promise<{ kid: string; key: CryptoKey }> {
    if (this.active) return this.active;
    let record = newestUsable(await this.options.store.signingKeys.list());
    if (!record) {
      await this.addKey();
      // Another process may have raced us: everyone converges on the newest key.
      record = newestUsable(await this.options.store.signingKeys.list())!;
    }
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(this.options.sealer.unseal(record.sealedPrivateJwk, SIGNING_KEY_SEAL_CONTEXT)) as JWK;
    } catch {
      // Sealed under a key this process no longer has: start a new key (the old public key stays
      // in the JWKS, so tokens it signed still verify until they expire).
      await this.addKey();
      const fresh = newestUsable(await this.options.store.signingKeys.list())!;
      privateJwk = JSON.parse(this.options.sealer.unseal(fresh.sealedPrivateJwk, SIGNING_KEY_SEAL_CONTEXT)) as JWK;
      record = fresh;
    }
    this.active = { kid: record.kid, key: (await importJWK(privateJwk, ALGORITHM)) as CryptoKey };
    return this.active;
  }

  private async addKey(): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    await this.options.store.signingKeys.add({
      kid: randomUUID(),
      publicJwk: (await exportJWK(publicKey)) as JsonObject,
      sealedPrivateJwk: this.options.sealer.seal(JSON.stringify(await exportJWK(privateKey)), SIGNING_KEY_SEAL_CONTEXT),
      createdAt: this.options.now().toISOString(),
      retiredAt: null,
    });
  }

  private async verifyKey(kid: string): Promise<CryptoKey | null> {
    const cached = this.verifyKeys.get(kid);
    if (cached) return cached;
    const record = (await this.options.store.signingKeys.list()).find((k) => k.kid === kid);
    if (!record) return null;
    const key = (await importJWK(record.publicJwk as JWK, ALGORITHM)) as CryptoKey;
    this.verifyKeys.set(kid, key);
    return key;
  }
}

function newestUsable(keys: SigningKeyRecord[]): SigningKeyRecord | undefined {
  return keys.filter((k) => !k.retiredAt).at(-1);
}
