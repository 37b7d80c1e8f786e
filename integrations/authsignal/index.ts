/**
 * The Authsignal-compatible API under /authsignal/v1: what @authsignal/node (server, secret key)
 * and @authsignal/browser (client, token from track; CORS) call, unchanged. Actions are journeys.
 */
import { Router } from 'express';
import { authsignalClientRoutes, type AuthsignalClientDeps } from './client-routes.js';
import { authsignalServerRoutes, type AuthsignalServerDeps } from './server-routes.js';

export const AUTHSIGNAL_BASE_PATH = '/authsignal/v1';

export type AuthsignalDeps = AuthsignalClientDeps & Omit<AuthsignalServerDeps, 'defaultJourney'>;

export function authsignalRoutes(deps: AuthsignalDeps): Router {
  const router = Router();
  router.use(AUTHSIGNAL_BASE_PATH, authsignalClientRoutes(deps));
  router.use(
    AUTHSIGNAL_BASE_PATH,
    authsignalServerRoutes({ ...deps, defaultJourney: process.env.AUTHSIGNAL_DEFAULT_JOURNEY || 'adaptive-mfa' }),
  );
  return router;
}
