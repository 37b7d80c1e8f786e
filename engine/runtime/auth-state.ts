/**
 * The session's authentication state (`$auth`): who is established and by which factors. It only
 * ever moves forward for one user: a step that answers another user drops it, unless that same
 * outcome proves a factor for them or establishes them (created them, or a trusted caller named them). So `$auth` can never describe a user that this
 * session did not create, was not handed by a trusted caller, or did not prove.
 */
import type { AuthMethod, AuthState, UserContext } from '../steps/step-types.js';

/** The `amr` value added once two distinct methods passed (RFC 8176). */
export const MFA = 'mfa';

/** The auth state of a user a trusted caller (an app or admin key) named at start. */
export function establishedWithoutFactor(userId: string): AuthState {
  return { userId, amr: [], authTime: null };
}

/**
 * The auth state after a step's outcome. `user` is the outcome's user (undefined: unchanged),
 * `proved` the factor it proved, `established` whether the step established that user without a factor.
 */
export function nextAuthState(
  auth: AuthState | null,
  currentUser: UserContext | null,
  outcome: { user?: UserContext | null; proved?: AuthMethod; established?: boolean },
  at: string,
): AuthState | null {
  const user = outcome.user !== undefined ? outcome.user : currentUser;
  if (!user) return null;
  let next = auth && auth.userId === user.id ? auth : outcome.established ? establishedWithoutFactor(user.id) : null;
  if (outcome.proved) next = withFactor(next ?? establishedWithoutFactor(user.id), outcome.proved, at);
  return next;
}

function withFactor(auth: AuthState, method: AuthMethod, at: string): AuthState {
  const methods = auth.amr.filter((value) => value !== MFA);
  if (!methods.includes(method)) methods.push(method);
  return { userId: auth.userId, amr: methods.length >= 2 ? [...methods, MFA] : methods, authTime: at };
}
