import { defineStep, toUserContext, type StepContext, type StepError, type StepOutcome, type UserRecord } from '../../engine/sdk.js';
import { lockoutConfig, verifyOptionSchema } from '../password-common/config.js';
import { DUMMY_HASH, findPassword, hashPassword, needsRehash, passwordAttemptKey, storedHash, updateHash, verifyPassword } from '../password-common/hashing.js';
import { MAX_PASSWORD_LENGTH, normalisePassword } from '../password-common/policy.js';

const INVALID: StepError = { code: 'invalid_credentials', message: 'The username or password is incorrect.' };
const LOCKED: StepError = { code: 'locked', message: 'Too many failed attempts. Try again later.' };

export const passwordAuthenticateStep = defineStep({
  type: 'password.authenticate',
  title: 'Password Authentication',
  category: 'authentication',
  description:
    'Checks the password of a user (username and password as expressions, or the password asked from the client with option "verify"). On success the user context becomes that user, who has proved "pwd". Fails invalid_credentials (wrong password, unknown user or no password alike) or locked; a wrong password the step asked for is asked again until locked.',
  interactive: true,
  writes: { user: {}, auth: {} },
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      username: { type: 'string', minLength: 1, maxLength: 256, title: 'Username (default: $user.username)' },
      password: { type: 'string', writeOnly: true, title: 'Password (when absent, asked from the client)' },
      ...lockoutConfig,
    },
  },
  async run(ctx) {
    const asked = !ctx.hasConfig('password');
    let password: string;
    if (!asked) password = typeof ctx.config.password === 'string' ? ctx.config.password : '';
    else if (!ctx.submission) return askForPassword(ctx, null);
    else password = String((ctx.submission.data as { password?: unknown } | null)?.password ?? '');

    const users = ctx.services.users;
    const username = ctx.config.username ?? ctx.user?.username ?? null;
    const user =
      ctx.config.username !== undefined ? await users.findByUsername(ctx.config.username) : ctx.user ? await users.findById(ctx.user.id) : null;

    const checked = await checkPassword(ctx, user, username, password, ctx.config);
    if ('error' in checked) {
      // Asked by the step: the person may try again (each try counts toward the lockout).
      return asked && checked.error.code === 'invalid_credentials' ? askForPassword(ctx, checked.error) : ctx.fail(checked.error);
    }
    return ctx.branch('success', {
      user: toUserContext(checked.user),
      proved: 'pwd',
      tokens: [{ type: 'password', claims: { userId: checked.user.id, authenticatorId: checked.authenticatorId } }],
    });
  },
});

function askForPassword(ctx: StepContext<any>, error: StepError | null): StepOutcome {
  return ctx.ask({ data: {}, options: [{ id: 'verify', label: 'Sign in', schema: verifyOptionSchema }], error });
}

export interface PasswordCheckOptions {
  maxFailedAttempts: number;
  lockoutSeconds: number;
}

/**
 * Checks a password against the user's stored hash with totp.authenticate's lockout rules (the
 * attempt is taken before anything is evaluated; a success resets the count); `username` keys
 * the lockout of an unknown user. Unknown users and users without a password are verified against
 * a dummy hash, so the answer and the work are the same as for a wrong password. A hash made with
 * other parameters than the current ones is replaced after a success.
 */
export async function checkPassword(
  ctx: StepContext<any>,
  user: UserRecord | null,
  username: string | null,
  rawPassword: string,
  config: PasswordCheckOptions,
): Promise<{ user: UserRecord; authenticatorId: string } | { error: StepError }> {
  const { credentials } = ctx.services;
  const now = ctx.now();
  const { key, subject } = passwordAttemptKey(user?.id ?? null, username);
  const lockUntil = new Date(now.getTime() + config.lockoutSeconds * 1000).toISOString();
  const taken = await credentials.attempts.reserve(key, { kind: 'password', subject }, config.maxFailedAttempts, now.toISOString(), lockUntil);
  if (taken === null) return { error: { ...LOCKED } };

  // Beyond the longest password that can be set, nothing can match: still do the same work.
  const password = normalisePassword(rawPassword.length > 4 * MAX_PASSWORD_LENGTH ? '' : rawPassword);
  const authenticator = user ? await findPassword(credentials, user.id) : null;
  const phc = authenticator ? storedHash(credentials, authenticator) : DUMMY_HASH;
  const matches = await verifyPassword(phc, password);
  if (!matches || !user || !authenticator) return { error: { ...INVALID } };

  await credentials.attempts.reset(key);
  if (needsRehash(phc)) await updateHash(credentials, authenticator.id, await hashPassword(password));
  return { user, authenticatorId: authenticator.id };
}
