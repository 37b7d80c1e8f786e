/**
 * RATE_LIMITS: fixed windows counted in the store (so they hold across processes): starts per
 * client IP, submits per session. `off` disables them.
 */
import type { Request, RequestHandler } from 'express';
import { EngineError } from '../runtime/errors.js';
import type { CounterStore } from '../store/store.js';

export interface RateLimit {
  count: number;
  windowSeconds: number;
}

export type RateLimits = Partial<Record<'start' | 'submit', RateLimit>>;

export function parseRateLimits(text: string): RateLimits {
  if (text.trim() === 'off') return {};
  const limits: RateLimits = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^(start|submit)=(\d+)\/(\d+)$/.exec(part);
    if (!match || Number(match[2]) < 1 || Number(match[3]) < 1 || Number(match[3]) > 604800) {
      throw new Error(`RATE_LIMITS: "${part}" must look like start=300/60 or submit=60/60 (or the whole value "off")`);
    }
    limits[match[1] as 'start' | 'submit'] = { count: Number(match[2]), windowSeconds: Number(match[3]) };
  }
  return limits;
}

export function rateLimit(
  limit: RateLimit | undefined,
  key: (req: Request) => string,
  counters: CounterStore,
  now: () => Date,
): RequestHandler {
  if (!limit) return (_req, _res, next) => next();
  return async (req, res, next) => {
    await countRequest(limit, key(req), counters, now, (seconds) => res.setHeader('Retry-After', String(seconds)));
    next();
  };
}

/** Counts one request against `limit`; throws 429 rate_limited past it. */
export async function countRequest(
  limit: RateLimit | undefined,
  key: string,
  counters: CounterStore,
  now: () => Date,
  retryAfter: (seconds: number) => void,
): Promise<void> {
  if (!limit) return;
  const count = await counters.increment(`rate:${key}`, limit.windowSeconds, now().toISOString());
  if (count > limit.count) {
    retryAfter(limit.windowSeconds);
    throw new EngineError('rate_limited', `too many requests: at most ${limit.count} per ${limit.windowSeconds} s`);
  }
}
