import { defineStep } from '../../engine/sdk.js';

export const rejectStep = defineStep({
  type: 'reject',
  title: 'Reject Access',
  category: 'outcome',
  description: 'Ends the session rejected with an error code and message for the client.',
  interactive: false,
  writes: {},
  terminal: true,
  branches: [],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['code'],
    properties: {
      code: { type: 'string', minLength: 1, title: 'Error code' },
      message: { type: 'string', title: 'Message' },
    },
  },
  run(ctx) {
    return ctx.reject({ code: ctx.config.code, message: ctx.config.message ?? ctx.config.code });
  },
});
