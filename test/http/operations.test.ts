/**
 * Routes are registered by operationId against the route table: an operation the table does not
 * have, one registered twice, or one left without a handler stops the server at start-up.
 */
import { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { ROUTES, type OperationId } from '../../engine/http/contract/routes.js';
import { createOperations, expressPath, type OperationHandler } from '../../engine/http/operations.js';

const keys = { adminApiKey: 'admin-key', appApiKeys: ['app-key'] };

describe('registering operations', () => {
  it('refuses an operationId the route table does not have', () => {
    const operations = createOperations(keys);
    expect(() => operations.handle(Router(), 'noSuchOperation' as OperationId, () => undefined)).toThrow(/no operation "noSuchOperation"/);
    // Not even an inherited key of a plain object.
    expect(() => operations.handle(Router(), 'toString' as OperationId, () => undefined)).toThrow(/no operation "toString"/);
  });

  it('refuses a second handler for one operation', () => {
    const operations = createOperations(keys);
    operations.handle(Router(), 'health', () => undefined);
    expect(() => operations.handle(Router(), 'health', () => undefined)).toThrow(/already has a handler/);
  });

  it('throws at start-up while an operation of the table has no handler, naming it', () => {
    const operations = createOperations(keys);
    const router = Router();
    const ids = Object.keys(ROUTES) as OperationId[];
    for (const id of ids.filter((id) => id !== 'getJwks')) operations.handle(router, id, () => undefined);
    expect(() => operations.assertAllHandled()).toThrow('operations of the route table without a handler: getJwks');
    operations.handle(router, 'getJwks', () => undefined);
    expect(() => operations.assertAllHandled()).not.toThrow();
  });

  it('mounts each handler at its method and path from the table', () => {
    const operations = createOperations(keys);
    const router = Router();
    operations.handle(router, 'getJourneyVersion', () => undefined);
    const layer = (router.stack as Array<{ route?: { path: string; methods: Record<string, boolean> } }>).find((l) => l.route)!;
    expect(layer.route!.path).toBe('/v1/admin/journeys/:journeyId/versions/:version');
    expect(layer.route!.methods.get).toBe(true);
    expect(expressPath('/v1/admin/users/{userId}/authenticators/{authenticatorId}')).toBe('/v1/admin/users/:userId/authenticators/:authenticatorId');
  });

  it('has a unique method and path for every operation', () => {
    const seen = new Set<string>();
    for (const op of Object.values(ROUTES)) {
      const key = `${op.method} ${op.path}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  it('types what a handler replies by the documented schema (checked by tsc)', () => {
    const health: OperationHandler<'health'> = (_req, _res, { reply }) => {
      reply({ status: 'ok' as const });
      // @ts-expect-error: not the documented body
      reply({ status: 'fine' });
    };
    const steps: OperationHandler<'listSteps'> = (_req, _res, { reply }) => {
      // @ts-expect-error: a catalogue entry without its required keys
      reply([{ type: 'form' }]);
    };
    expect([health, steps]).toHaveLength(2);
  });
});
