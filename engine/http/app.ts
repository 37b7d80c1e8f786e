/** The express application: parsing, logging, routes, and the JSON error handler last. */
import express from 'express';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { adminRoutes, type AdminRouteDeps } from './admin-routes.js';
import { clientRoutes, type ClientRouteDeps } from './client-routes.js';
import { linkRoutes, redactLinkPath, type LinkRouteDeps } from './link-routes.js';
import { observeRoutes, type ObserveRouteDeps } from './observe-routes.js';
import { authsignalRoutes } from '../../integrations/authsignal/index.js';
import { createOidc, type OidcDeps } from '../../integrations/oidc/index.js';
import { designerAssets } from './designer-assets.js';
import { apiDocsRoutes } from './api-docs.js';
import { EngineError } from '../runtime/errors.js';
import type { EngineMetrics } from '../metrics.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { JOURNEY_ID_PATTERN } from '../journey/journey-schema.js';
import { openApiDocument } from './openapi.js';
import { createOperations, type Operations } from './operations.js';

export const BODY_LIMIT = '256kb';
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export class ForbiddenKeyError extends SyntaxError {
  constructor(readonly key: string) {
    super(`the key "${key}" is not allowed in a body`);
  }
}

/** Deeper bodies are refused: no journey or answer needs more, and recursion elsewhere stays bounded. */
export const MAX_BODY_DEPTH = 64;

/**
 * A body that is not JSON is refused, not silently read as empty; an empty body is no body
 * (routes that need one answer 400); a body nested deeper than MAX_BODY_DEPTH is refused.
 */
const requireJsonBody: express.RequestHandler = (req, _res, next) => {
  const length = Number(req.headers['content-length'] ?? 0);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if ((length > 0 || chunked) && !req.is('application/json')) {
    throw new EngineError('invalid_request', 'the body must be JSON (Content-Type: application/json)');
  }
  if (!chunked && length === 0) req.body = undefined;
  if (depthOf(req.body) > MAX_BODY_DEPTH) throw new EngineError('invalid_request', `the body is nested deeper than ${MAX_BODY_DEPTH} levels`);
  next();
};

/** Nesting depth of a parsed JSON value, measured without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_BODY_DEPTH) return deepest;
    for (const child of Object.values(item)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return deepest;
}

export interface AppDeps extends ClientRouteDeps, AdminRouteDeps, LinkRouteDeps, OidcDeps, ObserveRouteDeps {
  /** Origins allowed to frame the hosted runner (FRAME_ANCESTORS, #22); none when absent. */
  frameAncestors?: string[];
  logger: Logger;
  metrics: EngineMetrics;
  ready: () => Promise<boolean>;
}

/** Every response names its request (the caller's X-Request-Id when well-formed, else a new one). */
function requestId(req: express.Request, res: express.Response, next: express.NextFunction): void {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
  (req as unknown as { id: string }).id = id;
  res.setHeader('X-Request-Id', id);
  next();
}

/**
 * On every response (http-api.md, "Response headers"): answers are never stored by a browser or
 * proxy (routes that may be cached say so themselves: the JWKS, hashed designer assets), never
 * content-sniffed, and send no Referer onwards.
 */
function securityHeaders(_req: express.Request, res: express.Response, next: express.NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(requestId);
  app.use(securityHeaders);
  // A request logger costs about 75 µs a request (pino-http builds a child logger per request even
  // when nothing would be written): installed only when the logger writes anything at all.
  if (deps.logger.isLevelEnabled('error')) {
    app.use(
      pinoHttp({
        logger: deps.logger,
        genReqId: (req) => (req as unknown as { id: string }).id,
        // Only the method and path: bodies, queries and Authorization headers never reach the logs,
        // nor email link tokens (their paths are redacted).
        serializers: {
          req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: redactLinkPath(req.url.split('?')[0]) }),
          res: (res: { statusCode: number }) => ({ status: res.statusCode }),
        },
        customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      }),
    );
  }

  // Request durations by route pattern (never the concrete path: ids would explode the label set).
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      deps.metrics.httpRequest(req.method, route, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  });

  const operations = createOperations(deps.keys);
  // Email link pages: HTML, with a form body of their own (before the JSON-only parsers below).
  app.use(linkRoutes(deps, operations));
  // The OpenID provider (#18) reads its own form bodies: before the JSON-only parsers below.
  const oidc = createOidc(deps);
  app.use(oidc.providerRoutes());

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

  app.use(operationRoutes(deps, operations));
  app.use(clientRoutes(deps, operations));
  app.use(authsignalRoutes(deps));
  app.use(adminRoutes(deps, operations));
  app.use(oidc.adminRoutes(operations));
  app.use(observeRoutes(deps, operations));
  // Every operation of the route table has its handler, or the server does not start.
  operations.assertAllHandled();

  app.use(designerAndRunner(deps));
  // The API reference (/docs), and / leads a newcomer to the designer.
  app.use(apiDocsRoutes());
  app.get('/', (_req, res) => res.redirect(302, '/designer/'));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}

/** Health, readiness, metrics and the OpenAPI document. */
function operationRoutes(deps: AppDeps, operations: Operations): express.Router {
  const router = express.Router();
  operations.handle(router, 'openapi', (_req, _res, { reply }) => reply(openApiDocument()));
  operations.handle(router, 'metrics', async (_req, res) => {
    const { contentType, body } = await deps.metrics.render();
    res.type(contentType).send(body);
  });
  operations.handle(router, 'health', (_req, _res, { reply }) => {
    reply({ status: 'ok' as const });
  });
  operations.handle(router, 'ready', async (_req, res) => {
    const ready = await deps.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable' });
  });
  return router;
}

/**
 * The pages' Content-Security-Policy (http-api.md, "Response headers"): scripts, styles, requests
 * and workers from the engine's own origin only; no inline script anywhere (the built pages load
 * one module script by URL, designer/vite-plugins.ts adds none), no inline styles (React sets
 * style properties through the CSSOM, which CSP does not govern; nothing in the bundle adds a
 * <style> element or a style attribute), no framing, no <base>, no plugins, forms posted to the
 * origin only. Checked in Chromium by every browser suite (test/e2e: a violation fails the test).
 */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
];
const RUNNER_CSP = PAGE_CSP.join('; ');
/**
 * The designer alone also allows 'unsafe-eval': its step config forms use @rjsf/validator-ajv8,
 * and Ajv compiles each JSON Schema into a function with `new Function` (rjsf compiles the
 * schemas of anyOf/oneOf configs, such as user.identify's, to pick the matching option; the live
 * validator falls back to the main thread when its worker cannot start). Those schemas come from
 * the engine's step catalogue and from journeys written by admins, never from a visitor; Ajv's
 * generated code does not embed schema values as code; and scripts still load only from the
 * origin. The runner, which visitors use, has no eval.
 */
const DESIGNER_CSP = PAGE_CSP.map((d) => (d === "script-src 'self'" ? "script-src 'self' 'unsafe-eval'" : d)).join('; ');
/** The "not built" page: its one inline stylesheet, nothing else. */
const NOT_BUILT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The designer (/designer/…) and the hosted runner (/run/{journeyId}): one Vite build in
 * designer/dist (`npm run build:designer`), with two pages. Hashed assets are cached for good,
 * pages never; designer paths answer its index.html (client-side routes). The runner learns
 * where to send the browser at the end from the step response's `ui.redirectUrl`.
 */
function designerAndRunner(deps: AppDeps): express.Router {
  const router = express.Router();
  const dist = fileURLToPath(new URL('../../designer/dist/', import.meta.url));
  const page = (name: 'index.html' | 'run.html') => join(dist, name);
  const built = () => existsSync(page('index.html')) && existsSync(page('run.html'));
  const journeyIdPattern = new RegExp(JOURNEY_ID_PATTERN);

  const notBuilt: express.RequestHandler = (_req, res) => {
    res
      .status(503)
      .type('html')
      .set({ 'Content-Security-Policy': NOT_BUILT_CSP, 'X-Frame-Options': 'DENY' })
      .send(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
          '<title>Designer not built</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2937}' +
          'code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}</style></head><body><h1>The designer is not built</h1>' +
          '<p>Build it once with <code>npm run build:designer</code> (<code>npm start</code> does it when it is missing), then reload.</p></body></html>',
      );
  };
  const sendPage = (name: 'index.html' | 'run.html', extraHeaders: Record<string, string> = {}, framable = false): express.RequestHandler => (req, res, next) => {
    if (!built()) return notBuilt(req, res, next);
    // Cache-Control: no-store, nosniff and no-referrer come from securityHeaders. A framable page
    // says who may frame it in its CSP alone (X-Frame-Options cannot name origins).
    res.set({ ...(framable ? {} : { 'X-Frame-Options': 'DENY' }), ...extraHeaders });
    res.sendFile(page(name), (error) => error && next(error));
  };

  // The designer.
  const designerPage = sendPage('index.html', { 'Content-Security-Policy': DESIGNER_CSP });
  router.get(['/designer', '/designer/index.html'], (req, res, next) => {
    // Non-strict routing matches "/designer/" here too: only the bare path is redirected.
    if (req.path === '/designer') return res.redirect(301, '/designer/');
    return designerPage(req, res, next);
  });
  router.get('/designer/journeys/{*rest}', designerPage);
  router.get(['/designer/clients', '/designer/clients/'], designerPage);
  const assets = designerAssets(join(dist, 'assets'));
  router.use('/designer/assets', (req, res, next) => (built() ? assets(req, res, next) : notBuilt(req, res, next)));

  // The hosted runner.
  // FRAME_ANCESTORS (#22): the app origins whose pages may frame it (Authsignal's launch() popup).
  const ancestors = deps.frameAncestors ?? [];
  const runnerHeaders = { 'Content-Security-Policy': ancestors.length ? RUNNER_CSP.replace("frame-ancestors 'none'", `frame-ancestors ${ancestors.join(' ')}`) : RUNNER_CSP };
  router.get(['/run/:journeyId', '/run/:journeyId/'], (req, res, next) => {
    if (!journeyIdPattern.test(String(req.params.journeyId))) return next();
    return sendPage('run.html', runnerHeaders, ancestors.length > 0)(req, res, next);
  });
  return router;
}
