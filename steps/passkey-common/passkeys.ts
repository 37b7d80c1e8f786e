/**
 * What passkey.register and passkey.authenticate share: how a passkey is stored (an authenticator
 * of type `passkey`, its public key and flags in params, its signature counter in its own
 * column), the option schemas, the per-client failure limit and the errors a user can act on.
 */
import type { AuthenticatorRecord, FailureLimit, JsonObject, JsonSchema, StepContext, StepError } from '../../engine/sdk.js';

export const PASSKEY_TYPE = 'passkey';

/** What params holds for a passkey: nothing secret (a public key), never sealed. */
export interface PasskeyParams {
  /** The credential id (base64url), as the browser names it. */
  credentialId: string;
  /** The COSE public key (base64url). */
  publicKey: string;
  transports: string[];
  /** Backup eligible: a synced passkey (`swk`) rather than one bound to a device (`hwk`). */
  backupEligible: boolean;
  backedUp: boolean;
  aaguid: string;
  name: string;
}

export const paramsOf = (a: AuthenticatorRecord) => a.params as unknown as PasskeyParams;

export const isPasskey = (a: AuthenticatorRecord) => a.type === PASSKEY_TYPE && a.confirmedAt !== null;

/** The option data: the browser's answer (RegistrationResponseJSON / AuthenticationResponseJSON). */
export const credentialSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['credential'],
  properties: { credential: { type: 'object', title: 'Passkey response' } },
};

export const userVerificationSchema = {
  type: 'string',
  enum: ['required', 'preferred', 'discouraged'],
  default: 'preferred',
  title: 'User verification (PIN or biometrics)',
} as const;

export const timeoutSchema = { type: 'integer', minimum: 30, maximum: 600, default: 300, title: 'Time to answer (seconds)' } as const;

export const clientLimitSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['count', 'windowSeconds'],
  default: { count: 20, windowSeconds: 900 },
  title: 'Failed ceremonies per client address',
  properties: { count: { type: 'integer', minimum: 1, maximum: 1000 }, windowSeconds: { type: 'integer', minimum: 1, maximum: 86400 } },
} as const;

/** The cancel option: the browser ended the ceremony without a credential (cancelled, timed out). */
export const CANCEL_OPTION = { id: 'cancel', label: 'Cancelled' };

export const ERRORS = {
  not_allowed: { code: 'not_allowed', message: 'the passkey request was cancelled or timed out: try again' },
  invalid_credential: { code: 'invalid_credential', message: 'the passkey could not be verified: try again' },
  unknown_credential: { code: 'unknown_credential', message: 'this passkey is not registered here: use another one or another way to sign in' },
  counter_mismatch: {
    code: 'counter_mismatch',
    message: 'this passkey reported a use count that is not newer than the last one: it may have been copied; use another way to sign in',
  },
  expired: { code: 'invalid_credential', message: 'the passkey request expired: try again' },
} as const satisfies Record<string, StepError>;

export function rateLimited(retryAfter: number): StepError {
  return { code: 'rate_limited', message: `too many failed passkey attempts from this network: try again in ${retryAfter} s`, details: { retryAfter } };
}

/** Failed ceremonies are limited per client address, never per credential (ids are visible to anyone). */
export const clientLimitKey = (ctx: StepContext<any>) => `passkey:client:${ctx.session.clientAddress ?? 'unknown'}`;

export async function reserveAttempt(ctx: StepContext<any>, limit: FailureLimit): Promise<StepError | null> {
  const reserved = await ctx.services.limits.reserve(clientLimitKey(ctx), limit);
  return reserved.allowed ? null : rateLimited(reserved.retryAfter);
}

/** The challenge the ask showed, with when it lapses: single use, kept in the step's own state. */
export interface ChallengeState extends JsonObject {
  challenge: string;
  expiresAt: string;
}

export function challengeState(ctx: StepContext<any>, challenge: string, timeoutSeconds: number): ChallengeState {
  return { challenge, expiresAt: new Date(ctx.now().getTime() + timeoutSeconds * 1000).toISOString() };
}

/** The credential of a submission, when it is an object (the library checks the rest). */
export function submittedCredential(ctx: StepContext<any>): Record<string, unknown> | null {
  const credential = (ctx.submission?.data as { credential?: unknown } | undefined)?.credential;
  return credential && typeof credential === 'object' && !Array.isArray(credential) ? (credential as Record<string, unknown>) : null;
}

/** WebAuthn's user handle of a user: their id's bytes (no personal data, RFC: at most 64 bytes). */
export const userHandleOf = (userId: string) => new TextEncoder().encode(userId);
export const userIdOfHandle = (handle: string) => Buffer.from(handle, 'base64url').toString('utf8');
