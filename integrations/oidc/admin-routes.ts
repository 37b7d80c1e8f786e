/**
 * The admin API of OpenID clients (/v1/admin/oidc/clients): thin handlers over OidcClients, one
 * per operation of the route table, so a later audit call has one obvious place in each.
 */
import { Router, type Request } from 'express';
import type { OperationHandler, Operations } from '../../engine/http/operations.js';
import type { OperationId } from '../../engine/http/contract/routes.js';
import { OIDC_CLIENT_ID_PATTERN } from '../../engine/http/contract/schemas.js';
import { EngineError } from '../../engine/runtime/errors.js';
import type { OidcClients } from './clients.js';

const clientIdPattern = new RegExp(OIDC_CLIENT_ID_PATTERN);

export function oidcAdminRoutes(clients: OidcClients, operations: Operations): Router {
  const router = Router();
  const on = <Id extends OperationId>(operationId: Id, handler: OperationHandler<Id>) => operations.handle(router, operationId, handler);

  on('listOidcClients', async (_req, _res, { reply }) => {
    reply(await clients.list());
  });

  on('createOidcClient', async (_req, _res, { body, reply }) => {
    reply(await clients.create(body));
  });

  on('getOidcClient', async (req, _res, { reply }) => {
    reply(await clients.get(clientId(req)));
  });

  on('updateOidcClient', async (req, _res, { body, reply }) => {
    reply(await clients.update(clientId(req), body));
  });

  on('deleteOidcClient', async (req, res) => {
    await clients.delete(clientId(req));
    res.status(204).end();
  });

  on('rotateOidcClientSecret', async (req, _res, { reply }) => {
    reply(await clients.rotateSecret(clientId(req)));
  });

  return router;
}

function clientId(req: Request): string {
  const id = String(req.params.clientId);
  if (!clientIdPattern.test(id)) throw new EngineError('not_found', `no OpenID client "${id}"`);
  return id;
}
