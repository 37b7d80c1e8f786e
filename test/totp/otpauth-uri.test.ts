/**
 * otpauth URIs per Google's Key-Uri-Format, and newSecret().
 * https://github.com/google/google-authenticator/wiki/Key-Uri-Format
 */
import { describe, expect, it } from 'vitest';
import { SECRET_BYTES, newSecret, otpauthUri, type TotpParams } from '../../steps/totp-common/totp.js';

const DEFAULTS: TotpParams = { algorithm: 'SHA1', digits: 6, period: 30 };
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** RFC 4648 base32 decoding, written here so the check does not lean on the library under test. */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

interface Parsed {
  url: URL;
  /** The raw (still encoded) label between "otpauth://totp/" and "?". */
  rawLabel: string;
  issuerPrefix: string;
  account: string;
  params: URLSearchParams;
  rawQuery: string;
}

function parse(uri: string): Parsed {
  const url = new URL(uri);
  expect(url.protocol).toBe('otpauth:');
  expect(url.host).toBe('totp');
  const rawLabel = url.pathname.slice(1);
  // Exactly one unencoded ":" separates issuer and account.
  expect(rawLabel.split(':')).toHaveLength(2);
  const [issuerPrefix, account] = rawLabel.split(':').map(decodeURIComponent);
  return { url, rawLabel, issuerPrefix, account, params: url.searchParams, rawQuery: url.search.slice(1) };
}

const uri = (issuer: string, account: string, params: Partial<TotpParams> = {}, secret = SECRET) =>
  otpauthUri({ issuer, account, secret, ...DEFAULTS, ...params });

describe('otpauthUri', () => {
  it('has the documented shape for plain values and the defaults', () => {
    expect(uri('Acme', 'alice')).toBe(`otpauth://totp/Acme:alice?secret=${SECRET}&issuer=Acme`);
  });

  it('parses back with new URL(): type, label parts, secret and issuer', () => {
    const parsed = parse(uri('Acme Corp', 'alice@example.com'));
    expect(parsed.issuerPrefix).toBe('Acme Corp');
    expect(parsed.account).toBe('alice@example.com');
    expect(parsed.params.get('secret')).toBe(SECRET);
    expect(parsed.params.get('issuer')).toBe('Acme Corp');
    expect([...parsed.params.keys()].sort()).toEqual(['issuer', 'secret']);
  });

  it('the issuer prefix equals the issuer parameter', () => {
    for (const issuer of ['Acme', 'Acme Corp', 'Ünïcødé Bank', 'A&B=C', 'x:y']) {
      const parsed = parse(uri(issuer, 'bob'));
      expect(parsed.issuerPrefix).toBe(parsed.params.get('issuer'));
    }
  });

  it('encodes spaces as %20, never as +', () => {
    const text = uri('Acme Corp Inc', 'alice smith');
    expect(text).not.toContain('+');
    expect(text).not.toContain(' ');
    expect(text).toContain('Acme%20Corp%20Inc:alice%20smith');
    expect(text).toContain('issuer=Acme%20Corp%20Inc');
  });

  it('removes ":" from issuer and account, so the label has a single separator', () => {
    const parsed = parse(uri('Acme:Corp', 'alice:admin'));
    expect(parsed.issuerPrefix).toBe('AcmeCorp');
    expect(parsed.account).toBe('aliceadmin');
    expect(parsed.params.get('issuer')).toBe('AcmeCorp');
    // Not smuggled through as %3A either.
    expect(uri('Acme:Corp', 'alice:admin').toUpperCase()).not.toContain('%3A');
  });

  it('percent-encodes "@" and the other reserved characters, in the label and the issuer parameter', () => {
    const issuer = 'A&B=C?D#E/F+G%H';
    const account = 'alice+tag@example.com&x=1#frag/?%';
    const text = uri(issuer, account);
    const parsed = parse(text);
    expect(parsed.rawLabel).toContain('%40');
    for (const reserved of ['@', '&', '=', '?', '#', '/', '+', ' ']) expect(parsed.rawLabel).not.toContain(reserved);
    // The raw % must only start escapes.
    expect(parsed.rawLabel).not.toMatch(/%(?![0-9A-F]{2})/i);
    expect(parsed.account).toBe(account);
    expect(parsed.issuerPrefix).toBe(issuer);
    // "&" / "=" / "#" in the issuer do not add parameters or a fragment.
    expect(parsed.url.hash).toBe('');
    expect([...parsed.params.keys()].sort()).toEqual(['issuer', 'secret']);
    expect(parsed.params.get('issuer')).toBe(issuer);
    expect(parsed.params.get('secret')).toBe(SECRET);
  });

  it('round-trips non-ASCII accounts as UTF-8 percent-escapes', () => {
    const text = uri('Bänk', 'Jürgen Groß@例え.jp');
    expect(text).toMatch(/^[\x21-\x7e]+$/); // printable ASCII only
    expect(text).toContain('B%C3%A4nk');
    const parsed = parse(text);
    expect(parsed.account).toBe('Jürgen Groß@例え.jp');
    expect(parsed.issuerPrefix).toBe('Bänk');
  });

  it('leaves out algorithm, digits and period when they are the defaults', () => {
    const { params } = parse(uri('Acme', 'alice'));
    expect(params.has('algorithm')).toBe(false);
    expect(params.has('digits')).toBe(false);
    expect(params.has('period')).toBe(false);
  });

  it('includes each of algorithm / digits / period when set, and only that one', () => {
    const all = parse(uri('Acme', 'alice', { algorithm: 'SHA256', digits: 8, period: 60 })).params;
    expect(all.get('algorithm')).toBe('SHA256');
    expect(all.get('digits')).toBe('8');
    expect(all.get('period')).toBe('60');

    const sha512 = parse(uri('Acme', 'alice', { algorithm: 'SHA512' })).params;
    expect(sha512.get('algorithm')).toBe('SHA512');
    expect(sha512.has('digits')).toBe(false);
    expect(sha512.has('period')).toBe(false);

    const eight = parse(uri('Acme', 'alice', { digits: 8 })).params;
    expect(eight.get('digits')).toBe('8');
    expect(eight.has('algorithm')).toBe(false);
    expect(eight.has('period')).toBe(false);

    const sixty = parse(uri('Acme', 'alice', { period: 60 })).params;
    expect(sixty.get('period')).toBe('60');
    expect(sixty.has('algorithm')).toBe(false);
    expect(sixty.has('digits')).toBe(false);
  });

  it('carries a newSecret() unpadded and intact', () => {
    const secret = newSecret();
    const text = uri('Acme', 'alice', {}, secret);
    const value = parse(text).params.get('secret')!;
    expect(value).toBe(secret);
    expect(value).toHaveLength(32);
    expect(value).not.toContain('=');
    expect(text).toContain(`secret=${secret}&`);
  });
});

describe('newSecret', () => {
  it('is 32 base32 characters without padding, decoding to 20 bytes', () => {
    expect(SECRET_BYTES).toBe(20);
    const secret = newSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
  });

  it('gives 100 distinct secrets, each decoding to 20 bytes', () => {
    const secrets = Array.from({ length: 100 }, () => newSecret());
    expect(new Set(secrets).size).toBe(100);
    const decoded = secrets.map(base32Decode);
    for (const bytes of decoded) expect(bytes).toHaveLength(20);
    expect(new Set(decoded.map((b) => b.toString('hex'))).size).toBe(100);
    // Not a constant pattern: across 100 secrets, every byte position takes many values.
    for (let i = 0; i < 20; i++) expect(new Set(decoded.map((b) => b[i])).size).toBeGreaterThan(50);
  });
});
