/**
 * Wrong codes get one answer wherever they are typed (#21): enrolling an app, a sent code, signing
 * in with an app, the challenge step. test/totp-http/totp-authenticate.test.ts checks the sign-in
 * side over HTTP; here the wording and that no step writes its own.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wrongCode } from '../../steps/otp-common/wrong-code.js';
import { ROOT } from '../e2e/e2e-helpers.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the wrong-code answer', () => {
  it('says how many attempts are left', () => {
    expect(wrongCode(2)).toEqual({ code: 'invalid_code', message: 'the code is not valid: 2 attempts left', details: { attemptsLeft: 2 } });
    expect(wrongCode(1).message).toBe('the code is not valid: 1 attempt left');
    expect(wrongCode(0).message).toBe('the code is not valid: no attempts left');
    expect(wrongCode(-3).message).toBe('the code is not valid: no attempts left');
    expect(wrongCode(-3).details).toEqual({ attemptsLeft: 0 });
  });

  it('is written by wrong-code.ts alone: every step that checks a code uses it', () => {
    const steps = join(ROOT, 'steps');
    const writers = files(steps).filter((file) => readFileSync(file, 'utf8').includes('the code is not valid'));
    expect(writers.map((file) => relative(ROOT, file))).toEqual(['steps/otp-common/wrong-code.ts']);
    const users = files(steps).filter((file) => /\bwrongCode\(/.test(readFileSync(file, 'utf8')) && !file.endsWith('wrong-code.ts'));
    expect(users.map((file) => relative(ROOT, file)).sort()).toEqual([
      'steps/challenge/challenge.step.ts',
      'steps/otp-common/one-time-code.ts',
      'steps/totp-common/check-code.ts',
      'steps/totp-register/totp-register.step.ts',
    ]);
  });
});
