/**
 * The password policy (NIST SP 800-63B rev 4) and the hashing helpers, without a server.
 */
import { parseOptions } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { DUMMY_HASH, hashPassword, needsRehash, PASSWORD_HASH_PARAMS, verifyPassword } from '../../steps/password-common/hashing.js';
import { checkNewPassword, MAX_PASSWORD_LENGTH, normalisePassword, passwordLength } from '../../steps/password-common/policy.js';

const policy = { minLength: 15, username: 'alice.walker' };
const reasonOf = (password: string, options: { minLength: number; username?: string | null } = policy) => {
  const result = checkNewPassword(password, options);
  return result.ok ? 'ok' : result.reason;
};

describe('password policy', () => {
  it('accepts a long phrase of unrelated words, and answers its NFKC form', () => {
    expect(checkNewPassword('blue kitchen window 42 ladder', policy)).toEqual({ ok: true, password: 'blue kitchen window 42 ladder' });
  });

  it('refuses common passwords from the offline dictionary, with their l33t, reversed and repeated variants', () => {
    for (const password of [
      'passwordpassword',
      'password123456789',
      'P@ssw0rd12345678',
      'drowssapdrowssap',
      'qwertyuiopasdfgh',
      '123456789012345',
      'iloveyou123456789',
      'letmeinletmeinletmein',
      'abcdefghijklmnop',
      'aaaaaaaaaaaaaaaa',
      'trustno1trustno1',
      'zaq12wsxcde34rfv',
    ]) {
      expect(reasonOf(password), password).toBe('common');
    }
  });

  it('refuses a password containing the username, case-insensitively and after NFKC', () => {
    expect(reasonOf('my name is ALICE.WALKER really')).toBe('contains_username');
    expect(reasonOf('xx-alice.walker-yy-zz')).toBe('contains_username');
    // Full-width letters are NFKC-equivalent to ASCII ones.
    expect(reasonOf('ａｌｉｃｅ．ｗａｌｋｅｒ ladder river')).toBe('contains_username');
    // An email username: its local part counts too.
    expect(reasonOf('hello bob.smith kitchen ladder', { minLength: 15, username: 'Bob.Smith@example.com' })).toBe('contains_username');
    // A one- or two-letter username is not searched for (every password would hold it).
    expect(reasonOf('blue kitchen window 42 ladder', { minLength: 15, username: 'bl' })).toBe('ok');
  });

  it('gives messages a person understands, never quoting the password', () => {
    const short = checkNewPassword('short', policy);
    expect(short).toEqual({ ok: false, reason: 'too_short', message: 'Your password must be at least 15 characters long.' });
    const common = checkNewPassword('passwordpassword', policy);
    expect(common.ok).toBe(false);
    expect(!common.ok && common.message).toMatch(/too common/);
    expect(!common.ok && common.message).not.toContain('passwordpassword');
    const named = checkNewPassword('alice.walker kitchen ladder', policy);
    expect(!named.ok && named.message).toBe('Your password must not contain your username.');
  });

  it('enforces the minimum length in code points after NFKC, and accepts 8 when the journey allows it', () => {
    expect(reasonOf('Xq7#mPz2vL9!kR')).toBe('too_short'); // 14
    expect(reasonOf('Xq7#mPz2vL9!kRw')).toBe('ok'); // 15
    expect(reasonOf('Xq7#mPz2', { minLength: 8 })).toBe('ok');
    expect(reasonOf('Xq7#mPz', { minLength: 8 })).toBe('too_short');
    // 15 emoji: 30 UTF-16 units but 15 characters.
    expect(passwordLength('🐝'.repeat(15))).toBe(15);
    expect(reasonOf('🐝🦊🐙🦄🐢🦉🐳🦋🐞🦀🐠🦜🐌🦒🐧')).toBe('ok');
    expect(reasonOf('🐝🦊🐙🦄🐢🦉🐳🦋🐞🦀🐠🦜🐌🦒')).toBe('too_short');
    // One ligature character that NFKC expands to 2 counts as 2.
    expect(passwordLength(normalisePassword('ﬁ'))).toBe(2);
  });

  it('normalises NFKC: composed and decomposed forms, and compatibility characters, become one password', () => {
    const composed = 'Ça ira très bien, merci beaucoup';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const a = checkNewPassword(composed, policy);
    const b = checkNewPassword(decomposed, policy);
    expect(a.ok && b.ok && a.password === b.password).toBe(true);
    expect(normalisePassword('ｐａｓｓ')).toBe('pass');
    expect(normalisePassword('Ⅻ')).toBe('XII');
  });

  it('accepts 64 characters and more (up to 1024), any Unicode, and no composition rules', () => {
    const sixtyFour = 'the quiet ocean remembers every small paper boat we sent away ok';
    expect(passwordLength(sixtyFour)).toBe(64);
    expect(reasonOf(sixtyFour)).toBe('ok');
    const long = Array.from({ length: 100 }, (_, i) => `w${(i * 7919) % 1000}x`).join(' ');
    expect(passwordLength(long)).toBeGreaterThan(500);
    expect(reasonOf(long)).toBe('ok');
    expect(reasonOf('z'.repeat(MAX_PASSWORD_LENGTH + 1))).toBe('too_long');
    // No upper case, digit or symbol needed; non-Latin scripts and spaces are fine.
    expect(reasonOf('correct horse battery staple')).toBe('ok');
    expect(reasonOf('пароль из нескольких слов тут')).toBe('ok');
    expect(reasonOf('ランダムな言葉を並べた長い合言葉です')).toBe('ok');
  });

  it('checks long adversarial inputs in bounded time (zxcvbn looks at the first 64 characters only)', () => {
    reasonOf('warm up the estimator once');
    let worst = 0;
    for (const password of ['1a2b3c4d'.repeat(128), 'ab'.repeat(512), '1'.repeat(1024), 'p4ssw0rd'.repeat(128), '0123456789'.repeat(100)]) {
      const started = performance.now();
      expect(reasonOf(password), password.slice(0, 16)).toBe('common');
      worst = Math.max(worst, performance.now() - started);
    }
    // ~130 ms on a laptop core; a 256-character window took up to a second.
    expect(worst).toBeLessThan(600);
  });
});

describe('password hashing', () => {
  it('makes argon2id PHC strings with OWASP parameters (m=19456, t=2, p=1)', async () => {
    const phc = await hashPassword('blue kitchen window 42 ladder');
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword(phc, 'blue kitchen window 42 ladder')).toBe(true);
    expect(await verifyPassword(phc, 'blue kitchen window 42 laddeR')).toBe(false);
    expect(needsRehash(phc)).toBe(false);
    // A fresh salt each time.
    expect(await hashPassword('blue kitchen window 42 ladder')).not.toBe(phc);
  });

  it('says a hash made with other parameters (or another variant, or garbage) needs rehashing', async () => {
    expect(needsRehash(await hashPassword('x', { memoryCost: 8192, timeCost: 3 }))).toBe(true);
    expect(needsRehash(await hashPassword('x', { algorithm: 1 }))).toBe(true);
    expect(needsRehash('not a hash')).toBe(true);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });

  it('keeps the dummy hash (unknown users) on the current parameters, so it costs what a real check costs', () => {
    expect(needsRehash(DUMMY_HASH)).toBe(false);
    const used = parseOptions(DUMMY_HASH);
    expect(used).toMatchObject({ memoryCost: PASSWORD_HASH_PARAMS.memoryCost, timeCost: PASSWORD_HASH_PARAMS.timeCost, parallelism: PASSWORD_HASH_PARAMS.parallelism });
  });
});
