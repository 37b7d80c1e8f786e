/**
 * The OpenID provider (#18), mounted by engine/http/app.ts: the provider itself under /oidc
 * (issuer PUBLIC_URL + /oidc; without PUBLIC_URL it is not served), its journey interactions,
 * and the admin API of its clients.
 */
import express, { Router, type Request, type Response } from 'express';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Keys } from '../../engine/http/auth.js';
import type { Operations } from '../../engine/http/operations.js';
import type { SessionService } from '../../engine/runtime/session-service.js';
import type { Sealer } from '../../engine/security/sealing.js';
import type { TokenService } from '../../engine/security/tokens.js';
import type { Store } from '../../engine/store/store.js';
import { oidcAdminRoutes } from './admin-routes.js';
import { AccountClaims } from './claims.js';
import { OidcClients } from './clients.js';
import { InteractionError, Interactions, interactionErrorPage } from './interactions.js';
import { createProvider } from './provider.js';

export interface OidcDeps {
  oidc: { publicUrl: string; ssoTtlSeconds: number; sealer: Sealer };
  store: Store;
  sessions: SessionService;
  tokens: TokenService;
  logger: Logger;
  now: () => Date;
  /** Who makes an admin change, for its audit entry. */
  keys: Keys;
}

export interface OidcIntegration {
  /** The provider and its interactions: mounted before the JSON body parsers (the provider reads its own bodies). */
  providerRoutes(): Router;
  /** The admin API of clients, through the route table. */
  adminRoutes(operations: Operations): Router;
}

export function createOidc(deps: OidcDeps): OidcIntegration {
  const { publicUrl, ssoTtlSeconds, sealer } = deps.oidc;
  // Without PUBLIC_URL nothing is served, but clients can still be managed (and checked by a provider).
  const issuer = `${publicUrl || 'http://localhost'}/oidc`;
  let provider: Promise<Provider> | null = null;
  const getProvider = (): Promise<Provider> => {
    provider ??= createProvider({ issuer, store: deps.store, sealer, clients, claims, now: deps.now, ssoTtlSeconds, logger: deps.logger }).catch((error) => {
      provider = null;
      throw error;
    });
    return provider;
  };
  const clients = new OidcClients({
    clients: deps.store.oidcClients,
    journeys: deps.store.journeys,
    sealer,
    now: deps.now,
    validateMetadata: async (metadata) => {
      await (await getProvider()).Client.validate(metadata as never);
    },
  });
  const claims = new AccountClaims({ models: deps.store.oidc, users: deps.store.users, now: deps.now, ttlSeconds: ssoTtlSeconds });
  const interactions = new Interactions({ provider: getProvider, sessions: deps.sessions, tokens: deps.tokens, store: deps.store, clients, claims, publicUrl, now: deps.now });

  return {
    providerRoutes() {
      const router = Router();
      if (!publicUrl) return router;
      const page = (work: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
        try {
          await work(req, res);
        } catch (error) {
          if (error instanceof InteractionError) return interactionErrorPage(res, error.error, error.description);
          // oidc-provider's own refusals (no interaction cookie, an expired interaction…) are the browser's.
          const oauth = error as { error?: string; error_description?: string; statusCode?: number };
          if (oauth.error && (oauth.statusCode ?? 400) < 500) return interactionErrorPage(res, oauth.error, oauth.error_description ?? '');
          deps.logger.error({ err: error }, 'openid interaction failed');
          if (!res.headersSent) interactionErrorPage(res.status(500), 'server_error', 'the sign-in could not continue');
        }
      };
      router.get('/oidc/interaction/:uid', page((req, res) => interactions.show(req, res)));
      router.get('/oidc/interaction/:uid/journey', page((req, res) => interactions.journeyEnded(req, res)));
      const form = express.urlencoded({ extended: false, limit: '4kb' });
      router.post('/oidc/interaction/:uid/consent', form, page((req, res) => interactions.consent(req, res)));
      router.post('/oidc/interaction/:uid/abort', form, page((req, res) => interactions.abort(req, res)));
      let callback: ((req: Request, res: Response) => void) | null = null;
      const origin = new URL(publicUrl);
      router.use('/oidc', async (req, res, next) => {
        // The provider builds its URLs from the request (Koa, proxy on): pinned to PUBLIC_URL, so a
        // forged Host or X-Forwarded-Host cannot move them, and cookies are Secure behind https.
        req.headers['x-forwarded-host'] = origin.host;
        req.headers['x-forwarded-proto'] = origin.protocol.slice(0, -1);
        // Its pages (sign-out confirmation, form posts) are never framed.
        res.setHeader('X-Frame-Options', 'DENY');
        try {
          callback ??= (await getProvider()).callback() as (req: Request, res: Response) => void;
          callback(req, res);
        } catch (error) {
          next(error);
        }
      });
      return router;
    },
    adminRoutes(operations) {
      return oidcAdminRoutes(clients, operations, { keys: deps.keys, now: deps.now });
    },
  };
}
