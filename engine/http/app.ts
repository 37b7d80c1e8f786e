/** The express application: parsing, logging, routes, and the JSON error handler last. */
import express from 'express';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { adminRoutes, type AdminRouteDeps } from './admin-routes.js';
import { clientRoutes, type ClientRouteDeps } from './client-routes.js';
import { EngineError } from '../runtime/errors.js';
import type { EngineMetrics } from '../metrics.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { openApiDocument } from './openapi.js';

export const BODY_LIMIT = '256kb';
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export class ForbiddenKeyError extends SyntaxError {
  constructor(readonly key: string) {
    super(`the key "${key}" is not allowed in a body`);
  }
}

/** A body that is not JSON is refused, not silently read as empty. */
const requireJsonBody: express.RequestHandler = (req, _res, next) => {
  const length = Number(req.headers['content-length'] ?? 0);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if ((length > 0 || chunked) && !req.is('application/json')) {
    throw new EngineError('invalid_request', 'the body must be JSON (Content-Type: application/json)');
  }
  next();
};

export interface AppDeps extends ClientRouteDeps, AdminRouteDeps {
  logger: Logger;
  metrics: EngineMetrics;
  ready: () => Promise<boolean>;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Only the method and path: bodies, queries and Authorization headers never reach the logs.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    }),
  );

  // Request durations by route pattern (never the concrete path: ids would explode the label set).
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      deps.metrics.httpRequest(req.method, route, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  });

  // Admins send journeys: a prototype key there is the validator's to report (as a diagnostic).
  app.use('/v1/admin', express.json({ limit: BODY_LIMIT }));
  // Everyone else: prototype keys are refused outright (400), wherever they are nested.
  app.use(
    express.json({
      limit: BODY_LIMIT,
      reviver: (key, value) => {
        if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenKeyError(key);
        return value;
      },
    }),
  );
  app.use(requireJsonBody);

  app.get('/openapi.json', (_req, res) => void res.json(openApiDocument()));
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await deps.metrics.render();
    res.type(contentType).send(body);
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await deps.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable' });
  });

  app.use(clientRoutes(deps));
  app.use(adminRoutes(deps));

  const designerDir = fileURLToPath(new URL('../../designer/', import.meta.url));
  const built = fileURLToPath(new URL('../../designer/dist/', import.meta.url));
  app.use('/designer', express.static(existsSync(built) ? built : designerDir, { index: 'index.html' }));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
