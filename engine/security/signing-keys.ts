/**
 * A ring of signing keys for one use and one algorithm (result tokens: ES256; the OpenID provider:
 * RS256 and ES256), kept in the store with the private half sealed under SECRET_KEY. The newest
 * key not retired signs; every process converges on it, whoever created it.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { JsonObject } from '../json.js';
import type { SigningAlgorithm, SigningKeyRecord, SigningKeyStore, SigningKeyUse } from '../store/store.js';
import type { Sealer } from './sealing.js';

export const SIGNING_KEY_SEAL_CONTEXT = 'signing-key';

export interface SigningKeyRingOptions {
  keys: SigningKeyStore;
  sealer: Sealer;
  now: () => Date;
  use: SigningKeyUse;
  algorithm: SigningAlgorithm;
}

export class SigningKeyRing {
  private active: { kid: string; key: CryptoKey; privateJwk: JWK } | null = null;
  private readonly verifyKeys = new Map<string, CryptoKey>();

  constructor(private readonly options: SigningKeyRingOptions) {}

  get algorithm(): SigningAlgorithm {
    return this.options.algorithm;
  }

  /** This ring's keys, oldest first. */
  async records(): Promise<SigningKeyRecord[]> {
    const { use, algorithm } = this.options;
    return (await this.options.keys.list()).filter((k) => k.use === use && k.algorithm === algorithm);
  }

  /** The key that signs now (created on first use). */
  async signingKey(): Promise<{ kid: string; key: CryptoKey; privateJwk: JWK }> {
    if (this.active) return this.active;
    let record = newestUsable(await this.records());
    if (!record) {
      await this.addKey();
      // Another process may have raced us: everyone converges on the newest key.
      record = newestUsable(await this.records())!;
    }
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(this.options.sealer.unseal(record.sealedPrivateJwk, SIGNING_KEY_SEAL_CONTEXT)) as JWK;
    } catch {
      // Sealed under a key this process no longer has: start a new key (the old public key stays
      // published, so tokens it signed still verify until they expire).
      await this.addKey();
      record = newestUsable(await this.records())!;
      privateJwk = JSON.parse(this.options.sealer.unseal(record.sealedPrivateJwk, SIGNING_KEY_SEAL_CONTEXT)) as JWK;
    }
    const withId = { ...privateJwk, kid: record.kid, alg: this.options.algorithm, use: 'sig' };
    this.active = { kid: record.kid, key: (await importJWK(privateJwk, this.options.algorithm)) as CryptoKey, privateJwk: withId };
    return this.active;
  }

  /**
   * Every usable key with its private half, the signing one first, then the others newest first:
   * for a signer that publishes all its keys (the OpenID provider), so that processes which raced
   * to create the first key publish each other's and sign with the same one.
   */
  async privateJwks(): Promise<JWK[]> {
    const active = await this.signingKey();
    const others: JWK[] = [];
    for (const record of (await this.records()).filter((k) => !k.retiredAt && k.kid !== active.kid).reverse()) {
      try {
        const privateJwk = JSON.parse(this.options.sealer.unseal(record.sealedPrivateJwk, SIGNING_KEY_SEAL_CONTEXT)) as JWK;
        others.push({ ...privateJwk, kid: record.kid, alg: this.options.algorithm, use: 'sig' });
      } catch {
        // Sealed under a key this process does not have: not usable here.
      }
    }
    return [active.privateJwk, ...others];
  }

  /** A key of this ring by its id, to verify with; null when there is none. */
  async verifyKey(kid: string): Promise<CryptoKey | null> {
    const cached = this.verifyKeys.get(kid);
    if (cached) return cached;
    const record = (await this.records()).find((k) => k.kid === kid);
    if (!record) return null;
    const key = (await importJWK(record.publicJwk as JWK, this.options.algorithm)) as CryptoKey;
    this.verifyKeys.set(kid, key);
    return key;
  }

  /** Public keys still able to verify what was signed in the last `maxAgeSeconds`. */
  async publicJwks(maxAgeSeconds: number): Promise<JWK[]> {
    const oldest = this.options.now().getTime() - maxAgeSeconds * 1000;
    let keys = (await this.records()).filter((k) => !k.retiredAt || Date.parse(k.retiredAt) >= oldest);
    if (keys.length === 0) {
      await this.signingKey();
      keys = await this.records();
    }
    return keys.map((k) => ({ ...(k.publicJwk as JWK), kid: k.kid, alg: this.options.algorithm, use: 'sig' }));
  }

  private async addKey(): Promise<void> {
    const { algorithm } = this.options;
    const { publicKey, privateKey } = await generateKeyPair(algorithm, { extractable: true, ...(algorithm === 'RS256' ? { modulusLength: 2048 } : {}) });
    await this.options.keys.add({
      kid: randomUUID(),
      use: this.options.use,
      algorithm,
      publicJwk: (await exportJWK(publicKey)) as JsonObject,
      sealedPrivateJwk: this.options.sealer.seal(JSON.stringify(await exportJWK(privateKey)), SIGNING_KEY_SEAL_CONTEXT),
      createdAt: this.options.now().toISOString(),
      retiredAt: null,
    });
  }
}

function newestUsable(keys: SigningKeyRecord[]): SigningKeyRecord | undefined {
  return keys.filter((k) => !k.retiredAt).at(-1);
}
