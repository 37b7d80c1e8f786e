import { defineStep } from '../../engine/sdk.js';

export const completeStep = defineStep({
  type: 'complete',
  title: 'Complete Journey',
  category: 'outcome',
  description: 'Ends the session completed, with a signed token carrying the claims.',
  interactive: false,
  writes: {},
  terminal: true,
  branches: [],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      claims: { type: 'object', title: 'Claims', description: 'Added to the token; the registered claims cannot be overridden.' },
    },
  },
  run(ctx) {
    return ctx.complete(ctx.config.claims ?? {});
  },
});
