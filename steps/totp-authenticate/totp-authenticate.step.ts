import { defineStep, toUserContext } from '../../engine/sdk.js';
import { checkTotpCode } from '../totp-common/check-code.js';
import { codeSchema, windowSchema } from '../totp-common/config.js';

export const totpAuthenticateStep = defineStep({
  type: 'totp.authenticate',
  offers: { verify: [{ method: 'totp', option: 'verify' }] },
  title: 'TOTP Authentication',
  category: 'authentication',
  description:
    'Checks a code from the user\'s authenticator app (username and code as expressions, or the code asked from the client). On success the user context becomes the authenticated user. Fails invalid_code (wrong, replayed, unknown user or no authenticator alike) or locked.',
  interactive: true,
  writes: { user: {}, auth: {} },
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      username: { type: 'string', minLength: 1, title: 'Username (default: $user.username)' },
      code: { type: 'string', writeOnly: true, title: 'Code (when absent, asked from the client)' },
      window: windowSchema,
      maxFailedAttempts: { type: 'integer', minimum: 1, maximum: 100, default: 5, title: 'Failures before lockout' },
      lockoutSeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 300, title: 'Lockout (seconds)' },
      allowRecoveryCodes: { type: 'boolean', default: false, title: 'Accept recovery codes' },
      allowSameSessionEnrollment: { type: 'boolean', default: false, title: 'Accept an app enrolled in this same session' },
    },
  },
  async run(ctx) {
    let code: string;
    if (ctx.hasConfig('code')) {
      code = typeof ctx.config.code === 'string' ? ctx.config.code : '';
    } else if (!ctx.submission) {
      return ctx.ask({ data: {}, options: [{ id: 'verify', label: 'Verify', schema: codeSchema }] });
    } else {
      code = String((ctx.submission.data as { code?: unknown }).code ?? '');
    }

    const username = ctx.config.username ?? ctx.user?.username ?? null;
    const user = username ? await ctx.services.users.findByUsername(username) : null;
    const checked = await checkTotpCode(ctx, user, username, code, ctx.config);
    if ('error' in checked) return ctx.fail(checked.error);
    return ctx.branch('success', {
      user: toUserContext(checked.user),
      proved: 'otp',
      tokens: [{ type: 'totp', claims: { userId: checked.user.id, authenticatorId: checked.authenticatorId, method: checked.method } }],
    });
  },
});
