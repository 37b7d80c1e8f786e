/**
 * Sealing secrets at rest: AES-256-GCM under SECRET_KEY. Each sealed value names the key that
 * sealed it (a short fingerprint), so SECRET_KEY_PREVIOUS keeps unsealing during a rotation.
 * Format: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Sealer {
  seal(plaintext: string, context?: string): string;
  unseal(sealed: string, context?: string): string;
  /** HMAC-SHA256 under a key derived (HKDF) from SECRET_KEY for this purpose: `<keyId>.<base64url>`. */
  keyedHash(purpose: string, value: string): string;
  /** Whether `value` hashes to `stored` under the key that made it (current or previous), in constant time. */
  matchesKeyedHash(purpose: string, value: string, stored: string): boolean;
  /** True when a sealed value was sealed under an older key (it should be sealed again). */
  sealedUnderOldKey(sealed: string): boolean;
  /** The short id of SECRET_KEY that sealed values name. */
  readonly currentKeyId: string;
}

export function parseSecretKey(text: string, name = 'SECRET_KEY'): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes, hex or base64`);
  return key;
}

const fingerprint = (key: Buffer): string => createHash('sha256').update(key).digest('base64url').slice(0, 8);

export function createSealer(current: Buffer, previous: Buffer[] = []): Sealer {
  const currentId = fingerprint(current);
  const keys = new Map<string, Buffer>([[currentId, current]]);
  for (const key of previous) keys.set(fingerprint(key), key);

  const hashKeys = new Map<string, Buffer>();
  const hashKey = (keyId: string, purpose: string) => {
    let key = hashKeys.get(`${keyId}:${purpose}`);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', keys.get(keyId)!, Buffer.alloc(0), `keyed-hash:${purpose}`, 32));
      hashKeys.set(`${keyId}:${purpose}`, key);
    }
    return key;
  };
  const hmac = (keyId: string, purpose: string, value: string) => createHmac('sha256', hashKey(keyId, purpose)).update(value).digest();

  return {
    currentKeyId: currentId,
    keyedHash(purpose, value) {
      return `${currentId}.${hmac(currentId, purpose, value).toString('base64url')}`;
    },
    matchesKeyedHash(purpose, value, stored) {
      const [keyId, digest] = stored.split('.');
      if (!keyId || !digest || !keys.has(keyId)) return false;
      const expected = Buffer.from(digest, 'base64url');
      const actual = hmac(keyId, purpose, value);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
    sealedUnderOldKey(sealed) {
      return sealed.split('.')[1] !== currentId;
    },
    seal(plaintext, context = '') {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', currentId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    unseal(sealed, context = '') {
      const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
      const key = keys.get(keyId);
      if (version !== 'v1' || !key || !iv || !tag || ciphertext === undefined) {
        throw new Error('sealed value cannot be opened with the configured keys');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
