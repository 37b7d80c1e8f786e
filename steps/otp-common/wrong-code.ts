/**
 * The one answer to a wrong code, whichever step checked it: enrolling an authenticator app
 * (totp.register, the challenge step's enrolment), a code sent by SMS or email, or signing in
 * with an app (totp.authenticate, the challenge step): "the code is not valid: 2 attempts left",
 * so a user reads the same thing, with the attempts left, wherever they type a code. The count is
 * also given as `attemptsLeft` (in the step response's error), so a client shows it in its own words.
 */
import type { StepError } from '../../engine/sdk.js';

export function wrongCode(attemptsLeft: number): StepError {
  const left = Math.max(0, attemptsLeft);
  const count = left === 0 ? 'no attempts left' : `${left} ${left === 1 ? 'attempt' : 'attempts'} left`;
  return { code: 'invalid_code', message: `the code is not valid: ${count}`, details: { attemptsLeft: left } };
}
