/** Schemas the password steps share: the options they ask with, and their config fragments. */
import { MAX_PASSWORD_LENGTH } from './policy.js';

/** A password field: never echoed (writeOnly), drawn as a password input by the hosted runner. */
const passwordField = (title: string, description?: string) =>
  ({
    type: 'string',
    format: 'password',
    writeOnly: true,
    minLength: 1,
    maxLength: MAX_PASSWORD_LENGTH,
    title,
    ...(description ? { description } : {}),
  }) as const;

/** password.set's option `set`: the new password (the runner offers `autocomplete="new-password"`). */
export function setOptionSchema(minLength: number) {
  return {
    type: 'object',
    required: ['password'],
    additionalProperties: false,
    properties: { password: passwordField('New password', `At least ${minLength} characters. A phrase of several unrelated words works well.`) },
  } as const;
}

/** password.authenticate's option `verify` (the runner offers `autocomplete="current-password"`). */
export const verifyOptionSchema = {
  type: 'object',
  required: ['password'],
  additionalProperties: false,
  properties: { password: passwordField('Password') },
} as const;

export const lockoutConfig = {
  maxFailedAttempts: { type: 'integer', minimum: 1, maximum: 100, default: 5, title: 'Failures before lockout' },
  lockoutSeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 300, title: 'Lockout (seconds)' },
} as const;
