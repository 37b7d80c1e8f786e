/** What apps and browsers call: start a journey, read and answer its steps, validate tokens. */
import cors from 'cors';
import { Router } from 'express';
import type { SessionService } from '../runtime/session-service.js';
import { EngineError } from '../runtime/errors.js';
import type { TokenService } from '../security/tokens.js';
import { bearer, callerOf, requireAppOrAdmin, type Keys } from './auth.js';
import {
  startBodySchema,
  submitBodySchema,
  validateTokenBodySchema,
} from './contract/schemas.js';
import type { StartBody, SubmitBody, ValidateTokenBody } from './contract/types.js';
import { checkBody } from './validate-body.js';
import { countRequest, rateLimit, type RateLimits } from './rate-limit.js';
import { ensureDeviceCookie } from './device-cookie.js';
import type { CounterStore } from '../store/store.js';

export interface ClientRouteDeps {
  sessions: SessionService;
  tokens: TokenService;
  keys: Keys;
  corsOrigins: string[] | '*';
  rateLimits: RateLimits;
  counters: CounterStore;
  now: () => Date;
}

export function clientRoutes(deps: ClientRouteDeps): Router {
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

  router.post('/v1/journeys/:journeyId/start', startLimit, async (req, res) => {
    const caller = callerOf(req, deps.keys);
    const body = checkBody<StartBody>(startBodySchema, req.body ?? {});
    // The browser's device cookie (set now when it has none): email links tell it from other browsers.
    const device = ensureDeviceCookie(req, res);
    res.json(await deps.sessions.start(String(req.params.journeyId), body, caller, { device, clientAddress: req.ip ?? null }));
  });

  router.get('/v1/sessions/:sessionId', async (req, res) => {
    res.json(await deps.sessions.get(req.params.sessionId, sessionToken(req)));
  });

  router.post('/v1/sessions/:sessionId/submit', async (req, res) => {
    const token = sessionToken(req);
    const sessionId = String(req.params.sessionId);
    // Counted only once the session token is right: knowing a session id must not let anyone
    // spend its owner's submit budget.
    const counted = () => countRequest(deps.rateLimits.submit, `submit:${sessionId}`, deps.counters, deps.now, (s) => res.setHeader('Retry-After', String(s)));
    const device = ensureDeviceCookie(req, res);
    res.json(await deps.sessions.submit(sessionId, token, req.body, (body) => checkBody<SubmitBody>(submitBodySchema, body), counted, { device, clientAddress: req.ip ?? null }));
  });

  router.post('/v1/tokens/validate', requireAppOrAdmin(deps.keys), async (req, res) => {
    const body = checkBody<ValidateTokenBody>(validateTokenBodySchema, req.body);
    res.json(await deps.tokens.validate(body.token, { journeyId: body.journeyId, requireAmr: body.requireAmr ? [...body.requireAmr] : undefined }));
  });

  router.get('/.well-known/jwks.json', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(await deps.tokens.jwks());
  });

  return router;
}

function sessionToken(req: Parameters<typeof bearer>[0]): string {
  const token = bearer(req);
  if (!token) throw new EngineError('unauthorized', 'the session token is required (Authorization: Bearer <sessionToken>)');
  return token;
}
