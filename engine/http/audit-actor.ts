/** Who makes an admin change over HTTP, as the audit log records it: the key's name and the client address. */
import type { Request } from 'express';
import type { AuditActor } from '../audit/audit-entry.js';
import { keyNameOf, type Keys } from './auth.js';

export function auditActor(req: Request, keys: Keys): AuditActor {
  // req.ip honours `trust proxy` (app.ts): the client's address behind a local proxy.
  return { actor: keyNameOf(req, keys), clientAddress: req.ip ?? null };
}
