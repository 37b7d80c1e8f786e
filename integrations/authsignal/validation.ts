/**
 * validateChallenge, once: for the track's token (the session handle) or the completion token the
 * client SDK obtained. Shared by `POST /validate` and `POST /sessions` (createSession takes the
 * same token and spends it). A reviewed action answers its reviewer's decision, once.
 */
import { decodeJwt } from 'jose';
import { secretsEqual, sha256 } from '../../engine/security/constant-time.js';
import type { TokenService } from '../../engine/security/tokens.js';
import type { SessionRecord, Store } from '../../engine/store/store.js';
import { ActionRecords, REVIEW_DECISIONS, contextOf } from './actions.js';
import { actionState, parseHandle, verificationMethodOf } from './common.js';

export type Validation =
  | {
      isValid: true;
      state: string;
      stateUpdatedAt: string;
      userId: string;
      actionCode?: string;
      idempotencyKey: string;
      verificationMethod?: string;
    }
  | { isValid: false; error: string; state?: string; userId?: string; actionCode?: string; idempotencyKey?: string };

export interface ValidationDeps {
  store: Store;
  tokens: TokenService;
  actions: ActionRecords;
  now: () => Date;
}

export async function validateChallengeToken(deps: ValidationDeps, token: string, expected: { action?: unknown; userId?: unknown }): Promise<Validation> {
  const invalid = (error: string, extra: Partial<Validation> = {}): Validation => ({ isValid: false, error, ...extra }) as Validation;

  // The track's session handle, or the completion token (JWT) the client SDK obtained.
  let record: SessionRecord | null = null;
  let jwt: string | null = null;
  const handle = parseHandle(token);
  if (handle) {
    record = await deps.store.sessions.get(handle.sessionId);
    if (!record || !secretsEqual(sha256(handle.sessionToken), record.tokenHash)) return invalid('invalid_token');
    jwt = contextOf(record).result?.token ?? null;
  } else {
    let sid: unknown;
    try {
      sid = decodeJwt(token).sid;
    } catch {
      return invalid('invalid_token');
    }
    record = typeof sid === 'string' ? await deps.store.sessions.get(sid) : null;
    if (!record) return invalid('invalid_token');
    jwt = token;
  }
  const context = contextOf(record);
  const input = (context.input ?? {}) as { userId?: string; action?: string };
  const action = await deps.actions.current(record.id);
  const userId = action?.userId ?? input.userId ?? record.userId ?? undefined;
  const actionCode = input.action ?? action?.action;
  const about = { ...(userId ? { userId } : {}), ...(actionCode ? { actionCode } : {}), idempotencyKey: record.id };
  if (typeof expected.action === 'string' && expected.action !== actionCode) return invalid('action_mismatch', about);
  if (typeof expected.userId === 'string' && expected.userId !== userId) return invalid('user_mismatch', about);

  // A reviewer decided: their decision is the answer, and the token passes once.
  if (action?.reviewedAt) {
    if (!REVIEW_DECISIONS[action.state] || !userId) return invalid('action_blocked', { ...about, state: action.state });
    if (!(await deps.store.authsignalActions.markValidated(action.id, deps.now().toISOString()))) return invalid('token_already_used', { ...about, state: action.state });
    return { isValid: true, state: action.state, stateUpdatedAt: action.stateUpdatedAt, userId, ...about, ...(action.verificationMethod ? { verificationMethod: action.verificationMethod } : {}) };
  }

  if (record.status !== 'completed' || !jwt) {
    return invalid('challenge_not_completed', { ...about, state: action?.state ?? actionState(record.status, context.endError ?? context.lastError) });
  }
  // A user the session never established (a typed username, nothing proved) is nobody's proof,
  // unless the app, with its secret key, claimed the challenge for its user (claimChallenge).
  if (!context.auth && !action?.claimedAt) return invalid('user_not_established', { ...about, state: 'CHALLENGE_FAILED' });

  const validation = await deps.tokens.validate(jwt);
  if (!validation.valid) return invalid(validation.reason === 'already_used' ? 'token_already_used' : 'invalid_token', about);
  const verificationMethod = verificationMethodOf(context.tokens);
  const subject = validation.userId ?? userId;
  if (!subject) return invalid('user_not_established', { ...about, state: 'CHALLENGE_FAILED' });
  return {
    isValid: true,
    state: verificationMethod ? 'CHALLENGE_SUCCEEDED' : 'ALLOW',
    stateUpdatedAt: record.updatedAt,
    ...about,
    userId: subject,
    ...(verificationMethod ? { verificationMethod } : {}),
  };
}
