/**
 * TOTP (RFC 6238) for the built-in steps, on otplib 13 with Node's crypto: secrets, otpauth URIs
 * (Google's Key-Uri-Format), verification with a bounded window and replay protection, and
 * recovery codes hashed with scrypt.
 */
import { randomInt, randomUUID, scrypt as scryptCallback, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { ScureBase32Plugin, generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import { uncharged, type RecoveryCodeRecord } from '../../engine/sdk.js';

const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();
const scryptAsync = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
// scrypt runs in the thread pool: its wall time is not the run's CPU (engine/sdk.ts, uncharged).
const scrypt = (password: string, salt: Buffer, keylen: number): Promise<Buffer> => uncharged(() => scryptAsync(password, salt, keylen));

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';
export interface TotpParams {
  algorithm: TotpAlgorithm;
  digits: 6 | 8;
  period: number;
}
export interface TotpWindow {
  past: number;
  future: number;
}

export const SECRET_BYTES = 20;

/** A base32 secret (no padding) of 20 bytes from the CSPRNG. */
export function newSecret(): string {
  return generateSecret({ length: SECRET_BYTES, crypto, base32 });
}

/**
 * `otpauth://totp/Issuer:account?secret=…&issuer=Issuer`: the issuer prefix and parameter are equal,
 * neither part may hold a ":" (removed), spaces are %20, and algorithm / digits / period appear
 * only when they are not the defaults.
 */
export function otpauthUri(options: { issuer: string; account: string; secret: string } & TotpParams): string {
  const clean = (text: string) => text.replace(/:/g, '').trim();
  return generateURI({
    issuer: clean(options.issuer),
    label: clean(options.account),
    secret: options.secret,
    algorithm: options.algorithm.toLowerCase() as 'sha1' | 'sha256' | 'sha512',
    digits: options.digits,
    period: options.period,
  });
}

export function qrCodeDataUrl(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 256 });
}

/**
 * Verifies a code at `now` within the window; answers the matched time step, or null.
 * `afterTimeStep` refuses the last accepted step and anything older (replay).
 */
export async function verifyTotp(options: {
  secret: string;
  code: string;
  params: TotpParams;
  window: TotpWindow;
  now: Date;
  afterTimeStep?: number | null;
}): Promise<number | null> {
  const { params } = options;
  if (!new RegExp(`^[0-9]{${params.digits}}$`).test(options.code)) return null;
  // Every step the window allows is at or before the last accepted one: nothing can be new.
  // (otplib throws for this case rather than answering "not valid".)
  const current = Math.floor(Math.floor(options.now.getTime() / 1000) / params.period);
  if (options.afterTimeStep !== null && options.afterTimeStep !== undefined && options.afterTimeStep >= current + options.window.future) return null;
  const result = await verify({
    secret: options.secret,
    token: options.code,
    algorithm: params.algorithm.toLowerCase() as 'sha1' | 'sha256' | 'sha512',
    digits: params.digits,
    period: params.period,
    epoch: Math.floor(options.now.getTime() / 1000),
    epochTolerance: [options.window.past * params.period, options.window.future * params.period],
    ...(options.afterTimeStep !== null && options.afterTimeStep !== undefined ? { afterTimeStep: options.afterTimeStep } : {}),
    crypto,
    base32,
  });
  // otplib answers an object that is always truthy: only `.valid` says yes.
  if (!result.valid) return null;
  const timeStep = (result as { timeStep?: number }).timeStep;
  return typeof timeStep === 'number' ? timeStep : null;
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const RECOVERY_PATTERN = /^[a-z0-9]{5}-?[a-z0-9]{5}$/;

/** `xxxxx-xxxxx` from an alphabet without look-alikes (about 49 bits each), drawn without modulo bias. */
export function newRecoveryCodes(count: number): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]);
    return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
  });
}

export function looksLikeRecoveryCode(code: string): boolean {
  return RECOVERY_PATTERN.test(code.trim().toLowerCase());
}

const normaliseRecoveryCode = (code: string) => code.trim().toLowerCase().replace('-', '');

/** Hashes a batch with one salt, so checking a code costs one scrypt, not one per stored code. */
export async function hashRecoveryCodes(userId: string, codes: string[], at: string): Promise<RecoveryCodeRecord[]> {
  const salt = randomBytes(16);
  return Promise.all(
    codes.map(async (code) => ({
      id: randomUUID(),
      userId,
      salt: salt.toString('base64'),
      hash: (await scrypt(normaliseRecoveryCode(code), salt, 32)).toString('base64'),
      createdAt: at,
      usedAt: null,
    })),
  );
}

/** The stored code a given code matches (constant-time comparison), or null. */
export async function matchRecoveryCode(code: string, stored: RecoveryCodeRecord[]): Promise<RecoveryCodeRecord | null> {
  const normalised = normaliseRecoveryCode(code);
  const bySalt = new Map<string, Buffer>();
  let match: RecoveryCodeRecord | null = null;
  for (const record of stored) {
    let hash = bySalt.get(record.salt);
    if (!hash) {
      hash = await scrypt(normalised, Buffer.from(record.salt, 'base64'), 32);
      bySalt.set(record.salt, hash);
    }
    if (timingSafeEqual(hash, Buffer.from(record.hash, 'base64')) && !match) match = record;
  }
  return match;
}
