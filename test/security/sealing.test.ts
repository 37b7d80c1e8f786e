/**
 * Sealing secrets at rest (AES-256-GCM under SECRET_KEY, SECRET_KEY_PREVIOUS during rotation).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSealer, parseSecretKey } from '../../engine/security/sealing.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);

/** Flips one character of a base64url part (to another valid base64url character). */
function flip(part: string, index = 0): string {
  const c = part[index];
  return part.slice(0, index) + (c === 'A' ? 'B' : 'A') + part.slice(index + 1);
}

describe('seal and unseal', () => {
  const sealer = createSealer(keyA);

  it('round-trips text, with and without a context', () => {
    for (const text of ['', 'JBSWY3DPEHPK3PXP', 'ünïcødé ✓ ' + 'x'.repeat(5000)]) {
      expect(sealer.unseal(sealer.seal(text))).toBe(text);
      expect(sealer.unseal(sealer.seal(text, 'totp-secret'), 'totp-secret')).toBe(text);
    }
  });

  it('produces a fresh sealed value each time, not containing the plaintext', () => {
    const plaintext = 'super-secret-value';
    const a = sealer.seal(plaintext);
    const b = sealer.seal(plaintext);
    expect(a).not.toBe(b);
    expect(a).not.toContain(plaintext);
    expect(a).not.toContain(Buffer.from(plaintext).toString('base64url'));
    expect(a.split('.')).toHaveLength(5);
    expect(a.startsWith('v1.')).toBe(true);
  });

  it('detects tampering with the ciphertext, the tag, the iv, the key id or the version', () => {
    const sealed = sealer.seal('tamper me please', 'ctx');
    const parts = sealed.split('.');
    const variants = [
      [parts[0], parts[1], parts[2], parts[3], flip(parts[4])],
      [parts[0], parts[1], parts[2], flip(parts[3]), parts[4]],
      [parts[0], parts[1], flip(parts[2]), parts[3], parts[4]],
      [parts[0], flip(parts[1]), parts[2], parts[3], parts[4]],
      ['v2', parts[1], parts[2], parts[3], parts[4]],
      [parts[0], parts[1], parts[2], parts[3], parts[4] + 'AA'],
      [parts[0], parts[1], parts[2], parts[3]],
    ];
    for (const variant of variants) {
      expect(() => sealer.unseal(variant.join('.'), 'ctx')).toThrow();
    }
    expect(() => sealer.unseal('not a sealed value', 'ctx')).toThrow();
    expect(sealer.unseal(sealed, 'ctx')).toBe('tamper me please');
  });

  it('refuses to open a value under another context', () => {
    const sealed = sealer.seal('signing key material', 'signing-key');
    expect(() => sealer.unseal(sealed, 'totp-secret')).toThrow();
    expect(() => sealer.unseal(sealed)).toThrow();
    expect(() => sealer.unseal(sealer.seal('no context'), 'signing-key')).toThrow();
  });

  it('refuses to open a value sealed under another key', () => {
    const sealed = createSealer(keyB).seal('other key', 'ctx');
    expect(() => sealer.unseal(sealed, 'ctx')).toThrow();
  });
});

describe('SECRET_KEY_PREVIOUS rotation', () => {
  it('unseals values sealed under the old key with a sealer whose current key is new and previous is old', () => {
    const old = createSealer(keyA);
    const sealedOld = old.seal('authenticator secret', 'totp-secret');

    const rotated = createSealer(keyB, [keyA]);
    expect(rotated.unseal(sealedOld, 'totp-secret')).toBe('authenticator secret');

    // New values are sealed under the new key: the old key alone cannot open them...
    const sealedNew = rotated.seal('fresh secret', 'totp-secret');
    expect(sealedNew.split('.')[1]).not.toBe(sealedOld.split('.')[1]);
    expect(() => old.unseal(sealedNew, 'totp-secret')).toThrow();
    // ...and once the previous key is dropped, the old values no longer open.
    const newOnly = createSealer(keyB);
    expect(newOnly.unseal(sealedNew, 'totp-secret')).toBe('fresh secret');
    expect(() => newOnly.unseal(sealedOld, 'totp-secret')).toThrow();
  });

  it('still checks the context for values sealed under the previous key', () => {
    const sealedOld = createSealer(keyA).seal('x', 'one');
    expect(() => createSealer(keyB, [keyA]).unseal(sealedOld, 'two')).toThrow();
  });
});

describe('parseSecretKey', () => {
  const key = randomBytes(32);

  it('accepts 32 bytes as hex (either case, surrounding whitespace ignored)', () => {
    expect(parseSecretKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('hex').toUpperCase()).equals(key)).toBe(true);
    expect(parseSecretKey(`  ${key.toString('hex')}\n`).equals(key)).toBe(true);
  });

  it('accepts 32 bytes as base64 (padded or not) and base64url', () => {
    expect(parseSecretKey(key.toString('base64')).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('base64').replace(/=+$/, '')).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('base64url')).equals(key)).toBe(true);
  });

  it('gives a working sealer key', () => {
    const sealed = createSealer(parseSecretKey(key.toString('hex'))).seal('v');
    expect(createSealer(parseSecretKey(key.toString('base64'))).unseal(sealed)).toBe('v');
  });

  it.each([
    ['16 bytes hex', randomBytes(16).toString('hex')],
    ['31 bytes hex', randomBytes(31).toString('hex')],
    ['33 bytes hex', randomBytes(33).toString('hex')],
    ['16 bytes base64', randomBytes(16).toString('base64')],
    ['31 bytes base64', randomBytes(31).toString('base64')],
    ['33 bytes base64', randomBytes(33).toString('base64')],
    ['64 bytes base64', randomBytes(64).toString('base64')],
    ['empty', ''],
    ['a passphrase', 'correct horse battery staple'],
  ])('refuses %s', (_name, text) => {
    expect(() => parseSecretKey(text)).toThrow(/32 bytes/);
  });

  it('names the variable in its error', () => {
    expect(() => parseSecretKey('short', 'SECRET_KEY_PREVIOUS')).toThrow(/SECRET_KEY_PREVIOUS/);
  });
});
