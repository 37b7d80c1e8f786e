/**
 * The Authsignal-compatible API under /authsignal/v1: what @authsignal/node (server, secret key)
 * and @authsignal/browser (client, token from track; CORS) call, unchanged. Actions are journeys.
 */
import { Router } from 'express';
import type { Sealer } from '../../engine/security/sealing.js';
import { authsignalClientRoutes, type AuthsignalClientDeps } from './client-routes.js';
import { authsignalServerRoutes, type AuthsignalServerDeps } from './server-routes.js';

export const AUTHSIGNAL_BASE_PATH = '/authsignal/v1';

/** The app's dependencies; the sealer is the one the app hands the OpenID provider (`oidc.sealer`). */
export type AuthsignalDeps = AuthsignalClientDeps & Omit<AuthsignalServerDeps, 'defaultJourney' | 'sealer'> & { oidc: { sealer: Sealer } };

export function authsignalRoutes(deps: AuthsignalDeps): Router {
  const router = Router();
  router.use(AUTHSIGNAL_BASE_PATH, authsignalClientRoutes(deps));
  router.use(
    AUTHSIGNAL_BASE_PATH,
    authsignalServerRoutes({ ...deps, sealer: deps.oidc.sealer, defaultJourney: process.env.AUTHSIGNAL_DEFAULT_JOURNEY || 'adaptive-mfa' }),
  );
  return router;
}
