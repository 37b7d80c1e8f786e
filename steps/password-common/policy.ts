/**
 * The password policy of password.set, after NIST SP 800-63B rev 4 (§3.1.1.2): a minimum length
 * (15, or 8 when the journey also proves another factor), at least 64 characters accepted (up to
 * 1024), any Unicode, NFKC normalised, no composition rules, and a blocklist: common passwords from
 * zxcvbn-ts' offline dictionaries (its own matching: l33t, reversed, repeated, keyboard patterns,
 * sequences) and the user's own name. Nothing here logs or returns the password.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/** The default and the NIST bound for a password that is the only factor. */
export const SINGLE_FACTOR_MIN_LENGTH = 15;
/** The lowest minimum a journey may set (and only with a second factor: see validate-journey). */
export const MIN_MIN_LENGTH = 8;
/** The longest password accepted (well beyond the 64 NIST asks for; bounds hashing and checking work). */
export const MAX_PASSWORD_LENGTH = 1024;
/**
 * zxcvbn's guess estimate below which a password counts as common: 10^8 guesses, its score 3.
 * Below it are dictionary passwords and their variants, and short combinations of them.
 */
export const MIN_GUESSES_LOG10 = 8;
/** Usernames shorter than this are not searched for in passwords (every password would hold "a"). */
const MIN_USERNAME_CHECK = 3;

export type WeakReason = 'too_short' | 'too_long' | 'common' | 'contains_username';

export type PolicyResult = { ok: true; password: string } | { ok: false; reason: WeakReason; message: string };

/** NFKC (NIST: normalise before hashing, so the same password typed on any keyboard matches). */
export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Length in Unicode code points (NIST: each code point counts as one character). */
export function passwordLength(password: string): number {
  let n = 0;
  for (const _ of password) n++;
  return n;
}

/**
 * How much of a password zxcvbn looks at. Its matching is synchronous and superlinear (a 256-character
 * run of repeats takes up to a second of the event loop); 64 characters bound it to ~100 ms, and a
 * longer password can only be refused for a guessable first 64 characters.
 */
export const ESTIMATED_LENGTH = 64;

let zxcvbn: ZxcvbnFactory | null = null;
function estimator(): ZxcvbnFactory {
  // Built on first use: ranking the dictionaries takes ~50 ms, which a server that never sets a password need not pay.
  // No Levenshtein matching: it costs 100-450 ms per check, and l33t, reversed and repeated forms are matched anyway.
  zxcvbn ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, maxLength: ESTIMATED_LENGTH });
  return zxcvbn;
}

/** The lower-cased, NFKC forms of a username worth searching for: itself and an email's local part. */
function usernameForms(username: string | null | undefined): string[] {
  if (!username) return [];
  const whole = username.normalize('NFKC').toLowerCase().trim();
  const forms = new Set<string>([whole]);
  const at = whole.lastIndexOf('@');
  if (at > 0) forms.add(whole.slice(0, at));
  return [...forms].filter((form) => passwordLength(form) >= MIN_USERNAME_CHECK);
}

/**
 * Checks a new password; answers its NFKC form, or why it is refused with a message a person
 * understands (and that never quotes the password).
 */
export function checkNewPassword(raw: string, options: { minLength: number; username?: string | null }): PolicyResult {
  const password = normalisePassword(raw);
  const length = passwordLength(password);
  if (length < options.minLength) {
    return { ok: false, reason: 'too_short', message: `Your password must be at least ${options.minLength} characters long.` };
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return { ok: false, reason: 'too_long', message: `Your password must be at most ${MAX_PASSWORD_LENGTH} characters long.` };
  }
  const lower = password.toLowerCase();
  const names = usernameForms(options.username);
  if (names.some((name) => lower.includes(name))) {
    return { ok: false, reason: 'contains_username', message: 'Your password must not contain your username.' };
  }
  if (isCommon(password, names)) {
    return {
      ok: false,
      reason: 'common',
      message: 'This password is too common or too easy to guess. Try a longer phrase of several unrelated words.',
    };
  }
  return { ok: true, password };
}

/** True when zxcvbn estimates fewer than 10^8 guesses (the username counts as a known word). */
export function isCommon(password: string, userInputs: string[] = []): boolean {
  return estimator().check(password, userInputs).guessesLog10 < MIN_GUESSES_LOG10;
}
