/**
 * The Authsignal server API (what @authsignal/node calls), under /authsignal/v1: track an action
 * (start the journey the action names), validate a challenge (once), read a user and their
 * authenticators, delete an authenticator. The secret key (HTTP Basic user name, as the SDK
 * sends it) is the admin key or an app key.
 */
import { Router, type Request } from 'express';
import type { SessionService, StepResponse } from '../../engine/runtime/session-service.js';
import type { TokenService } from '../../engine/security/tokens.js';
import type { CounterStore, Store } from '../../engine/store/store.js';
import type { RateLimits } from '../../engine/http/rate-limit.js';
import type { Sealer } from '../../engine/security/sealing.js';
import { toUserContext, type JsonObject, type ProofMethod } from '../../engine/sdk.js';
import type { Keys } from '../../engine/http/auth.js';
import {
  ACTION,
  AuthsignalError,
  USER_ID,
  VERIFICATION_METHODS,
  actionState,
  authsignalErrorHandler,
  enrolledMethods,
  journeyForAction,
  methodOf,
  proofMethodOf,
  sessionHandle,
} from './common.js';
import { offeredMethods, offersOf, type StepCatalogue } from './offers.js';
import { ActionRecords } from './actions.js';
import { authsignalActionRoutes } from './action-routes.js';
import { authsignalChallengeRoutes } from './challenge-routes.js';
import { authsignalSessionRoutes } from './session-routes.js';
import { authsignalUserRoutes } from './user-routes.js';
import { validateChallengeToken } from './validation.js';
import { requireSecretKey } from './secret-key.js';

export interface AuthsignalServerDeps {
  sessions: SessionService;
  tokens: TokenService;
  store: Store;
  keys: Keys;
  now: () => Date;
  /** The journey for actions no journey claims (AUTHSIGNAL_DEFAULT_JOURNEY). */
  defaultJourney: string;
  /** The step catalogue: what each step type offers (`offers`). */
  registry: StepCatalogue;
  // Issue #22: server-side challenges submit like the client calls (rate limited per session);
  // app sessions sign with a key ring sealed under SECRET_KEY.
  rateLimits: RateLimits;
  counters: CounterStore;
  sealer: Sealer;
}

export function authsignalServerRoutes(deps: AuthsignalServerDeps): Router {
  const router = Router();
  router.use((req, _res, next) => {
    requireSecretKey(req, deps.keys);
    next();
  });

  const actions = new ActionRecords(deps);
  const journeyFor = (action: string, fallback = deps.defaultJourney) => journeyForAction(deps.store, action, fallback);

  async function userView(userId: string) {
    const authenticators = await deps.store.authenticators.listByUser(userId);
    return { authenticators, enrolled: enrolledMethods(authenticators) };
  }

  function absolute(req: Request, url: string | null): string | null {
    if (!url || !url.startsWith('/')) return url;
    return `${req.protocol}://${req.get('host')}${url}`;
  }

  router.post('/users/:userId/actions/:action', async (req, res) => {
    const userId = String(req.params.userId);
    const action = String(req.params.action);
    if (!USER_ID.test(userId)) throw new AuthsignalError(400, 'invalid_request', 'userId is not valid');
    if (!ACTION.test(action)) throw new AuthsignalError(400, 'invalid_request', 'action is not valid');
    const attributes = (req.body ?? {}) as JsonObject;
    if (typeof attributes !== 'object' || Array.isArray(attributes)) throw new AuthsignalError(400, 'invalid_request', 'the attributes must be an object');

    let user = await deps.store.users.findById(userId);
    if (!user) {
      const initial: JsonObject = {};
      for (const name of ['email', 'phoneNumber', 'displayName'] as const) {
        if (typeof attributes[name] === 'string') initial[name] = attributes[name];
      }
      const username = typeof attributes.username === 'string' ? attributes.username : null;
      const now = deps.now().toISOString();
      user = await deps.store.users.create({ id: userId, username, attributes: initial, createdAt: now });
      // The username belongs to another user: this one is created without it.
      if (user.id !== userId) user = await deps.store.users.create({ id: userId, username: null, attributes: initial, createdAt: now });
    }

    const journeyId = await journeyFor(action);
    const redirectUrl = typeof attributes.redirectUrl === 'string' ? attributes.redirectUrl : undefined;
    const response: StepResponse = await deps.sessions.start(
      journeyId,
      { input: { userId, action, attributes }, ui: redirectUrl ? { redirectUrl } : {} },
      'app',
      { user: toUserContext(user) },
    );
    const { enrolled } = await userView(userId);
    const state = actionState(response.status, response.error);
    await actions.recordStart(response.sessionId, userId, action, state);
    // What the waiting step offers this user, when it declares offers; else what they hold.
    const offers = response.step ? offersOf(deps.registry, response.step) : {};
    const stepMethods = response.step && Object.keys(offers).length ? offeredMethods(offers, response.step) : undefined;
    res.json({
      idempotencyKey: response.sessionId,
      state,
      url: absolute(req, response.url),
      token: sessionHandle(response),
      isEnrolled: enrolled.length > 0,
      enrolledVerificationMethods: enrolled,
      allowedVerificationMethods: stepMethods ?? enrolled,
      ...(enrolled.length ? { defaultVerificationMethod: enrolled[0] } : {}),
      ...(state === 'BLOCK' || state === 'REVIEW_REQUIRED' ? { ruleIds: response.error ? [response.error.code] : [] } : {}),
    });
  });

  router.post('/validate', async (req, res) => {
    const body = (req.body ?? {}) as { token?: unknown; action?: unknown; userId?: unknown };
    if (typeof body.token !== 'string' || !body.token) throw new AuthsignalError(400, 'invalid_request', 'token is required');
    res.json(await validateChallengeToken({ ...deps, actions }, body.token, body));
  });

  router.get('/users/:userId', async (req, res) => {
    const userId = String(req.params.userId);
    const user = await deps.store.users.findById(userId);
    const { authenticators, enrolled } = await userView(userId);
    const attributes = (user?.attributes ?? {}) as JsonObject;
    const verified = (...methods: Array<ProofMethod | null>) => authenticators.some((a) => a.confirmedAt && methods.includes(proofMethodOf(a)));
    res.json({
      isEnrolled: enrolled.length > 0,
      ...(typeof attributes.email === 'string' ? { email: attributes.email } : {}),
      emailVerified: verified('email'),
      ...(typeof attributes.phoneNumber === 'string' ? { phoneNumber: attributes.phoneNumber } : {}),
      phoneNumberVerified: verified('sms', 'whatsapp'),
      ...(user?.username ? { username: user.username } : {}),
      ...(typeof attributes.displayName === 'string' ? { displayName: attributes.displayName } : {}),
      enrolledVerificationMethods: enrolled,
      allowedVerificationMethods: [...VERIFICATION_METHODS],
    });
  });

  router.get('/users/:userId/authenticators', async (req, res) => {
    const userId = String(req.params.userId);
    const authenticators = await deps.store.authenticators.listByUser(userId);
    res.json(
      authenticators
        .filter((a) => a.confirmedAt && methodOf(a))
        .map((a) => ({
          userId,
          userAuthenticatorId: a.id,
          verificationMethod: methodOf(a),
          createdAt: a.createdAt,
          verifiedAt: a.confirmedAt,
          ...(a.lastUsedAt ? { lastVerifiedAt: a.lastUsedAt } : {}),
          ...(typeof a.params.phoneNumber === 'string' ? { phoneNumber: a.params.phoneNumber } : {}),
          ...(typeof a.params.email === 'string' ? { email: a.params.email } : {}),
        })),
    );
  });

  // Issue #22: the rest of the published SDK, each in its own module.
  authsignalActionRoutes(router, { ...deps, actions });
  authsignalUserRoutes(router, deps);
  authsignalChallengeRoutes(router, { ...deps, actions, journeyFor });
  authsignalSessionRoutes(router, { ...deps, actions });

  router.use((_req, _res, next) => next(new AuthsignalError(404, 'not_found', 'this Authsignal API call is not supported')));
  router.use(authsignalErrorHandler());
  return router;
}
