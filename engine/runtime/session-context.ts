/**
 * The session's state as the xstate machine keeps it in context: plain JSON, persisted with the
 * snapshot between HTTP round trips.
 */
import type { TimelineEvent } from '../store/store.js';
import type { AuthState, BranchEffects, ClientOption, IssuedToken, JsonObject, StepError, Submission, UserContext } from '../steps/step-types.js';
import { establishedWithoutFactor } from './auth-state.js';

export interface AskedStep {
  stepId: string;
  type: string;
  name: string;
  data: JsonObject;
  /** `data` sealed, for steps that ask with `sensitive` (then `data` is empty at rest). */
  sealedData?: string;
  options: ClientOption[];
  /**
   * The id the client sees and answers, when it differs from `stepId`: a step of a called journey
   * shows as `<callStepId>/<childStepId>` (sub-journeys, docs/sub-journeys.md).
   */
  shownId?: string;
}

export interface SessionContext {
  sessionId: string;
  journeyId: string;
  journeyVersion: number | null;
  testRun: boolean;
  startedAt: string;
  input: unknown;
  /** See SessionInput.trustedInput (absent in sessions stored before it existed: false). */
  trustedInput?: boolean;
  ui: { redirectUrl: string | null } | null;
  variables: Record<string, unknown>;
  user: UserContext | null;
  /** What this session proved about `user` (`$auth`); null while the user is not established. */
  auth: AuthState | null;
  /** Hash of the browser cookie of the request now running (`ctx.session.device`); null when none. */
  device: string | null;
  /** The network address of the request now running; null when unknown (absent in older sessions). */
  clientAddress?: string | null;
  tokens: IssuedToken[];
  /** What the current step kept with `ask({ state })` during this visit. */
  stepState: JsonObject | undefined;
  asked: AskedStep | null;
  submission: Submission | null;
  /** Shown while waiting: the last failure or refused answer since the previous submit. */
  lastError: StepError | null;
  /** Why the session ended rejected or failed. */
  endError: StepError | null;
  result: { token: string; claims: JsonObject } | null;
  /** The submit (or the start) now running: the key of its side effects. */
  runId: string;
  /** Steps run since the client last answered; bounds runaway journeys. */
  stepsSinceWait: number;
  /** Variable paths that hold secrets (a password a form collected): sealed whenever persisted. */
  secretPaths?: string[][];
  /** Timeline events not yet written to the store (flushed and emptied at each persist). */
  journal: TimelineEvent[];
  /** Set in a called journey's context only: the journeys calling it, outermost first. */
  callers?: string[];
}

export interface SessionInput {
  sessionId: string;
  journeyId: string;
  journeyVersion: number | null;
  testRun: boolean;
  startedAt: string;
  input: unknown;
  ui: { redirectUrl: string | null } | null;
  /**
   * The user context the session starts with, named by a trusted caller (an app or admin key, as
   * the Authsignal-compatible track does): established without a factor. Default none.
   */
  user?: UserContext | null;
  /** Hash of the starting request's browser cookie, when it carried one. */
  device?: string | null;
  /** The network address of the client of the starting request (send limits per client). */
  clientAddress?: string | null;
  /** The session was started by an app or admin key: its `$input` is the caller's word, not a user's. */
  trustedInput?: boolean;
  /** A called journey's start: what the calling session hands it (`$auth`, its step count, its run). */
  call?: { callers: string[]; auth: AuthState | null; stepsSinceWait: number; runId: string };
}

/** `runId` names one submit: side effects of that submit are keyed by it (at most once each). */
export type SubmitEvent = { type: 'SUBMIT'; submission: Submission; at: string; runId: string; device?: string | null; clientAddress?: string | null };
/** Sent by the driver when the step in `running` has finished. */
/** What running one step came to: the machine's STEP_DONE event carries it. */
export type StepRun = { stepId: string; at: string; durationMs: number; call?: CallEffects } & (
  | {
      kind: 'branch';
      branch: string;
      variables: Record<string, unknown>;
      user?: BranchEffects['user'];
      proved?: BranchEffects['proved'];
      established?: true;
      /** Variable paths that now hold secrets (sealed at rest). */
      secrets?: string[][];
      tokens: JsonObject[];
    }
  | { kind: 'fail'; error: StepError }
  | { kind: 'ask'; data: JsonObject; sealedData?: string; options: ClientOption[]; error: StepError | null; state: JsonObject | undefined }
  | { kind: 'complete'; claims: JsonObject; token: string }
  | { kind: 'reject'; error: StepError }
  /** Ends the session failed without following any failure branch. */
  | { kind: 'abort'; error: StepError }
);

/**
 * What a `journey.call` run brings back besides its outcome (engine/runtime/calls/): the child's
 * timeline events (ids already prefixed), the steps it ran, its `$auth` when it completed, and the
 * child step shown while it waits. Only the engine's call service attaches it (under CALL_EFFECTS).
 */
export interface CallEffects {
  journal: TimelineEvent[];
  stepsSinceWait: number;
  auth?: AuthState | null;
  shown?: { stepId: string; type: string; name: string; sealedData?: string };
}

/** The key of CallEffects on an outcome; a symbol, so no JSON a step builds can carry it. */
export const CALL_EFFECTS = Symbol('call effects');
/** The key of the running session's context on a step context, read by the call service. */
export const SESSION_CONTEXT = Symbol('session context');

export type StepDoneEvent = { type: 'STEP_DONE'; output: StepRun };
export type SessionEvent = SubmitEvent | StepDoneEvent;

export function initialContext(start: SessionInput): SessionContext {
  const { call, ...input } = start;
  return {
    ...input,
    variables: {},
    user: input.user ?? null,
    auth: call ? call.auth : input.user ? establishedWithoutFactor(input.user.id) : null,
    device: input.device ?? null,
    clientAddress: input.clientAddress ?? null,
    tokens: [],
    stepState: undefined,
    asked: null,
    submission: null,
    lastError: null,
    endError: null,
    result: null,
    runId: call ? call.runId : `start:${input.sessionId}`,
    stepsSinceWait: call ? call.stepsSinceWait : 0,
    journal: [],
    ...(call ? { callers: call.callers } : {}),
  };
}
