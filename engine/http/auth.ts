/**
 * Callers: the admin key (everything), app keys (start non-public journeys, validate tokens),
 * nobody (public journeys). Keys are compared in constant time.
 */
import type { Request, RequestHandler } from 'express';
import { secretsEqual } from '../security/constant-time.js';
import { EngineError } from '../runtime/errors.js';
import type { Caller } from '../runtime/session-service.js';
import type { Auth } from './contract/routes.js';

export interface Keys {
  adminApiKey: string;
  appApiKeys: string[];
  /** Each app key's name, in the same order (the audit log's `actor`); app-1, app-2, … when missing. */
  appApiKeyNames?: string[];
}

export function bearer(req: Request): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new EngineError('unauthorized', 'the Authorization header must be "Bearer <key>"');
  return match[1];
}

/** Who is calling; a key that is present but wrong is refused rather than treated as anonymous. */
export function callerOf(req: Request, keys: Keys): Caller {
  const key = bearer(req);
  if (key === null) return 'anonymous';
  if (secretsEqual(key, keys.adminApiKey)) return 'admin';
  // Check every app key so the time does not depend on which one matched.
  let app = false;
  for (const appKey of keys.appApiKeys) app = secretsEqual(key, appKey) || app;
  if (app) return 'app';
  throw new EngineError('unauthorized', 'unknown API key');
}

/**
 * The name of the key a request carries: `admin`, an app key's name, or `anonymous`. What the
 * audit log records as who made a change; never the key itself.
 */
export function keyNameOf(req: Request, keys: Keys): string {
  const key = bearer(req);
  if (key === null) return 'anonymous';
  if (secretsEqual(key, keys.adminApiKey)) return 'admin';
  let name: string | null = null;
  keys.appApiKeys.forEach((appKey, i) => {
    if (secretsEqual(key, appKey)) name = keys.appApiKeyNames?.[i] ?? `app-${i + 1}`;
  });
  return name ?? 'unknown';
}

/**
 * Applies an operation's `auth` (contract/routes.ts) and answers who calls. A key that is present
 * but wrong is refused even where none is needed; session tokens are the session service's to check.
 */
export function authorise(auth: Auth, req: Request, keys: Keys): Caller {
  if (auth === 'none' || auth === 'session') return 'anonymous';
  const caller = callerOf(req, keys);
  if (auth === 'app-or-admin' && caller === 'anonymous') throw new EngineError('unauthorized', 'an app or admin API key is required');
  if (auth === 'admin' && caller === 'anonymous') throw new EngineError('unauthorized', 'the admin API key is required');
  if (auth === 'admin' && caller !== 'admin') throw new EngineError('forbidden', 'an app key cannot use the admin API');
  return caller;
}

/** The admin key, for a whole prefix (unknown admin paths answer 401/403 before 404). */
export function requireAdmin(keys: Keys): RequestHandler {
  return (req, _res, next) => {
    authorise('admin', req, keys);
    next();
  };
}

/** The bearer token of a `session` operation (401 without one). */
export function requireSessionToken(req: Request): string {
  const token = bearer(req);
  if (!token) throw new EngineError('unauthorized', 'the session token is required (Authorization: Bearer <sessionToken>)');
  return token;
}
