/**
 * The SDK's secret key: the HTTP Basic user name (`Authorization: Basic base64(key:)`, as
 * @authsignal/node sends it) or a Bearer key; the admin key or an app key, else 401. Its name
 * (never the key) is who the audit log records.
 */
import type { Request } from 'express';
import type { Keys } from '../../engine/http/auth.js';
import type { AuditActor } from '../../engine/audit/audit-entry.js';
import { secretsEqual } from '../../engine/security/constant-time.js';
import { AuthsignalError } from './common.js';

function presentedKey(req: Request): string | null {
  const header = req.headers.authorization ?? '';
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.lastIndexOf(':');
    return colon >= 0 ? decoded.slice(0, colon) : decoded;
  }
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;
}

/** The name of the key presented (`admin`, an app key's name), or null when it is none of them. */
function secretKeyName(req: Request, keys: Keys): string | null {
  const key = presentedKey(req);
  return key ? keyName(key, keys) : null;
}

function keyName(key: string, keys: Keys): string | null {
  let name: string | null = secretsEqual(key, keys.adminApiKey) ? 'admin' : null;
  keys.appApiKeys.forEach((appKey, i) => {
    if (secretsEqual(key, appKey)) name = keys.appApiKeyNames?.[i] ?? `app-${i + 1}`;
  });
  return name;
}

export function requireSecretKey(req: Request, keys: Keys): void {
  const key = presentedKey(req);
  if (!key) throw new AuthsignalError(401, 'unauthorized', 'the API secret key is required');
  if (keyName(key, keys) === null) throw new AuthsignalError(401, 'unauthorized', 'invalid API secret key');
}

/** Who made a change through the Authsignal API, for the audit log. */
export function authsignalActor(req: Request, keys: Keys): AuditActor {
  return { actor: `authsignal:${secretKeyName(req, keys) ?? 'unknown'}`, clientAddress: req.ip ?? null };
}
