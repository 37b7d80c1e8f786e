/**
 * The admin API of OpenID clients (/v1/admin/oidc/clients): thin handlers over OidcClients, one
 * per operation of the route table; each change hands the store its audit entry, written in the
 * change's transaction (docs/architecture.md, "An audited admin change").
 */
import { Router, type Request } from 'express';
import { auditRecords, type AuditAction } from '../../engine/audit/audit-entry.js';
import { auditActor } from '../../engine/http/audit-actor.js';
import type { Keys } from '../../engine/http/auth.js';
import type { OperationHandler, Operations } from '../../engine/http/operations.js';
import type { OperationId } from '../../engine/http/contract/routes.js';
import { OIDC_CLIENT_ID_PATTERN } from '../../engine/http/contract/schemas.js';
import { EngineError } from '../../engine/runtime/errors.js';
import { clientAuditDetails } from './client-audit.js';
import type { ClientChangeRecords, OidcClients } from './clients.js';

const clientIdPattern = new RegExp(OIDC_CLIENT_ID_PATTERN);

export interface OidcAdminDeps {
  keys: Keys;
  now: () => Date;
}

export function oidcAdminRoutes(clients: OidcClients, operations: Operations, deps: OidcAdminDeps): Router {
  const router = Router();
  const audited =
    (req: Request, action: AuditAction): ClientChangeRecords =>
    (change) =>
      auditRecords(auditActor(req, deps.keys), action, { type: 'oidc_client', id: (change.after ?? change.before)!.id }, clientAuditDetails(change), deps.now());
  const on = <Id extends OperationId>(operationId: Id, handler: OperationHandler<Id>) => operations.handle(router, operationId, handler);

  on('listOidcClients', async (_req, _res, { reply }) => {
    reply(await clients.list());
  });

  on('createOidcClient', async (req, _res, { body, reply }) => {
    reply(await clients.create(body, audited(req, 'oidc_client.created')));
  });

  on('getOidcClient', async (req, _res, { reply }) => {
    reply(await clients.get(clientId(req)));
  });

  on('updateOidcClient', async (req, _res, { body, reply }) => {
    reply(await clients.update(clientId(req), body, audited(req, 'oidc_client.updated')));
  });

  on('deleteOidcClient', async (req, res) => {
    await clients.delete(clientId(req), audited(req, 'oidc_client.deleted'));
    res.status(204).end();
  });

  on('rotateOidcClientSecret', async (req, _res, { reply }) => {
    reply(await clients.rotateSecret(clientId(req), audited(req, 'oidc_client.secret_rotated')));
  });

  return router;
}

function clientId(req: Request): string {
  const id = String(req.params.clientId);
  if (!clientIdPattern.test(id)) throw new EngineError('not_found', `no OpenID client "${id}"`);
  return id;
}
