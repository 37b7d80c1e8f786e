/** What apps and browsers call: start a journey, read and answer its steps, validate tokens. */
import cors from 'cors';
import { Router } from 'express';
import type { SessionService } from '../runtime/session-service.js';
import type { TokenService } from '../security/tokens.js';
import type { Jwks } from './contract/types.js';
import type { Operations } from './operations.js';
import { countRequest, rateLimit, type RateLimits } from './rate-limit.js';
import { ensureDeviceCookie } from './device-cookie.js';
import type { CounterStore } from '../store/store.js';

export interface ClientRouteDeps {
  sessions: SessionService;
  tokens: TokenService;
  corsOrigins: string[] | '*';
  rateLimits: RateLimits;
  counters: CounterStore;
  now: () => Date;
}

export function clientRoutes(deps: ClientRouteDeps, operations: Operations): Router {
  const router = Router();
  // Client routes carry no cookies, so any allowed origin may call them from a browser.
  const clientCors = cors({
    origin: deps.corsOrigins === '*' ? '*' : deps.corsOrigins,
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    maxAge: 600,
  });
  router.use(['/v1/journeys/:journeyId/start', '/v1/sessions'], clientCors);

  const startLimit = rateLimit(deps.rateLimits.start, (req) => `start:${req.ip ?? 'unknown'}`, deps.counters, deps.now);

  operations.handle(
    router,
    'startJourney',
    async (req, res, { body, caller, reply }) => {
      // The browser's device cookie (set now when it has none): email links tell it from other browsers.
      const device = ensureDeviceCookie(req, res);
      reply(await deps.sessions.start(String(req.params.journeyId), body, caller, { device, clientAddress: req.ip ?? null }));
    },
    { before: [startLimit] },
  );

  operations.handle(router, 'getSession', async (req, _res, { sessionToken, reply }) => {
    reply(await deps.sessions.get(String(req.params.sessionId), sessionToken));
  });

  operations.handle(router, 'submitStep', async (req, res, { sessionToken, parseBody, reply }) => {
    const sessionId = String(req.params.sessionId);
    // Counted only once the session token is right: knowing a session id must not let anyone
    // spend its owner's submit budget.
    const counted = () => countRequest(deps.rateLimits.submit, `submit:${sessionId}`, deps.counters, deps.now, (s) => res.setHeader('Retry-After', String(s)));
    const device = ensureDeviceCookie(req, res);
    reply(await deps.sessions.submit(sessionId, sessionToken, req.body, parseBody, counted, { device, clientAddress: req.ip ?? null }));
  });

  operations.handle(router, 'validateToken', async (_req, _res, { body, reply }) => {
    reply(await deps.tokens.validate(body.token, { journeyId: body.journeyId, requireAmr: body.requireAmr ? [...body.requireAmr] : undefined }));
  });

  operations.handle(router, 'getJwks', async (_req, res, { reply }) => {
    res.set('Cache-Control', 'public, max-age=300');
    // jose types a JWK loosely (any kty); the token service makes ES256 keys on P-256 only.
    reply((await deps.tokens.jwks()) as Jwks);
  });

  return router;
}
