import { defineStep } from '../../engine/sdk.js';

export const userUnlockStep = defineStep({
  type: 'user.unlock',
  title: 'Unlock User',
  category: 'identity',
  description:
    'Clears every failure count and lockout of the established user ($auth), for example at the end of an account recovery, so that whoever locked the account with wrong guesses has not locked its owner out. Fails unauthenticated for a user that is not established.',
  interactive: false,
  writes: {},
  branches: ['success'],
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  async run(ctx) {
    if (!ctx.user || ctx.auth?.userId !== ctx.user.id) {
      return ctx.fail({ code: 'unauthenticated', message: 'the user is not established: prove a factor first' });
    }
    await ctx.services.credentials.attempts.clearSubject(ctx.user.id);
    return ctx.branch('success');
  },
});
