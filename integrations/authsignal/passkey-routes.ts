/**
 * The passkey calls of @authsignal/browser (passkey.signUp, passkey.signIn, with or without a
 * token, an action, or autofill), under /authsignal/v1/client. As for the other methods, the
 * journey decides: a call answers the waiting step that declares a passkey in its `offers`
 * (engine/sdk.ts StepOffers), with the options it shows and the option that takes the answer.
 *
 * The SDK names the session in one of two ways: the token from track (`Authorization: Bearer`),
 * or, when it has none, the `challengeId` this API answered (the same session handle). Without
 * either, the options call starts a passkey sign-in journey itself (public journeys only): the
 * journey claiming the action `signInWithPasskey` in its settings.actions, else
 * AUTHSIGNAL_PASSKEY_JOURNEY (default `passkey-sign-in`).
 */
import type { Request, Router } from 'express';
import type { StepResponse } from '../../engine/runtime/session-service.js';
import { countRequest } from '../../engine/http/rate-limit.js';
import { AuthsignalError, journeyForAction, parseHandle, sessionHandle } from './common.js';
import type { AuthsignalClientDeps } from './client-routes.js';
import { VERIFICATION_METHOD, offersOf, passkeyEnrolOption, passkeyVerifyOption } from './offers.js';

type Handle = { sessionId: string; sessionToken: string };
type WaitingStep = NonNullable<StepResponse['step']>;

/** What the client routes lend: reading the current step, answering it, and their refusals. */
export interface ClientCalls {
  current(handle: Handle): Promise<{ response: StepResponse; step: WaitingStep }>;
  answer(req: Request, handle: Handle, stepId: string, option: string, data?: unknown): Promise<StepResponse>;
  refused(response: StepResponse, stepId: string): AuthsignalError | null;
}

export const PASSKEY_ACTION = 'signInWithPasskey';

export function authsignalPasskeyRoutes(router: Router, deps: AuthsignalClientDeps, calls: ClientCalls): void {
  /** The session: the Bearer token from track, else the body's challengeId; null when neither. */
  function handleOf(req: Request): Handle | null {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const challengeId = (req.body as { challengeId?: unknown } | undefined)?.challengeId;
    const given = bearer ?? (typeof challengeId === 'string' ? challengeId : undefined);
    if (given === undefined) return null;
    const handle = parseHandle(given);
    if (!handle) throw new AuthsignalError(401, 'invalid_token', 'the token or challengeId is not valid for this call');
    return handle;
  }

  function required(req: Request): Handle {
    const handle = handleOf(req);
    if (!handle) throw new AuthsignalError(401, 'token_not_set', 'the token from track (or a challengeId) is required');
    return handle;
  }

  /** Starts a public journey for an action, as an anonymous browser would (counted like any start). */
  async function startFor(req: Request, action: string): Promise<StepResponse> {
    await countRequest(deps.rateLimits.start, `start:${req.ip ?? 'unknown'}`, deps.counters, deps.now, () => undefined);
    const journeyId = await journeyForAction(deps.store, action, process.env.AUTHSIGNAL_PASSKEY_JOURNEY || 'passkey-sign-in');
    return deps.sessions.start(journeyId, { input: { action } }, 'anonymous', { device: null, clientAddress: req.ip ?? null });
  }

  /** The step's options for the browser, and the challengeId that names its session. */
  function optionsOf(step: WaitingStep, handle: string) {
    const options = step.data.options;
    if (!options || typeof options !== 'object') throw new AuthsignalError(400, 'method_not_allowed', 'a passkey is not asked here');
    return { options, challengeId: handle };
  }

  /** The stored passkey the browser answered with, and its user. */
  async function passkeyOf(sessionId: string, credentialId: unknown) {
    const userId = (await deps.store.sessions.get(sessionId))?.userId ?? null;
    if (!userId || typeof credentialId !== 'string') return { userId, authenticatorId: null, username: null };
    const [authenticators, user] = await Promise.all([deps.store.authenticators.listByUser(userId), deps.store.users.findById(userId)]);
    const passkey = authenticators.find((a) => a.type === 'passkey' && a.params.credentialId === credentialId);
    return { userId, authenticatorId: passkey?.id ?? null, username: user?.username ?? null, displayName: user?.attributes.displayName };
  }

  /** A passed step: the completion token when the journey completed, else the session handle to go on with. */
  function accessToken(response: StepResponse): string {
    return response.status === 'completed' && response.result ? response.result.token : sessionHandle(response);
  }

  // passkey.signUp: the options of the step that enrols a passkey now.
  router.post('/client/user-authenticators/passkey/registration-options', async (req, res) => {
    const handle = required(req);
    const { step } = await calls.current(handle);
    if (!passkeyEnrolOption(offersOf(deps.registry, step), step)) {
      throw new AuthsignalError(400, 'enrollment_not_allowed', 'adding a passkey is not offered here');
    }
    res.json(optionsOf(step, sessionHandle(handle)));
  });

  router.post('/client/user-authenticators/passkey', async (req, res) => {
    const handle = required(req);
    const credential = (req.body as { registrationCredential?: unknown } | undefined)?.registrationCredential;
    const { step } = await calls.current(handle);
    const option = passkeyEnrolOption(offersOf(deps.registry, step), step);
    if (!option) throw new AuthsignalError(400, 'enrollment_not_allowed', 'adding a passkey is not offered here');
    const response = await calls.answer(req, handle, step.id, option, { credential });
    const error = calls.refused(response, step.id);
    if (error) return void res.json({ isVerified: false, error: error.code, errorCode: error.code, errorDescription: error.message });
    const { userId, authenticatorId } = await passkeyOf(handle.sessionId, (credential as { id?: unknown } | undefined)?.id);
    res.json({
      isVerified: true,
      accessToken: accessToken(response),
      userId,
      userAuthenticator: { userAuthenticatorId: authenticatorId, userId, verificationMethod: VERIFICATION_METHOD.passkey },
    });
  });

  // passkey.signIn with an action: a public journey for it, named by the challengeId answered.
  router.post('/client/challenge', async (req, res) => {
    const action = String((req.body as { action?: unknown } | undefined)?.action ?? '');
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(action)) throw new AuthsignalError(400, 'invalid_request', 'action is not valid');
    const response = await startFor(req, action);
    if (response.status !== 'waiting') throw new AuthsignalError(400, response.error?.code ?? 'session_ended', response.error?.message ?? 'the journey ended at once');
    res.json({ challengeId: sessionHandle(response) });
  });

  // passkey.signIn: the options of the step that checks a passkey now (autofill: a journey of its own).
  router.post('/client/user-authenticators/passkey/authentication-options', async (req, res) => {
    let handle = handleOf(req);
    if (!handle) {
      const started = await startFor(req, PASSKEY_ACTION);
      handle = { sessionId: started.sessionId, sessionToken: started.sessionToken };
    }
    const { step } = await calls.current(handle);
    if (!passkeyVerifyOption(offersOf(deps.registry, step), step)) throw new AuthsignalError(400, 'method_not_allowed', 'a passkey is not asked here');
    res.json(optionsOf(step, sessionHandle(handle)));
  });

  router.post('/client/verify/passkey', async (req, res) => {
    const handle = required(req);
    const credential = (req.body as { authenticationCredential?: unknown } | undefined)?.authenticationCredential;
    const { step } = await calls.current(handle);
    const option = passkeyVerifyOption(offersOf(deps.registry, step), step);
    if (!option) throw new AuthsignalError(400, 'method_not_allowed', 'a passkey is not asked here');
    const response = await calls.answer(req, handle, step.id, option, { credential });
    const error = calls.refused(response, step.id);
    if (error) return void res.json({ isVerified: false, failureReason: error.code, errorDescription: error.message });
    const { userId, authenticatorId, username, displayName } = await passkeyOf(handle.sessionId, (credential as { id?: unknown } | undefined)?.id);
    res.json({
      isVerified: true,
      accessToken: accessToken(response),
      verificationMethod: VERIFICATION_METHOD.passkey,
      userId,
      userAuthenticatorId: authenticatorId,
      ...(username ? { username } : {}),
      ...(typeof displayName === 'string' ? { userDisplayName: displayName } : {}),
    });
  });
}
