/**
 * The Authsignal client API (what @authsignal/browser calls), under /authsignal/v1/client:
 * each call answers the session's current step (a `challenge` step, or a TOTP / OTP step that
 * asks for a code) with the option it stands for. `Authorization: Bearer <token from track>`;
 * the tenant id is accepted as given. Browsers call it from their own origin (CORS).
 */
import cors from 'cors';
import { Router, type Request } from 'express';
import type { SessionService, StepResponse } from '../../engine/runtime/session-service.js';
import type { CounterStore, Store } from '../../engine/store/store.js';
import { countRequest, type RateLimits } from '../../engine/http/rate-limit.js';
import { AuthsignalError, authsignalErrorHandler, parseHandle, sessionHandle } from './common.js';

export interface AuthsignalClientDeps {
  sessions: SessionService;
  corsOrigins: string[] | '*';
  rateLimits: RateLimits;
  counters: CounterStore;
  store: Store;
  now: () => Date;
}

// The `challenge` step's options (steps/challenge).
const OPTION = {
  enrollTotp: 'enroll-totp',
  verifyTotp: 'verify-totp',
  sendSms: 'send-sms',
  sendWhatsapp: 'send-whatsapp',
  sendEmail: 'send-email',
  verifyCode: 'verify-code',
} as const;

type Channel = 'sms' | 'whatsapp' | 'email-otp';

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

  const has = (step: StepResponse['step'], option: string) => !!step?.options.some((o) => o.id === option);

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
    if (step.type === 'totp.register') {
      // A totp.register step shows its secret on entry.
      const userId = (await deps.store.sessions.get(handle.sessionId))?.userId ?? '';
      return void res.json({ userAuthenticatorId: '', userId, uri: step.data.uri, secret: step.data.secret });
    }
    if (!has(step, OPTION.enrollTotp)) throw new AuthsignalError(400, 'enrollment_not_allowed', 'enrolling an authenticator app is not offered here');
    const response = await answer(req, handle, step.id, OPTION.enrollTotp);
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
    const option = [OPTION.verifyTotp, 'verify', 'confirm'].find((o) => has(step, o));
    if (!option) throw new AuthsignalError(400, 'method_not_allowed', 'an authenticator app code is not asked here');
    const response = await answer(req, handle, step.id, option, { code });
    res.json(verified(response, step.id, 'AUTHENTICATOR_APP'));
  });

  const sendOption: Record<Channel, string> = { sms: OPTION.sendSms, whatsapp: OPTION.sendWhatsapp, 'email-otp': OPTION.sendEmail };
  const otpStepType: Record<Channel, string> = { sms: 'sms.otp', whatsapp: 'sms.otp', 'email-otp': 'email.otp' };

  for (const channel of ['sms', 'whatsapp', 'email-otp'] as const) {
    router.post(`/client/challenge/${channel}`, async (req, res) => {
      const handle = handleOf(req);
      const { step } = await current(handle);
      // An sms.otp / email.otp step has sent its code on entry.
      if (step.type === otpStepType[channel]) return void res.json({ challengeId: handle.sessionId });
      if (!has(step, sendOption[channel])) throw new AuthsignalError(400, 'method_not_allowed', `${channel} is not offered here`);
      const response = await answer(req, handle, step.id, sendOption[channel]);
      const error = refused(response, step.id);
      if (error) throw error;
      const otp = response.step?.data.otp as { channel?: string } | undefined;
      res.json({ challengeId: handle.sessionId, ...(otp?.channel ? { channel: otp.channel } : {}) });
    });

    router.post(`/client/verify/${channel}`, async (req, res) => {
      const handle = handleOf(req);
      const code = String((req.body as { verificationCode?: unknown } | undefined)?.verificationCode ?? '');
      const { step } = await current(handle);
      const option = [OPTION.verifyCode, 'verify'].find((o) => has(step, o));
      if (!option) throw new AuthsignalError(400, 'challenge_not_started', 'no code has been sent: call challenge first');
      const sentOn = (step.data.otp as { channel?: string } | undefined)?.channel ?? (step.data.channel as string | undefined);
      const method = sentOn === 'email' ? 'EMAIL_OTP' : sentOn === 'whatsapp' ? 'WHATSAPP' : channel === 'email-otp' ? 'EMAIL_OTP' : 'SMS';
      const response = await answer(req, handle, step.id, option, { code });
      res.json(verified(response, step.id, method));
    });
  }

  router.use(authsignalErrorHandler());
  return router;
}
