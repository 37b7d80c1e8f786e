/**
 * What the Authsignal-compatible routes share: the error shape of the Authsignal SDKs
 * (`{ error, errorCode, errorDescription }`), the session handle they call a "token", and the
 * mapping of sessions to Authsignal's action states and verification methods.
 */
import type { ErrorRequestHandler } from 'express';
import { ERROR_STATUS, EngineError } from '../../engine/runtime/errors.js';
import type { StepResponse } from '../../engine/runtime/session-service.js';
import type { AuthenticatorRecord } from '../../engine/store/store.js';
import type { IssuedToken, JsonObject } from '../../engine/steps/step-types.js';

export const VERIFICATION_METHODS = ['AUTHENTICATOR_APP', 'SMS', 'WHATSAPP', 'EMAIL_OTP'] as const;

/** A refusal in the Authsignal SDKs' shape. */
export class AuthsignalError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function errorJson(code: string, description: string) {
  return { error: code, errorCode: code, errorDescription: description };
}

/** Last on the Authsignal routers: every refusal in the SDKs' shape, never a stack trace. */
export function authsignalErrorHandler(): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof AuthsignalError) return void res.status(error.status).json(errorJson(error.code, error.message));
    if (error instanceof EngineError) return void res.status(ERROR_STATUS[error.code]).json(errorJson(error.code, error.message));
    return next(error);
  };
}

/**
 * The "token" a track answers and the client SDK carries: the session id and its session token.
 * (Completion tokens are JWTs: three dot-separated parts; handles have two.)
 */
export function sessionHandle(response: Pick<StepResponse, 'sessionId' | 'sessionToken'>): string {
  return `${response.sessionId}.${response.sessionToken}`;
}

export function parseHandle(token: string): { sessionId: string; sessionToken: string } | null {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{20,200})$/.exec(token);
  return match ? { sessionId: match[1], sessionToken: match[2] } : null;
}

export type ActionState = 'ALLOW' | 'BLOCK' | 'CHALLENGE_REQUIRED' | 'REVIEW_REQUIRED';

/** completed → ALLOW; waiting → CHALLENGE_REQUIRED; rejected with code review → REVIEW_REQUIRED; else BLOCK. */
export function actionState(status: StepResponse['status'], error: { code: string } | null): ActionState {
  if (status === 'completed') return 'ALLOW';
  if (status === 'waiting') return 'CHALLENGE_REQUIRED';
  if (status === 'rejected' && error?.code === 'review') return 'REVIEW_REQUIRED';
  return 'BLOCK';
}

export function methodOf(authenticator: AuthenticatorRecord): string | null {
  if (authenticator.type === 'totp') return 'AUTHENTICATOR_APP';
  if (authenticator.type === 'sms') return (authenticator.params as { channel?: string }).channel === 'whatsapp' ? 'WHATSAPP' : 'SMS';
  if (authenticator.type === 'email') return 'EMAIL_OTP';
  return null;
}

export function enrolledMethods(authenticators: AuthenticatorRecord[]): string[] {
  const methods = new Set<string>();
  for (const a of authenticators) {
    const method = a.confirmedAt ? methodOf(a) : null;
    if (method) methods.add(method);
  }
  return [...methods];
}

/** The verification method of a session's challenge, from the tokens its steps issued. */
export function verificationMethodOf(tokens: readonly IssuedToken[]): string | null {
  for (const token of [...tokens].reverse()) {
    const claims = token.claims as JsonObject;
    if (token.type === 'challenge' && typeof claims.verificationMethod === 'string') return claims.verificationMethod;
    if (token.type === 'totp') return claims.method === 'recovery_code' ? 'RECOVERY_CODE' : 'AUTHENTICATOR_APP';
    if (token.type === 'otp') return claims.channel === 'email' ? 'EMAIL_OTP' : claims.channel === 'whatsapp' ? 'WHATSAPP' : 'SMS';
  }
  return null;
}
