/**
 * Validator checks about who the session's user is (pure, like the rest of the validator):
 *
 * - `unauthenticated_completion`: in a public journey, a `complete` step reachable on a path where
 *   `$user` was set only by identifying a typed username (or id) and no factor was proved after.
 *   Anyone who knows a username would get a completed session, and its token, for that user.
 * - `deprecated_create_flag`: a `user.identify` still using `create` instead of `mode`.
 *
 * The first is a dataflow over the step graph: every path carries a state, "no user", "identified"
 * (named, nothing proved) or "established" (created here, or a factor proved), and a step's
 * branches carry the state its outcome leaves. A `failure` branch carries the state unchanged: the
 * step proved nothing. Each (step, state) pair is visited once, so loops end.
 */
import type { Diagnostic } from './diagnostics.js';
import { pointer } from './schema-validator.js';

/** Step types whose non-failure outcomes prove a factor for the user (enrolment is not proof). */
export const FACTOR_STEP_TYPES: readonly string[] = [
  'totp.authenticate',
  'password.authenticate',
  'sms.otp',
  'email.otp',
  'email.link',
  'challenge',
  'passkey.authenticate',
];

/** Factor steps that find their user themselves (by username) and prove it in the same outcome. */
const SIGN_IN_STEP_TYPES: readonly string[] = ['totp.authenticate', 'password.authenticate', 'passkey.authenticate'];

/** Branches of factor steps that are taken without a proof (another way chosen): like `failure`. */
const UNPROVED_BRANCHES: Readonly<Record<string, readonly string[]>> = { 'passkey.authenticate': ['username', 'skipped'] };

type UserState = 'none' | 'identified' | 'established';

type AnyRecord = Record<string, unknown>;
const isRecord = (value: unknown): value is AnyRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

export function checkAuthentication(document: AnyRecord, steps: Record<string, unknown>, add: (d: Diagnostic) => void): void {
  for (const [stepId, step] of Object.entries(steps)) {
    if (isRecord(step) && step.type === 'user.identify' && isRecord(step.config) && Object.hasOwn(step.config, 'create')) {
      add({
        severity: 'warning',
        code: 'deprecated_create_flag',
        message: '"create" is deprecated: migrate to "mode" ("find-or-create" for create: true, "find" for false; "create" creates only new users)',
        path: `${pointer('steps', stepId)}/config/create`,
        stepId,
      });
    }
  }

  const isPublic = isRecord(document.settings) && document.settings.public === true;
  if (!isPublic || typeof document.start !== 'string' || !isRecord(steps[document.start])) return;
  const visited = new Map<string, Set<UserState>>();
  const unproved = new Set<string>();
  const work: Array<[string, UserState]> = [[document.start, 'none']];
  while (work.length) {
    const [stepId, state] = work.pop()!;
    const states = visited.get(stepId) ?? new Set<UserState>();
    if (states.has(state)) continue;
    states.add(state);
    visited.set(stepId, states);
    const step = steps[stepId];
    if (!isRecord(step)) continue;
    if (step.type === 'complete' && state === 'identified') unproved.add(stepId);
    if (!isRecord(step.branches)) continue;
    const next = stateAfter(step, state);
    for (const [branch, target] of Object.entries(step.branches)) {
      if (typeof target !== 'string' || !isRecord(steps[target])) continue;
      const proves = branch !== 'failure' && !(UNPROVED_BRANCHES[String(step.type)] ?? []).includes(branch);
      work.push([target, proves ? next : state]);
    }
  }
  // In document order, so the diagnostics are stable.
  for (const stepId of Object.keys(steps)) {
    if (!unproved.has(stepId)) continue;
    add({
      severity: 'warning',
      code: 'unauthenticated_completion',
      message:
        'this public journey can complete here for a user only identified by what the client typed, with no factor proved after: ' +
        `anyone who knows a username gets a completed session for it. Prove a factor first (${FACTOR_STEP_TYPES.join(', ')}) ` +
        'or create the user (user.identify mode "create")',
      path: pointer('steps', stepId),
      stepId,
    });
  }
}

/** The state a step's non-failure outcomes leave. */
function stateAfter(step: AnyRecord, state: UserState): UserState {
  const type = step.type;
  if (type === 'user.identify') {
    // Only "create" (a new user, made by this session) establishes; finding a user proves nothing.
    return isRecord(step.config) && step.config.mode === 'create' ? 'established' : 'identified';
  }
  if (typeof type === 'string' && FACTOR_STEP_TYPES.includes(type)) {
    return state === 'none' && !SIGN_IN_STEP_TYPES.includes(type) ? 'none' : 'established';
  }
  return state;
}
