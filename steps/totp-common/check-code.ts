/**
 * Checking a TOTP code (or, when allowed, a recovery code) for a user, with the lockout, replay and
 * same-session rules of totp.authenticate; the challenge step checks app codes the same way.
 */
import type { AuthenticatorRecord, StepContext, StepError, UserRecord } from '../../engine/sdk.js';
import { recoveryAttemptKey, totpAttemptKey } from './config.js';
import { looksLikeRecoveryCode, matchRecoveryCode, newSecret, verifyTotp, type TotpParams } from './totp.js';
import { wrongCode } from '../otp-common/wrong-code.js';


export interface TotpCheckOptions {
  window: { past: number; future: number };
  maxFailedAttempts: number;
  lockoutSeconds: number;
  allowRecoveryCodes: boolean;
  allowSameSessionEnrollment: boolean;
}

/**
 * Checks a code against the user's confirmed authenticator apps with the lockout, replay and
 * same-session rules of totp.authenticate; `username` keys the lockout of an unknown user.
 * Fails invalid_code (wrong, replayed, unknown user or no authenticator alike) or locked.
 */
export async function checkTotpCode(
  ctx: StepContext<any>,
  user: UserRecord | null,
  username: string | null,
  code: string,
  config: TotpCheckOptions,
): Promise<{ user: UserRecord; authenticatorId: string; method: 'totp' | 'recovery_code' } | { error: StepError }> {
  const { credentials } = ctx.services;
  const now = ctx.now();
  const recovery = user !== null && config.allowRecoveryCodes && looksLikeRecoveryCode(code);
  const { key, subject } = recovery ? recoveryAttemptKey(user.id) : totpAttemptKey(user?.id ?? null, username);
  const lockUntil = new Date(now.getTime() + config.lockoutSeconds * 1000).toISOString();

  const candidates = user
    ? (await credentials.authenticators.listByUser(user.id)).filter((a) => usable(a, ctx.session, config.allowSameSessionEnrollment))
    : [];
  // A replayed code (valid, but for a time step already used) is refused without counting as a
  // failure: whoever saw a code go by must not be able to lock its owner out with it.
  // Its answer is a wrong code's, with the attempts left as they stand.
  if (!recovery && (await isReplay(ctx, candidates, code, config, now))) {
    return { error: wrongCode(config.maxFailedAttempts - ((await credentials.attempts.get(key))?.failures ?? 0)) };
  }

  // The attempt is taken (and counted) before any code is looked at: while locked, nothing is evaluated.
  const taken = await credentials.attempts.reserve(key, { kind: recovery ? 'recovery' : 'totp', subject }, config.maxFailedAttempts, now.toISOString(), lockUntil);
  if (taken === null) return { error: { code: 'locked', message: 'too many failed attempts: try again later' } };

  let accepted: string | null = null;
  for (const authenticator of candidates) {
    const secret = credentials.unseal(authenticator.sealedSecret!, `authenticator:${authenticator.id}`);
    const timeStep = await verifyTotp({
      secret,
      code,
      params: authenticator.params as unknown as TotpParams,
      window: config.window,
      now,
      afterTimeStep: authenticator.lastTimeStep,
    });
    // The compare-and-set makes a code single use even when two requests carry it at once. In a
    // submit it commits with the session's save as a guard (engine/runtime/run-writes.ts): when
    // another request used the time step first, the save rolls back and the submit runs again,
    // finding the code replayed.
    if (timeStep !== null && (await credentials.authenticators.advanceTimeStep(authenticator.id, timeStep, now.toISOString()))) {
      accepted = authenticator.id;
      break;
    }
  }
  if (candidates.length === 0) {
    // Unknown user or no app: spend the same work as a real check, so timing tells nothing.
    await verifyTotp({ secret: newSecret(), code, params: { algorithm: 'SHA1', digits: 6, period: 30 }, window: config.window, now });
  }
  let method: 'totp' | 'recovery_code' = 'totp';
  if (!accepted && recovery && candidates.length > 0) {
    const match = await matchRecoveryCode(code, await credentials.recoveryCodes.listUnused(user.id));
    if (match && (await credentials.recoveryCodes.consume(match.id, now.toISOString()))) {
      accepted = candidates[0].id;
      method = 'recovery_code';
    }
  }
  // The attempts left before the lockout, as enrolment shows them: counted per username for an
  // unknown user too, so the answer is the same whether the account exists or not.
  if (!accepted || !user) return { error: wrongCode(config.maxFailedAttempts - taken) };

  await credentials.attempts.reset(key);
  return { user, authenticatorId: accepted, method };
}

/** Whether the code is right for a time step an app already accepted (refused either way). */
async function isReplay(ctx: StepContext<any>, candidates: AuthenticatorRecord[], code: string, config: TotpCheckOptions, now: Date): Promise<boolean> {
  for (const authenticator of candidates) {
    if (authenticator.lastTimeStep === null) continue;
    const secret = ctx.services.credentials.unseal(authenticator.sealedSecret!, `authenticator:${authenticator.id}`);
    const timeStep = await verifyTotp({ secret, code, params: authenticator.params as unknown as TotpParams, window: config.window, now });
    if (timeStep !== null && timeStep <= authenticator.lastTimeStep) return true;
  }
  return false;
}

/** Confirmed apps only; by default not one enrolled in (or after the start of) this very session. */
function usable(authenticator: AuthenticatorRecord, session: { id: string; startedAt: string }, allowSameSession: boolean): boolean {
  if (authenticator.type !== 'totp' || !authenticator.confirmedAt || !authenticator.sealedSecret) return false;
  if (allowSameSession) return true;
  const enrolledHere = (authenticator.params as { enrolledInSession?: string }).enrolledInSession === session.id;
  return !enrolledHere && authenticator.confirmedAt <= session.startedAt;
}
