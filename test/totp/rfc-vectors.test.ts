/**
 * The published test vectors (RFC 4226 Appendix D, RFC 6238 Appendix B with its errata seeds),
 * generated through otplib as totp.ts configures it AND verified through our own verifyTotp, plus
 * verifyTotp's contract: a time step number or null, replay refusal, window bounds, strict format.
 */
import { describe, expect, it } from 'vitest';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { HOTP, ScureBase32Plugin, generate } from 'otplib';
import { newSecret, verifyTotp, type TotpAlgorithm, type TotpParams } from '../../steps/totp-common/totp.js';

const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();

const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'ascii'));
const toBase32 = (bytes: Uint8Array): string => base32.encode(bytes, { padding: false });
const otplibAlgorithm = (algorithm: TotpAlgorithm) => algorithm.toLowerCase() as 'sha1' | 'sha256' | 'sha512';

/** RFC 6238 errata 2866: each algorithm has a seed as long as its digest. */
const SEED: Record<TotpAlgorithm, Uint8Array> = {
  SHA1: ascii('12345678901234567890'),
  SHA256: ascii('12345678901234567890123456789012'),
  SHA512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
};
const SEED_20 = SEED.SHA1;

/** RFC 4226 Appendix D: HOTP-SHA1, 6 digits, counters 0..9. */
const HOTP_VECTORS = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

/** RFC 6238 Appendix B: Unix time, then the 8-digit TOTP for SHA1, SHA256, SHA512 (period 30). */
const TOTP_VECTORS: Array<[number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

const ALGORITHMS: TotpAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];
const EXACT = { past: 0, future: 0 };

describe('the seeds', () => {
  it('have the lengths and the base32 form the errata and the architecture notes give', () => {
    expect(SEED.SHA1.length).toBe(20);
    expect(SEED.SHA256.length).toBe(32);
    expect(SEED.SHA512.length).toBe(64);
    expect(toBase32(SEED.SHA1)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });
});

describe('RFC 4226 HOTP vectors', () => {
  const hotp = new HOTP({ crypto, base32, secret: toBase32(SEED_20) });

  HOTP_VECTORS.forEach((expected, counter) => {
    it(`counter ${counter} → ${expected}`, async () => {
      expect(await hotp.generate(counter)).toBe(expected);
      expect(await generate({ strategy: 'hotp', secret: SEED_20, counter, crypto, base32 })).toBe(expected);
      // TOTP is HOTP on the time step: at any second of step `counter` (period 30), our verifier
      // must accept exactly this code and name that step.
      const params: TotpParams = { algorithm: 'SHA1', digits: 6, period: 30 };
      for (const offset of [0, 17, 29]) {
        const now = new Date((counter * 30 + offset) * 1000);
        expect(await verifyTotp({ secret: toBase32(SEED_20), code: expected, params, window: EXACT, now })).toBe(counter);
      }
    });
  });
});

describe('RFC 6238 TOTP vectors (8 digits, period 30)', () => {
  for (const [seconds, ...codes] of TOTP_VECTORS) {
    ALGORITHMS.forEach((algorithm, index) => {
      const expected = codes[index];
      it(`t=${seconds} ${algorithm} → ${expected}`, async () => {
        const secret = SEED[algorithm];
        const fromBytes = await generate({ secret, algorithm: otplibAlgorithm(algorithm), digits: 8, period: 30, epoch: seconds, crypto, base32 });
        const fromBase32 = await generate({
          secret: toBase32(secret),
          algorithm: otplibAlgorithm(algorithm),
          digits: 8,
          period: 30,
          epoch: seconds,
          crypto,
          base32,
        });
        expect(fromBytes).toBe(expected);
        expect(fromBase32).toBe(expected);

        const step = await verifyTotp({
          secret: toBase32(secret),
          code: expected,
          params: { algorithm, digits: 8, period: 30 },
          window: EXACT,
          now: new Date(seconds * 1000),
        });
        // The time step itself, not merely something truthy (t=20000000000 is past 2^32 seconds).
        expect(step).toBe(Math.floor(seconds / 30));
      });
    });
  }
});

describe('the seed length matters (the circulated wrong SHA-256 / SHA-512 vectors)', () => {
  const at59 = { epoch: 59, digits: 8 as const, period: 30, crypto, base32 };

  it('SHA-256 over the 20-byte seed is not the RFC value 46119246: it is the widely circulated 32247374', async () => {
    const withShortSeed = await generate({ ...at59, secret: SEED_20, algorithm: 'sha256' });
    const withErrataSeed = await generate({ ...at59, secret: SEED.SHA256, algorithm: 'sha256' });
    expect(withShortSeed).not.toBe('46119246');
    // Measured: otplib does produce the wrong vector for the wrong seed; it is the 32-byte seed that
    // gives the RFC value. So 32247374 is a symptom of the 20-byte seed, not of the algorithm.
    expect(withShortSeed).toBe('32247374');
    expect(withErrataSeed).toBe('46119246');
  });

  it('SHA-512 over the 20-byte seed is not the RFC value 90693936', async () => {
    const withShortSeed = await generate({ ...at59, secret: SEED_20, algorithm: 'sha512' });
    expect(withShortSeed).not.toBe('90693936');
    expect(await generate({ ...at59, secret: SEED.SHA512, algorithm: 'sha512' })).toBe('90693936');
  });

  it('verifyTotp with the errata seed never accepts 32247374 for SHA-256 at t=59, even with the widest window', async () => {
    const params: TotpParams = { algorithm: 'SHA256', digits: 8, period: 30 };
    const now = new Date(59 * 1000);
    for (const window of [EXACT, { past: 1, future: 1 }, { past: 2, future: 2 }]) {
      expect(await verifyTotp({ secret: toBase32(SEED.SHA256), code: '32247374', params, window, now })).toBeNull();
    }
    // And the other way round: the 20-byte seed does not reproduce the RFC's SHA-256 code.
    expect(await verifyTotp({ secret: toBase32(SEED_20), code: '46119246', params, window: EXACT, now })).toBeNull();
    expect(await verifyTotp({ secret: toBase32(SEED.SHA256), code: '46119246', params, window: EXACT, now })).toBe(1);
  });
});

describe('verifyTotp', () => {
  const secret = newSecret();
  const params: TotpParams = { algorithm: 'SHA1', digits: 6, period: 30 };
  const T = 1_700_000_010; // 10 s into its time step
  const STEP = Math.floor(T / 30);
  const at = (seconds: number) => new Date(seconds * 1000);
  const codeAt = (seconds: number, p: TotpParams = params) =>
    generate({ secret, algorithm: otplibAlgorithm(p.algorithm), digits: p.digits, period: p.period, epoch: seconds, crypto, base32 });
  const check = (code: string, options: { window?: { past: number; future: number }; now?: Date; afterTimeStep?: number | null; p?: TotpParams } = {}) =>
    verifyTotp({ secret, code, params: options.p ?? params, window: options.window ?? EXACT, now: options.now ?? at(T), afterTimeStep: options.afterTimeStep });

  it('answers the matched time step as a number', async () => {
    const result = await check(await codeAt(T));
    expect(typeof result).toBe('number');
    expect(result).toBe(STEP);
  });

  it('answers the step the code belongs to, not the current one, when the window lets an older or newer code in', async () => {
    const wide = { past: 2, future: 2 };
    expect(await check(await codeAt(T - 30), { window: wide })).toBe(STEP - 1);
    expect(await check(await codeAt(T - 60), { window: wide })).toBe(STEP - 2);
    expect(await check(await codeAt(T + 30), { window: wide })).toBe(STEP + 1);
    expect(await check(await codeAt(T + 60), { window: wide })).toBe(STEP + 2);
  });

  it('answers step 0 as 0 (a falsy number), distinct from null', async () => {
    const result = await check(await codeAt(15), { now: at(15) });
    expect(result).toBe(0);
    expect(result).not.toBeNull();
  });

  it('answers null for a wrong code', async () => {
    const valid = new Set<string>();
    for (let k = -2; k <= 2; k++) valid.add(await codeAt(T + k * 30));
    let wrong = Number(await codeAt(T));
    do wrong = (wrong + 1) % 1_000_000;
    while (valid.has(String(wrong).padStart(6, '0')));
    const code = String(wrong).padStart(6, '0');
    expect(await check(code)).toBeNull();
    expect(await check(code, { window: { past: 2, future: 2 } })).toBeNull();
  });

  it('answers null for a code of another secret', async () => {
    const other = newSecret();
    const foreign = await generate({ secret: other, epoch: T, crypto, base32 });
    if (foreign !== (await codeAt(T))) expect(await check(foreign)).toBeNull();
    expect(await verifyTotp({ secret: other, code: foreign, params, window: EXACT, now: at(T) })).toBe(STEP);
  });

  describe('replay (afterTimeStep)', () => {
    it('refuses the code of the step last accepted', async () => {
      const code = await codeAt(T);
      const step = await check(code);
      expect(step).toBe(STEP);
      expect(await check(code, { afterTimeStep: step })).toBeNull();
      expect(await check(code, { afterTimeStep: step, window: { past: 2, future: 2 } })).toBeNull();
    });

    it('refuses an older step than the last accepted one, and accepts a later one', async () => {
      const window = { past: 1, future: 1 };
      expect(await check(await codeAt(T - 30), { afterTimeStep: STEP, window })).toBeNull();
      expect(await check(await codeAt(T - 30), { afterTimeStep: STEP - 1, window })).toBeNull();
      expect(await check(await codeAt(T), { afterTimeStep: STEP - 1, window })).toBe(STEP);
      expect(await check(await codeAt(T + 30), { afterTimeStep: STEP, window })).toBe(STEP + 1);
    });

    it('treats null and undefined as "nothing accepted yet"', async () => {
      const code = await codeAt(T);
      expect(await check(code, { afterTimeStep: null })).toBe(STEP);
      expect(await check(code, { afterTimeStep: undefined })).toBe(STEP);
    });

    it('answers null (does not throw) when the last accepted step lies beyond the window (clock stepped back, window narrowed)', async () => {
      // Reachable: a code of step s+1 accepted with future:1, then the journey's window set to
      // future:0 (or another process's clock a period behind) during step s. The contract is
      // "the matched time step, or null".
      const code = await codeAt(T);
      await expect(check(code, { afterTimeStep: STEP + 1, window: EXACT })).resolves.toBeNull();
      await expect(check(code, { afterTimeStep: STEP + 5, window: { past: 1, future: 1 } })).resolves.toBeNull();
    });
  });

  describe('window bounds', () => {
    for (const offset of [0, 10, 29]) {
      const now = STEP * 30 + offset;
      it(`a code from 2 steps ago: refused with past:1, accepted with past:2 (${offset} s into the step)`, async () => {
        const old = await codeAt(now - 60);
        expect(await check(old, { now: at(now), window: { past: 1, future: 0 } })).toBeNull();
        expect(await check(old, { now: at(now), window: { past: 2, future: 0 } })).toBe(STEP - 2);
      });

      it(`a code from 2 steps ahead: refused with future:1, accepted with future:2 (${offset} s into the step)`, async () => {
        const ahead = await codeAt(now + 60);
        expect(await check(ahead, { now: at(now), window: { past: 0, future: 1 } })).toBeNull();
        expect(await check(ahead, { now: at(now), window: { past: 0, future: 2 } })).toBe(STEP + 2);
      });

      it(`past:0/future:0 accepts only the current step (${offset} s into the step)`, async () => {
        expect(await check(await codeAt(now), { now: at(now) })).toBe(STEP);
        expect(await check(await codeAt(now - 30), { now: at(now) })).toBeNull();
        expect(await check(await codeAt(now + 30), { now: at(now) })).toBeNull();
      });
    }

    it('past and future are independent', async () => {
      expect(await check(await codeAt(T - 30), { window: { past: 0, future: 2 } })).toBeNull();
      expect(await check(await codeAt(T + 30), { window: { past: 2, future: 0 } })).toBeNull();
      expect(await check(await codeAt(T - 30), { window: { past: 1, future: 0 } })).toBe(STEP - 1);
      expect(await check(await codeAt(T + 30), { window: { past: 0, future: 1 } })).toBe(STEP + 1);
    });

    it('counts the window in periods of the authenticator (period 60)', async () => {
      const p60: TotpParams = { algorithm: 'SHA1', digits: 6, period: 60 };
      const step60 = Math.floor(T / 60);
      expect(await check(await codeAt(T, p60), { p: p60 })).toBe(step60);
      expect(await check(await codeAt(T - 60, p60), { p: p60 })).toBeNull();
      expect(await check(await codeAt(T - 60, p60), { p: p60, window: { past: 1, future: 0 } })).toBe(step60 - 1);
      expect(await check(await codeAt(T - 120, p60), { p: p60, window: { past: 1, future: 0 } })).toBeNull();
    });
  });

  describe('format', () => {
    it('answers null for codes of the wrong length (including the right code cut or padded)', async () => {
      const code = await codeAt(T);
      for (const bad of [code.slice(1), code.slice(0, 5), `${code}0`, `0${code}`, '', '1234567']) {
        expect(await check(bad, { window: { past: 2, future: 2 } })).toBeNull();
      }
      // 8-digit params: the last six digits of the right 8-digit code are still refused.
      const p8: TotpParams = { algorithm: 'SHA1', digits: 8, period: 30 };
      const code8 = await codeAt(T, p8);
      expect(await check(code8, { p: p8 })).toBe(STEP);
      expect(await check(code8.slice(2), { p: p8 })).toBeNull();
      // and 6-digit params refuse the 8-digit code
      expect(await check(code8)).toBeNull();
    });

    it('answers null for the right code with non-digits in or around it', async () => {
      const code = await codeAt(T);
      const fullWidth = [...code].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');
      const arabicIndic = [...code].map((d) => String.fromCharCode(0x0660 + Number(d))).join('');
      const variants = [
        ` ${code}`,
        `${code} `,
        `${code}\n`,
        `${code.slice(0, 3)} ${code.slice(3)}`,
        `${code.slice(0, 3)}-${code.slice(3)}`,
        `+${code.slice(1)}`,
        `${code.slice(0, 5)}a`,
        `${code.slice(0, 5)}.`,
        fullWidth,
        arabicIndic,
      ];
      for (const bad of variants) expect(await check(bad, { window: { past: 2, future: 2 } })).toBeNull();
      expect(await check('abcdef')).toBeNull();
      expect(await check('1e5000')).toBeNull();
    });
  });
});
