/**
 * Server-side challenges (#22): challenge, verify, claimChallenge and getChallenge for SMS,
 * WhatsApp and email one-time codes. A challenge is a journey like any action: the one claiming
 * the action (default `challenge`), else AUTHSIGNAL_CHALLENGE_JOURNEY (default `otp-challenge`),
 * started with `{ userId, action, attributes: { phoneNumber, email, … } }`; the call then asks its
 * waiting step to send the code on the channel (the step's `offers`, as the client calls do) and
 * `verify` submits the code. The code rules (attempts, expiry, resends, send limits) are the
 * step's. The `challengeId` is the session handle (as the client SDK's), so only its holder can
 * verify or claim it.
 */
import type { Request, Router } from 'express';
import type { SessionService, StepResponse } from '../../engine/runtime/session-service.js';
import { countRequest, type RateLimits } from '../../engine/http/rate-limit.js';
import { secretsEqual, sha256 } from '../../engine/security/constant-time.js';
import { toUserContext, type JsonObject, type MessageChannel } from '../../engine/sdk.js';
import type { AuthsignalActionRecord, CounterStore, SessionRecord, Store } from '../../engine/store/store.js';
import { contextOf, type ActionRecords } from './actions.js';
import { ACTION, AuthsignalError, USER_ID, parseHandle, sessionHandle, userNamed } from './common.js';
import { VERIFICATION_METHOD, codeSending, offersOf, sentCodeVerifyOption, type StepCatalogue } from './offers.js';
import { validPhone } from './user-routes.js';

export interface ChallengeRouteDeps {
  sessions: SessionService;
  store: Store;
  registry: StepCatalogue;
  actions: ActionRecords;
  rateLimits: RateLimits;
  counters: CounterStore;
  now: () => Date;
  journeyFor: (action: string, fallback?: string) => Promise<string>;
}

const CHANNEL_OF: Record<string, MessageChannel> = { SMS: 'sms', WHATSAPP: 'whatsapp', EMAIL_OTP: 'email' };
const METHOD_OF: Record<MessageChannel, string> = { sms: VERIFICATION_METHOD.sms, whatsapp: VERIFICATION_METHOD.whatsapp, email: VERIFICATION_METHOD.email };
export const DEFAULT_CHALLENGE_ACTION = 'challenge';

type Handle = { sessionId: string; sessionToken: string };

export function authsignalChallengeRoutes(router: Router, deps: ChallengeRouteDeps): void {
  async function submit(req: Request, handle: Handle, stepId: string, option: string, data?: unknown): Promise<StepResponse> {
    const counted = () => countRequest(deps.rateLimits.submit, `submit:${handle.sessionId}`, deps.counters, deps.now, () => undefined);
    const body = data === undefined ? { stepId, option } : { stepId, option, data };
    return deps.sessions.submit(handle.sessionId, handle.sessionToken, body, () => body, counted, { clientAddress: req.ip ?? null });
  }

  function handleOf(challengeId: unknown): Handle {
    const handle = typeof challengeId === 'string' ? parseHandle(challengeId) : null;
    if (!handle) throw new AuthsignalError(400, 'invalid_request', 'challengeId is not a challenge this API answered');
    return handle;
  }

  /** The session of a challengeId, checked with its token (constant time). */
  async function sessionOf(handle: Handle) {
    const record = await deps.store.sessions.get(handle.sessionId);
    if (!record || !secretsEqual(sha256(handle.sessionToken), record.tokenHash)) throw new AuthsignalError(404, 'not_found', 'no such challenge');
    return record;
  }

  /** Asks the waiting step to send its code on the channel; an error when it does not offer it. */
  async function send(req: Request, handle: Handle, channel: MessageChannel): Promise<void> {
    const response = await deps.sessions.get(handle.sessionId, handle.sessionToken);
    if (response.status !== 'waiting' || !response.step) throw new AuthsignalError(400, 'challenge_not_started', `the journey did not wait for a code (${response.status})`);
    const step = response.step;
    const sending = codeSending(offersOf(deps.registry, step), step, channel);
    if (!sending) throw new AuthsignalError(400, 'method_not_allowed', `${METHOD_OF[channel]} is not offered by the journey's step`);
    if (sending.option === undefined) return; // sent on entry
    const sent = await submit(req, handle, step.id, sending.option);
    if (sent.status === 'waiting' && sent.step?.id === step.id && sent.error) {
      const status = sent.error.code === 'resend_unavailable' || sent.error.code === 'rate_limited' ? 429 : 400;
      throw new AuthsignalError(status, sent.error.code, sent.error.message);
    }
    if (sent.status !== 'waiting') throw new AuthsignalError(400, sent.error?.code ?? 'challenge_failed', sent.error?.message ?? 'the journey ended');
  }

  router.post('/challenge', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const channel = CHANNEL_OF[String(body.verificationMethod)];
    if (!channel) throw new AuthsignalError(400, 'invalid_request', 'verificationMethod must be SMS, WHATSAPP or EMAIL_OTP');

    // Another code for a challenge already started (a resend, or another channel).
    if (body.challengeId !== undefined) {
      const handle = handleOf(body.challengeId);
      const record = await sessionOf(handle);
      await send(req, handle, channel);
      return void res.json({ challengeId: body.challengeId, idempotencyKey: record.id, expiresAt: Math.floor(Date.parse(record.expiresAt) / 1000) });
    }

    const action = body.action === undefined ? DEFAULT_CHALLENGE_ACTION : body.action;
    if (typeof action !== 'string' || !ACTION.test(action)) throw new AuthsignalError(400, 'invalid_request', 'action is not valid');
    const userId = body.userId;
    if (userId !== undefined && (typeof userId !== 'string' || !USER_ID.test(userId))) throw new AuthsignalError(400, 'invalid_request', 'userId is not valid');
    if (channel === 'email' ? body.email !== undefined && typeof body.email !== 'string' : body.phoneNumber !== undefined && !validPhone(body.phoneNumber)) {
      throw new AuthsignalError(400, 'invalid_request', channel === 'email' ? 'email must be a string' : 'phoneNumber must be a valid E.164 phone number');
    }
    const attributes: JsonObject = {};
    for (const name of ['phoneNumber', 'email', 'ipAddress', 'userAgent', 'deviceId', 'locale'] as const) if (typeof body[name] === 'string') attributes[name] = body[name] as string;
    if (body.custom && typeof body.custom === 'object' && !Array.isArray(body.custom)) attributes.custom = body.custom as JsonObject;

    const user = typeof userId === 'string' ? await userNamed(deps.store, userId, deps.now) : null;
    const journeyId = await deps.journeyFor(action, process.env.AUTHSIGNAL_CHALLENGE_JOURNEY || 'otp-challenge');
    const started = await deps.sessions.start(journeyId, { input: { ...(user ? { userId: user.id } : {}), action, attributes }, ui: {} }, 'app', user ? { user: toUserContext(user) } : {});
    if (started.status !== 'waiting') throw new AuthsignalError(400, started.error?.code ?? 'challenge_not_started', started.error?.message ?? `the journey ${journeyId} did not wait for a code`);
    const handle = { sessionId: started.sessionId, sessionToken: started.sessionToken };
    await deps.actions.recordStart(started.sessionId, user?.id ?? null, action, 'CHALLENGE_REQUIRED');
    await send(req, handle, channel);
    const record = await sessionOf(handle);
    res.json({ challengeId: sessionHandle(started), idempotencyKey: started.sessionId, expiresAt: Math.floor(Date.parse(record.expiresAt) / 1000) });
  });

  router.post('/verify', async (req, res) => {
    const body = (req.body ?? {}) as { challengeId?: unknown; verificationCode?: unknown };
    const handle = handleOf(body.challengeId);
    if (typeof body.verificationCode !== 'string' || !body.verificationCode) throw new AuthsignalError(400, 'invalid_request', 'verificationCode is required');
    const record = await sessionOf(handle);
    const destination = destinationOf(record);
    if (record.status !== 'waiting') return void res.json({ isVerified: false, failureReason: 'CODE_INVALID_OR_EXPIRED' });
    const response = await deps.sessions.get(handle.sessionId, handle.sessionToken);
    const step = response.step;
    const option = step ? sentCodeVerifyOption(offersOf(deps.registry, step), step) : null;
    if (!step || !option) throw new AuthsignalError(400, 'challenge_not_started', 'no code has been sent: call challenge first');
    const answered = await submit(req, handle, step.id, option, { code: body.verificationCode });
    const action = await deps.actions.current(handle.sessionId);
    const refusedHere = answered.status === 'waiting' && answered.step?.id === step.id && answered.error;
    if (refusedHere || answered.status === 'rejected' || answered.status === 'failed') {
      const exhausted = answered.status !== 'waiting' || answered.error?.code === 'too_many_attempts' || answered.error?.code === 'locked';
      return void res.json({ isVerified: false, failureReason: exhausted ? 'MAX_ATTEMPTS_EXCEEDED' : 'CODE_INVALID_OR_EXPIRED' });
    }
    const channel = sentChannel(step.data) ?? 'sms';
    res.json({ isVerified: true, verificationMethod: action?.verificationMethod ?? METHOD_OF[channel], ...destination });
  });

  router.post('/claim', async (req, res) => {
    const body = (req.body ?? {}) as { challengeId?: unknown; userId?: unknown; skipVerificationCheck?: unknown };
    const handle = handleOf(body.challengeId);
    if (typeof body.userId !== 'string' || !USER_ID.test(body.userId)) throw new AuthsignalError(400, 'invalid_request', 'userId is required');
    const record = await sessionOf(handle);
    const action = await deps.actions.current(record.id);
    if (!action) throw new AuthsignalError(404, 'not_found', 'no such challenge');
    if (body.skipVerificationCheck !== true && action.state !== 'CHALLENGE_SUCCEEDED') {
      throw new AuthsignalError(400, 'challenge_not_verified', `the challenge is ${action.state}, not verified`);
    }
    if (action.userId === null) {
      await userNamed(deps.store, body.userId, deps.now);
      if (!(await deps.store.authsignalActions.claim(action.id, body.userId, deps.now().toISOString()))) {
        const now = await deps.store.authsignalActions.get(action.id);
        if (now?.userId !== body.userId) throw new AuthsignalError(409, 'already_claimed', 'the challenge was claimed for another user');
      }
    } else if (action.userId !== body.userId) {
      throw new AuthsignalError(400, 'user_mismatch', 'the challenge belongs to another user');
    }
    const token = contextOf(record).result?.token ?? sessionHandle(handle);
    res.json({ token, verificationMethod: action.verificationMethod ?? undefined });
  });

  router.get('/challenges', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    if (typeof query.challengeId === 'string') {
      const handle = handleOf(query.challengeId);
      const record = await sessionOf(handle);
      return void res.json(challengeJson(record, query.challengeId, await deps.actions.current(record.id)));
    }
    if (typeof query.userId !== 'string') throw new AuthsignalError(400, 'invalid_request', 'challengeId or userId is required');
    // The user's newest pending challenge; its challengeId stays with whoever started it.
    const pending = await deps.store.authsignalActions.listByUser(query.userId, {
      limit: 20,
      ...(typeof query.action === 'string' ? { actions: [query.action] } : {}),
    });
    for (const listed of pending) {
      const action = await deps.actions.refreshed(listed);
      if (action.state === 'CHALLENGE_REQUIRED') return void res.json(challengeJson(await deps.store.sessions.get(action.id), null, action));
    }
    res.json({});
  });

}

/** The challenge as getChallenge answers it, from its session (when it still has one) and its action. */
function challengeJson(record: SessionRecord | null, challengeId: string | null, action: AuthsignalActionRecord | null) {
  return {
    ...(challengeId ? { challengeId } : {}),
    ...(record ? { expiresAt: Math.floor(Date.parse(record.expiresAt) / 1000) } : {}),
    ...(action?.verificationMethod ? { verificationMethod: action.verificationMethod } : {}),
    ...(record ? destinationOf(record) : {}),
    ...(action?.action ? { action: action.action } : {}),
  };
}

/** Where the challenge's code goes: the phone number and email the challenge was started with. */
function destinationOf(record: SessionRecord): { phoneNumber?: string; email?: string } {
  const attributes = ((contextOf(record).input ?? {}) as { attributes?: JsonObject }).attributes ?? {};
  return {
    ...(typeof attributes.phoneNumber === 'string' ? { phoneNumber: attributes.phoneNumber } : {}),
    ...(typeof attributes.email === 'string' ? { email: attributes.email } : {}),
  };
}

/** The channel the pending code went by, as the waiting step shows it. */
function sentChannel(data: Record<string, unknown>): MessageChannel | null {
  const shown = (data.otp as { channel?: unknown } | undefined)?.channel ?? data.channel;
  return shown === 'sms' || shown === 'whatsapp' || shown === 'email' ? shown : null;
}
