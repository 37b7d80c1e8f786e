/**
 * The `journey_device` cookie: a random id of the browser, set on session start and submit
 * responses when the request carries none. Sessions see only its hash (`ctx.session.device`), so an
 * email link can tell the browser that started from any other.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';

export const DEVICE_COOKIE = 'journey_device';
const VALUE = /^[A-Za-z0-9_-]{43}$/;
const MAX_AGE_MS = 365 * 86400 * 1000;

/** The request's device cookie; null when absent or not one of ours (a malformed value is ignored). */
export function readDeviceCookie(req: Request): string | null {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return null;
  for (const part of header.split(';')) {
    const split = part.indexOf('=');
    if (split < 0 || part.slice(0, split).trim() !== DEVICE_COOKIE) continue;
    const value = part.slice(split + 1).trim();
    if (VALUE.test(value)) return value;
  }
  return null;
}

/** The request's device cookie, or a new one set on the response. */
export function ensureDeviceCookie(req: Request, res: Response): string {
  const existing = readDeviceCookie(req);
  if (existing) return existing;
  const value = randomBytes(32).toString('base64url');
  res.cookie(DEVICE_COOKIE, value, { httpOnly: true, sameSite: 'lax', path: '/', secure: req.secure, maxAge: MAX_AGE_MS });
  return value;
}
