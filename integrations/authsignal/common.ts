/**
 * What the Authsignal-compatible routes share: the error shape of the Authsignal SDKs
 * (`{ error, errorCode, errorDescription }`), the session handle they call a "token", and the
 * mapping of sessions to Authsignal's action states and verification methods.
 */
import type { ErrorRequestHandler } from 'express';
import { ERROR_STATUS, EngineError } from '../../engine/runtime/errors.js';
import type { StepResponse } from '../../engine/runtime/session-service.js';
import type { AuthenticatorRecord, Store, StoredUser } from '../../engine/store/store.js';
import { PROOF_METHODS, type IssuedToken, type JsonObject, type ProofMethod } from '../../engine/sdk.js';
import { VERIFICATION_METHOD, type VerificationMethod } from './offers.js';

/** What getUser answers as allowed: every method this API serves a challenge for. */
export const VERIFICATION_METHODS: readonly VerificationMethod[] = (['totp', 'sms', 'whatsapp', 'email', 'passkey'] as const).map((m) => VERIFICATION_METHOD[m]);

/** A user id and an action code as the SDK calls may name them. */
export const USER_ID = /^[^\s/]{1,256}$/;
export const ACTION = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The user an app names, created bare (no username, no attributes) on first use. */
export async function userNamed(store: Store, userId: string, now: () => Date): Promise<StoredUser> {
  return (await store.users.findById(userId)) ?? (await store.users.create({ id: userId, username: null, attributes: {}, createdAt: now().toISOString() }));
}

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

const isProofMethod = (value: unknown): value is ProofMethod => (PROOF_METHODS as readonly unknown[]).includes(value);

/**
 * The proof method of a stored authenticator, by the SDK's convention (docs/custom-steps.md): the
 * channel it was verified on (`params.channel`), else its type; null for other kinds (passwords).
 */
export function proofMethodOf(authenticator: AuthenticatorRecord): ProofMethod | null {
  const channel = authenticator.params.channel;
  if (isProofMethod(channel)) return channel;
  return isProofMethod(authenticator.type) ? authenticator.type : null;
}

export function methodOf(authenticator: AuthenticatorRecord): VerificationMethod | null {
  const method = proofMethodOf(authenticator);
  return method ? VERIFICATION_METHOD[method] : null;
}

export function enrolledMethods(authenticators: AuthenticatorRecord[]): string[] {
  const methods = new Set<string>();
  for (const a of authenticators) {
    const method = a.confirmedAt ? methodOf(a) : null;
    if (method) methods.add(method);
  }
  return [...methods];
}

/** The verification method of a session's challenge: the last proof its steps' tokens record (their `method` claim). */
export function verificationMethodOf(tokens: readonly IssuedToken[]): VerificationMethod | null {
  for (const token of [...tokens].reverse()) {
    const method = (token.claims as JsonObject).method;
    if (isProofMethod(method)) return VERIFICATION_METHOD[method];
  }
  return null;
}

/** The journey for an action: one whose settings.actions lists it, else one with its id, else `fallback`. */
export async function journeyForAction(store: Store, action: string, fallback: string): Promise<string> {
  const journeys = (await store.journeys.list()).sort((a, b) => a.id.localeCompare(b.id));
  let byId: string | null = null;
  for (const journey of journeys) {
    if (journey.latestVersion === null) continue;
    const actions = await actionsOf(store, journey.id, journey.latestVersion);
    if (actions?.includes(action)) return journey.id;
    if (journey.id === action) byId = journey.id;
  }
  return byId ?? fallback;
}

/**
 * A published version's `settings.actions`, read once: a version never changes and its number is
 * never reused, so every `track` after the first costs the journey list alone, not a version and a
 * document read per journey.
 */
const actionsByVersion = new WeakMap<Store, Map<string, readonly unknown[] | null>>();

async function actionsOf(store: Store, journeyId: string, version: number): Promise<readonly unknown[] | null> {
  let known = actionsByVersion.get(store);
  if (!known) actionsByVersion.set(store, (known = new Map()));
  const key = `${journeyId}@${version}`;
  if (known.has(key)) return known.get(key)!;
  const record = await store.journeys.getVersion(journeyId, version);
  const document = record ? ((await store.journeys.getDocument(record.documentHash)) as { settings?: { actions?: unknown } } | null) : null;
  const actions = document?.settings?.actions;
  const found = Array.isArray(actions) ? actions : null;
  known.set(key, found);
  return found;
}
