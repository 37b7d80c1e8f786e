/**
 * Password hashing for the built-in password steps: argon2id (via @node-rs/argon2) with OWASP's
 * parameters, stored as the PHC string, itself sealed (AES-256-GCM under SECRET_KEY) in an
 * authenticator record of type `password`. One password per user; setting one replaces the others.
 */
import { randomUUID } from 'node:crypto';
import { hash, parseOptions, verify } from '@node-rs/argon2';
import { uncharged, type AuthenticatorRecord, type CredentialServices } from '../../engine/sdk.js';

export const PASSWORD_AUTHENTICATOR = 'password';

/** argon2id, m = 19456 KiB (19 MiB), t = 2, p = 1: OWASP's first recommended configuration. */
export const PASSWORD_HASH_PARAMS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

/**
 * The hash of a random string nobody knows, made with PASSWORD_HASH_PARAMS: an unknown user or a
 * user without a password is verified against it, so the answer costs the same work as a real one.
 * (A test keeps its parameters equal to the current ones.)
 */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$/giwOMKKh3VLCRn38TI/sQ$pUG+V6yFyRd1jICiFlITEbBzlh267aYjpjmHbk90HU0';

export const sealContext = (authenticatorId: string) => `authenticator:${authenticatorId}`;

/** Hashing parameters (argon2 algorithm 0 = argon2d, 1 = argon2i, 2 = argon2id). */
export interface HashParams {
  algorithm: number;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  outputLen: number;
}

/** The PHC string of an (already NFKC-normalised) password; `params` override the current ones (tests, migrations). */
export function hashPassword(password: string, params: Partial<HashParams> = {}): Promise<string> {
  const options = { ...PASSWORD_HASH_PARAMS, ...params };
  // argon2 runs in the thread pool: a busy machine makes it slower, not the event loop busier.
  return uncharged(() => hash(password, options as Parameters<typeof hash>[1]));
}

/** Whether `password` matches the PHC string; a malformed one matches nothing. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await uncharged(() => verify(phc, password));
  } catch {
    return false;
  }
}

/** True when the PHC string was made with other parameters than the current ones. */
export function needsRehash(phc: string): boolean {
  try {
    const used = parseOptions(phc);
    const p = PASSWORD_HASH_PARAMS;
    return (
      (used.algorithm as number) !== p.algorithm ||
      used.memoryCost !== p.memoryCost ||
      used.timeCost !== p.timeCost ||
      used.parallelism !== p.parallelism ||
      used.outputLen !== p.outputLen
    );
  } catch {
    return true;
  }
}

/** The user's password authenticator (the newest confirmed one), or null. */
export async function findPassword(credentials: CredentialServices, userId: string): Promise<AuthenticatorRecord | null> {
  const all = await credentials.authenticators.listByUser(userId);
  const passwords = all.filter((a) => a.type === PASSWORD_AUTHENTICATOR && a.confirmedAt && a.sealedSecret);
  return passwords.at(-1) ?? null;
}

/** The PHC string of a password authenticator (unsealed). */
export function storedHash(credentials: CredentialServices, authenticator: AuthenticatorRecord): string {
  return credentials.unseal(authenticator.sealedSecret!, sealContext(authenticator.id));
}

/**
 * Stores a new password for the user: a new authenticator first, then the old ones removed, so
 * the user is never left without one. Answers the new authenticator's id.
 */
export async function replacePassword(credentials: CredentialServices, userId: string, phc: string, at: string): Promise<string> {
  const id = randomUUID();
  await credentials.authenticators.create({
    id,
    userId,
    type: PASSWORD_AUTHENTICATOR,
    sealedSecret: credentials.seal(phc, sealContext(id)),
    params: {},
    confirmedAt: at,
    createdAt: at,
    lastUsedAt: null,
    lastTimeStep: null,
  });
  for (const other of await credentials.authenticators.listByUser(userId)) {
    if (other.type === PASSWORD_AUTHENTICATOR && other.id !== id) await credentials.authenticators.delete(userId, other.id);
  }
  return id;
}

/** Re-seals a new PHC string into an existing authenticator (after a rehash). */
export async function updateHash(credentials: CredentialServices, authenticatorId: string, phc: string): Promise<void> {
  await credentials.authenticators.updateSealedSecret(authenticatorId, credentials.seal(phc, sealContext(authenticatorId)));
}

/** The lockout key of a user's password, or of an unknown username (counted the same way). */
export function passwordAttemptKey(userId: string | null, username: string | null): { key: string; subject: string | null } {
  if (userId) return { key: `password:user:${userId}`, subject: userId };
  return { key: `password:unknown:${(username ?? '').normalize('NFC').toLowerCase()}`, subject: null };
}
