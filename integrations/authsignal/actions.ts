/**
 * Actions as records (#22): each track (and each server-side challenge) is an action an app reads
 * (getAction, queryUserActions) and an admin resolves (updateAction). Until it is resolved its
 * state is the journey's (the session it started); the last state seen is kept with the record, so
 * an action outlives its session. A reviewer's decision is final and is what validateChallenge
 * then answers.
 */
import type { SessionContext } from '../../engine/runtime/session-context.js';
import type { AuthsignalActionRecord, SessionRecord, Store } from '../../engine/store/store.js';
import { actionState, verificationMethodOf } from './common.js';

/** Every state the SDK names (UserActionState). */
export const ACTION_STATES = [
  'ALLOW',
  'BLOCK',
  'CHALLENGE_REQUIRED',
  'CHALLENGE_SUCCEEDED',
  'CHALLENGE_FAILED',
  'REVIEW_REQUIRED',
  'REVIEW_SUCCEEDED',
  'REVIEW_FAILED',
] as const;

/** What a reviewer may set on a REVIEW_REQUIRED action, and whether it lets the action through. */
export const REVIEW_DECISIONS: Record<string, boolean> = { ALLOW: true, REVIEW_SUCCEEDED: true, BLOCK: false, REVIEW_FAILED: false };

export function contextOf(record: SessionRecord): SessionContext {
  return (record.snapshot as unknown as { context: SessionContext }).context;
}

/**
 * The state of the session as an action: waiting → CHALLENGE_REQUIRED; completed → CHALLENGE_SUCCEEDED
 * when a factor was proved, else ALLOW; ended otherwise → REVIEW_REQUIRED / BLOCK by its reject
 * code, or CHALLENGE_FAILED when it had been waiting for a challenge.
 */
export function sessionActionState(session: SessionRecord, previous: string | null): { state: string; verificationMethod: string | null } {
  const context = contextOf(session);
  const verificationMethod = verificationMethodOf(context.tokens ?? []);
  if (session.status === 'completed') return { state: verificationMethod ? 'CHALLENGE_SUCCEEDED' : 'ALLOW', verificationMethod };
  const state = actionState(session.status, context.endError ?? context.lastError);
  if (state === 'BLOCK' && previous === 'CHALLENGE_REQUIRED') return { state: 'CHALLENGE_FAILED', verificationMethod };
  return { state, verificationMethod };
}

export class ActionRecords {
  constructor(private readonly deps: { store: Store; now: () => Date }) {}

  async recordStart(sessionId: string, userId: string | null, action: string, state: string): Promise<void> {
    const now = this.deps.now().toISOString();
    await this.deps.store.authsignalActions.create({
      id: sessionId,
      userId,
      action,
      state,
      stateUpdatedAt: now,
      verificationMethod: null,
      reviewedAt: null,
      validatedAt: null,
      claimedAt: null,
      createdAt: now,
    });
  }

  /** The action brought up to date with its session (while it has one and nobody reviewed it). */
  async current(id: string): Promise<AuthsignalActionRecord | null> {
    const action = await this.deps.store.authsignalActions.get(id);
    return action && this.refreshed(action);
  }

  /** An action already read (a listing's) brought up to date the same way, without reading it again. */
  async refreshed(action: AuthsignalActionRecord): Promise<AuthsignalActionRecord> {
    if (action.reviewedAt) return action;
    const id = action.id;
    const session = await this.deps.store.sessions.get(id);
    if (!session) return action;
    const { state, verificationMethod } = sessionActionState(session, action.state);
    if (state === action.state && verificationMethod === action.verificationMethod) return action;
    const at = this.deps.now().toISOString();
    await this.deps.store.authsignalActions.observe(id, state, verificationMethod, at);
    return (await this.deps.store.authsignalActions.get(id)) ?? action;
  }
}
