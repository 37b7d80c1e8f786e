import { defineStep } from '../../engine/sdk.js';

export const authenticatorCheckStep = defineStep({
  type: 'authenticator.check',
  title: 'Has Authenticator',
  category: 'authentication',
  description:
    'Branches on whether the established user has a confirmed authenticator of a kind (an authenticator app by default): "present" or "absent". Only for an established user ($auth), so a journey cannot be used to learn which usernames have an app; fails unauthenticated otherwise.',
  interactive: false,
  writes: {},
  branches: ['present', 'absent'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      kind: { type: 'string', enum: ['totp', 'sms', 'email', 'password', 'passkey'], default: 'totp', title: 'Authenticator kind' },
    },
  },
  async run(ctx) {
    if (!ctx.user || ctx.auth?.userId !== ctx.user.id) {
      return ctx.fail({ code: 'unauthenticated', message: 'the user is not established: prove a factor first' });
    }
    const authenticators = await ctx.services.credentials.authenticators.listByUser(ctx.user.id);
    const present = authenticators.some((a) => a.type === ctx.config.kind && a.confirmedAt !== null);
    return ctx.branch(present ? 'present' : 'absent');
  },
});
