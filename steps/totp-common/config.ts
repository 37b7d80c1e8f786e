/** Config fragments the TOTP steps share (the spec's bounds). */
export const windowSchema = {
  type: 'object',
  additionalProperties: false,
  title: 'Accepted clock drift (time steps)',
  properties: {
    past: { type: 'integer', minimum: 0, maximum: 2, default: 1 },
    future: { type: 'integer', minimum: 0, maximum: 2, default: 1 },
  },
  default: { past: 1, future: 1 },
} as const;

export const codeSchema = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: { type: 'string', minLength: 1, maxLength: 32, title: 'Code', writeOnly: true } },
} as const;

/**
 * The lockout key of a user's recovery codes: a credential of its own, so that whoever locks the
 * authenticator app with wrong codes has not also locked its owner's way back in.
 */
export function recoveryAttemptKey(userId: string): { key: string; subject: string } {
  return { key: `recovery:user:${userId}`, subject: userId };
}

/** The lockout key of a user's TOTP credential, or of an unknown username (counted the same way). */
export function totpAttemptKey(userId: string | null, username: string | null): { key: string; subject: string | null } {
  if (userId) return { key: `totp:user:${userId}`, subject: userId };
  return { key: `totp:unknown:${(username ?? '').normalize('NFC').toLowerCase()}`, subject: null };
}
