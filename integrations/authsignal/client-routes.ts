/**
 * The Authsignal client API (what @authsignal/browser calls), under /authsignal/v1/client:
 * each call answers the session's current step with the option the step declares for it in its
 * `offers` (see offers.ts): a challenge that lets the client pick, or a TOTP / OTP step. `Authorization: Bearer <token from track>`;
 * the tenant id is accepted as given. Browsers call it from their own origin (CORS).
 */
import cors from 'cors';
import { Router, type Request } from 'express';
import type { MessageChannel } from '../../engine/sdk.js';
import type { SessionService, StepResponse } from '../../engine/runtime/session-service.js';
import type { CounterStore, Store } from '../../engine/store/store.js';
import { countRequest, type RateLimits } from '../../engine/http/rate-limit.js';
import { AuthsignalError, authsignalErrorHandler, parseHandle, sessionHandle } from './common.js';
import { authsignalPasskeyRoutes } from './passkey-routes.js';
import {
  ROUTE_CHANNEL,
  VERIFICATION_METHOD,
  codeSending,
  offersOf,
  sentCodeVerifyOption,
  totpEnrolment,
  totpVerifyOption,
  type StepCatalogue,
} from './offers.js';

export interface AuthsignalClientDeps {
  sessions: SessionService;
  corsOrigins: string[] | '*';
  rateLimits: RateLimits;
  counters: CounterStore;
  store: Store;
  now: () => Date;
  /** The step catalogue: what each step type offers (`offers`). */
  registry: StepCatalogue;
}

export function authsignalClientRoutes(deps: AuthsignalClientDeps): Router {
  const router = Router();
  router.use(
    '/client',
    cors({
      origin: deps.corsOrigins === '*' ? '*' : deps.corsOrigins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    }),
  );

  function handleOf(req: Request) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) throw new AuthsignalError(401, 'token_not_set', 'the token from track is required (Authorization: Bearer <token>)');
    const handle = parseHandle(match[1]);
    if (!handle) throw new AuthsignalError(401, 'invalid_token', 'the token is not valid for this call');
    return handle;
  }

  /** The waiting step, checked with the session token. */
  async function current(handle: { sessionId: string; sessionToken: string }) {
    const response = await deps.sessions.get(handle.sessionId, handle.sessionToken);
    if (response.status !== 'waiting' || !response.step) throw new AuthsignalError(409, 'session_ended', `the session has ended (${response.status})`);
    return { response, step: response.step };
  }

  async function answer(req: Request, handle: { sessionId: string; sessionToken: string }, stepId: string, option: string, data?: unknown) {
    const counted = () => countRequest(deps.rateLimits.submit, `submit:${handle.sessionId}`, deps.counters, deps.now, () => undefined);
    const body = data === undefined ? { stepId, option } : { stepId, option, data };
    return deps.sessions.submit(handle.sessionId, handle.sessionToken, body, () => body, counted, { clientAddress: req.ip ?? null });
  }

  function refused(response: StepResponse, stepId: string): AuthsignalError | null {
    if (response.status === 'waiting' && response.step?.id === stepId && response.error) {
      const status = response.error.code === 'resend_unavailable' || response.error.code === 'rate_limited' ? 429 : 400;
      return new AuthsignalError(status, response.error.code, response.error.message);
    }
    if (response.status === 'rejected' || response.status === 'failed') {
      return new AuthsignalError(400, response.error?.code ?? 'session_ended', response.error?.message ?? 'the session has ended');
    }
    return null;
  }

  /** The verify answer: completed → the completion token; moved on → the same handle; refused → isVerified false. */
  function verified(response: StepResponse, stepId: string, verificationMethod: string) {
    if (response.status === 'completed' && response.result) {
      return { isVerified: true, accessToken: response.result.token, verificationMethod };
    }
    if (response.status === 'waiting' && !(response.step?.id === stepId && response.error)) {
      return { isVerified: true, accessToken: sessionHandle(response), verificationMethod };
    }
    return { isVerified: false, failureReason: response.error?.code ?? 'invalid_code', ...(response.error ? { errorDescription: response.error.message } : {}) };
  }

  router.post('/client/user-authenticators/totp', async (req, res) => {
    const handle = handleOf(req);
    const { step } = await current(handle);
    const enrolment = totpEnrolment(offersOf(deps.registry, step), step);
    if (!enrolment) throw new AuthsignalError(400, 'enrollment_not_allowed', 'enrolling an authenticator app is not offered here');
    if (enrolment.option === undefined) {
      // The step enrolled on entry: its data shows the secret.
      const userId = (await deps.store.sessions.get(handle.sessionId))?.userId ?? '';
      const authenticatorId = typeof step.data.authenticatorId === 'string' ? step.data.authenticatorId : '';
      return void res.json({ userAuthenticatorId: authenticatorId, userId, uri: step.data.uri, secret: step.data.secret });
    }
    const response = await answer(req, handle, step.id, enrolment.option);
    const error = refused(response, step.id);
    if (error) throw error;
    const enrollment = response.step?.data as { authenticatorId?: string; secret?: string; uri?: string } | undefined;
    if (!enrollment?.authenticatorId || !enrollment.secret) throw new AuthsignalError(400, 'enrollment_not_allowed', 'the enrolment could not start');
    const userId = (await deps.store.sessions.get(handle.sessionId))?.userId ?? '';
    res.json({ userAuthenticatorId: enrollment.authenticatorId, userId, uri: enrollment.uri, secret: enrollment.secret });
  });

  router.post('/client/verify/totp', async (req, res) => {
    const handle = handleOf(req);
    const code = String((req.body as { verificationCode?: unknown } | undefined)?.verificationCode ?? '');
    const { step } = await current(handle);
    const option = totpVerifyOption(offersOf(deps.registry, step), step);
    if (!option) throw new AuthsignalError(400, 'method_not_allowed', 'an authenticator app code is not asked here');
    const response = await answer(req, handle, step.id, option, { code });
    res.json(verified(response, step.id, VERIFICATION_METHOD.totp));
  });

  for (const channel of Object.keys(ROUTE_CHANNEL) as Array<keyof typeof ROUTE_CHANNEL>) {
    router.post(`/client/challenge/${channel}`, async (req, res) => {
      const handle = handleOf(req);
      const { step } = await current(handle);
      const sending = codeSending(offersOf(deps.registry, step), step, ROUTE_CHANNEL[channel]);
      if (!sending) throw new AuthsignalError(400, 'method_not_allowed', `${channel} is not offered here`);
      // The step sent its code on entry.
      if (sending.option === undefined) return void res.json({ challengeId: handle.sessionId });
      const response = await answer(req, handle, step.id, sending.option);
      const error = refused(response, step.id);
      if (error) throw error;
      const otp = response.step?.data.otp as { channel?: string } | undefined;
      res.json({ challengeId: handle.sessionId, ...(otp?.channel ? { channel: otp.channel } : {}) });
    });

    router.post(`/client/verify/${channel}`, async (req, res) => {
      const handle = handleOf(req);
      const code = String((req.body as { verificationCode?: unknown } | undefined)?.verificationCode ?? '');
      const { step } = await current(handle);
      const option = sentCodeVerifyOption(offersOf(deps.registry, step), step);
      if (!option) throw new AuthsignalError(400, 'challenge_not_started', 'no code has been sent: call challenge first');
      const method = VERIFICATION_METHOD[sentChannel(step.data) ?? ROUTE_CHANNEL[channel]];
      const response = await answer(req, handle, step.id, option, { code });
      res.json(verified(response, step.id, method));
    });
  }

  // Passkeys (issue 17): their own module, on the same calls.
  authsignalPasskeyRoutes(router, deps, { current, answer, refused });

  router.use(authsignalErrorHandler());
  return router;
}

/** The channel the pending code went by, as a step waiting for a code it sent shows it (StepOffers.send). */
function sentChannel(data: Record<string, unknown>): MessageChannel | null {
  const shown = (data.otp as { channel?: unknown } | undefined)?.channel ?? data.channel;
  return shown === 'sms' || shown === 'whatsapp' || shown === 'email' ? shown : null;
}
