import { defineStep, type StepContext, type StepError, type StepOutcome } from '../../engine/sdk.js';
import { setOptionSchema } from '../password-common/config.js';
import { hashPassword, passwordAttemptKey, replacePassword } from '../password-common/hashing.js';
import { checkNewPassword, MAX_PASSWORD_LENGTH, MIN_MIN_LENGTH, SINGLE_FACTOR_MIN_LENGTH } from '../password-common/policy.js';

const UNAUTHENTICATED: StepError = {
  code: 'unauthenticated',
  message: 'a password can only be set for a user this session created or authenticated',
};

export const passwordSetStep = defineStep({
  type: 'password.set',
  title: 'Set Password',
  category: 'authentication',
  description:
    'Sets (or replaces) the password of the user in context, asked from the client with option "set" unless given as an expression. Only for an established user (created by this session, named by a trusted caller, or authenticated): otherwise fails unauthenticated. A password that is too short, common, or contains the username is refused with weak_password (asked again when the step asked for it). Stored as an argon2id hash, sealed.',
  interactive: true,
  writes: {},
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      minLength: {
        type: 'integer',
        minimum: MIN_MIN_LENGTH,
        maximum: 64,
        default: SINGLE_FACTOR_MIN_LENGTH,
        title: 'Minimum length (below 15 only in journeys that also prove a second factor)',
      },
      password: { type: 'string', writeOnly: true, title: 'Password (when absent, asked from the client)' },
    },
  },
  async run(ctx) {
    // Setting a password for a user nobody proved would hand the account to whoever typed a name.
    const subject = ctx.user;
    if (!subject || !ctx.auth || ctx.auth.userId !== subject.id) return ctx.fail({ ...UNAUTHENTICATED });
    const user = await ctx.services.users.findById(subject.id);
    if (!user) return ctx.fail({ code: 'user_not_found', message: 'the user in context no longer exists' });

    const minLength = ctx.config.minLength;
    const asked = !ctx.hasConfig('password');
    let raw: string;
    if (!asked) raw = typeof ctx.config.password === 'string' ? ctx.config.password : '';
    else if (!ctx.submission) return askForPassword(ctx, minLength, null);
    else raw = String((ctx.submission.data as { password?: unknown } | null)?.password ?? '');

    const checked = checkNewPassword(raw, { minLength, username: user.username });
    if (!checked.ok) {
      const error: StepError = { code: 'weak_password', message: checked.message, details: { reason: checked.reason, minLength } };
      return asked ? askForPassword(ctx, minLength, error) : ctx.fail(error);
    }

    const { credentials } = ctx.services;
    await replacePassword(credentials, user.id, await hashPassword(checked.password), ctx.now().toISOString());
    // A new password starts with a clean slate: a lockout of the old one does not carry over.
    await credentials.attempts.reset(passwordAttemptKey(user.id, user.username).key);
    return ctx.branch('success');
  },
});

function askForPassword(ctx: StepContext<any>, minLength: number, error: StepError | null): StepOutcome {
  return ctx.ask({
    data: { minLength, maxLength: MAX_PASSWORD_LENGTH },
    options: [{ id: 'set', label: 'Set password', schema: setOptionSchema(minLength) }],
    error,
  });
}
