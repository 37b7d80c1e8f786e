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

/** The lockout key of a user's TOTP credential, or of an unknown username (counted the same way). */
export function totpAttemptKey(userId: string | null, username: string | null): { key: string; subject: string | null } {
  if (userId) return { key: `totp:user:${userId}`, subject: userId };
  return { key: `totp:unknown:${(username ?? '').normalize('NFC').toLowerCase()}`, subject: null };
}
