/**
 * The Authsignal server API (what @authsignal/node calls), under /authsignal/v1: track an action
 * (start the journey the action names), validate a challenge (once), read a user and their
 * authenticators, delete an authenticator. The secret key (HTTP Basic user name, as the SDK
 * sends it) is the admin key or an app key.
 */
import { Router, type Request } from 'express';
import { decodeJwt } from 'jose';
import { secretsEqual, sha256 } from '../../engine/security/constant-time.js';
import type { SessionService, StepResponse } from '../../engine/runtime/session-service.js';
import type { SessionContext } from '../../engine/runtime/session-context.js';
import type { TokenService } from '../../engine/security/tokens.js';
import type { SessionRecord, Store } from '../../engine/store/store.js';
import { toUserContext, type JsonObject, type ProofMethod } from '../../engine/sdk.js';
import type { Keys } from '../../engine/http/auth.js';
import {
  AuthsignalError,
  VERIFICATION_METHODS,
  actionState,
  authsignalErrorHandler,
  enrolledMethods,
  journeyForAction,
  methodOf,
  parseHandle,
  proofMethodOf,
  sessionHandle,
  verificationMethodOf,
} from './common.js';
import { offeredMethods, offersOf, type StepCatalogue } from './offers.js';

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
}

const USER_ID = /^[^\s/]{1,256}$/;
const ACTION = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The secret key from `Authorization: Basic base64(key:)` (or `Bearer key`): admin or app key, else 401. */
function requireSecretKey(req: Request, keys: Keys): void {
  const header = req.headers.authorization ?? '';
  let key: string | null = null;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.lastIndexOf(':');
    key = colon >= 0 ? decoded.slice(0, colon) : decoded;
  } else {
    key = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;
  }
  if (!key) throw new AuthsignalError(401, 'unauthorized', 'the API secret key is required');
  let known = secretsEqual(key, keys.adminApiKey);
  for (const appKey of keys.appApiKeys) known = secretsEqual(key, appKey) || known;
  if (!known) throw new AuthsignalError(401, 'unauthorized', 'invalid API secret key');
}

function contextOf(record: SessionRecord): SessionContext {
  return (record.snapshot as unknown as { context: SessionContext }).context;
}

export function authsignalServerRoutes(deps: AuthsignalServerDeps): Router {
  const router = Router();
  router.use((req, _res, next) => {
    requireSecretKey(req, deps.keys);
    next();
  });

  const journeyFor = (action: string) => journeyForAction(deps.store, action, deps.defaultJourney);

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
    const invalid = (error: string, extra: JsonObject = {}) => res.json({ isValid: false, error, ...extra });

    // The track's session handle, or the completion token (JWT) the client SDK obtained.
    let record: SessionRecord | null = null;
    let jwt: string | null = null;
    const handle = parseHandle(body.token);
    if (handle) {
      record = await deps.store.sessions.get(handle.sessionId);
      if (!record || !secretsEqual(sha256(handle.sessionToken), record.tokenHash)) return invalid('invalid_token');
      jwt = contextOf(record).result?.token ?? null;
    } else {
      let sid: unknown;
      try {
        sid = decodeJwt(body.token).sid;
      } catch {
        return invalid('invalid_token');
      }
      record = typeof sid === 'string' ? await deps.store.sessions.get(sid) : null;
      if (!record) return invalid('invalid_token');
      jwt = body.token;
    }
    const context = contextOf(record);
    const input = (context.input ?? {}) as { userId?: string; action?: string };
    const about = { userId: input.userId ?? record.userId ?? undefined, action: input.action, idempotencyKey: record.id };
    if (record.status !== 'completed' || !jwt) {
      return invalid('challenge_not_completed', { ...about, state: actionState(record.status, context.endError ?? context.lastError) });
    }
    // A user the session never established (a typed username, nothing proved) is nobody's proof.
    if (!context.auth) return invalid('user_not_established', { ...about, state: 'CHALLENGE_FAILED' });
    if (typeof body.action === 'string' && body.action !== input.action) return invalid('action_mismatch', about);
    if (typeof body.userId === 'string' && body.userId !== about.userId) return invalid('user_mismatch', about);

    const validation = await deps.tokens.validate(jwt);
    if (!validation.valid) return invalid(validation.reason === 'already_used' ? 'token_already_used' : 'invalid_token', about);
    const verificationMethod = verificationMethodOf(context.tokens);
    res.json({
      isValid: true,
      state: verificationMethod ? 'CHALLENGE_SUCCEEDED' : 'ALLOW',
      stateUpdatedAt: record.updatedAt,
      userId: validation.userId ?? about.userId,
      actionCode: input.action,
      idempotencyKey: record.id,
      ...(verificationMethod ? { verificationMethod } : {}),
    });
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

  router.delete('/users/:userId/authenticators/:authenticatorId', async (req, res) => {
    const removed = await deps.store.authenticators.delete(String(req.params.userId), String(req.params.authenticatorId));
    if (!removed) throw new AuthsignalError(404, 'not_found', 'no such authenticator for this user');
    res.json({});
  });

  router.use((_req, _res, next) => next(new AuthsignalError(404, 'not_found', 'this Authsignal API call is not supported')));
  router.use(authsignalErrorHandler());
  return router;
}
