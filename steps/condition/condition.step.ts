import { defineStep } from '../../engine/sdk.js';

export const conditionStep = defineStep({
  type: 'condition',
  title: 'Condition',
  category: 'logic',
  description: 'Follows "true" or "false" by a boolean expression. A result that is not a boolean fails with expression_error.',
  interactive: false,
  writes: { guard: { branches: ['true'], expression: '/expression' } },
  branches: ['true', 'false'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['expression'],
    properties: {
      expression: { type: 'boolean', title: 'Expression', description: 'A {% %} expression giving true or false.' },
    },
  },
  run(ctx) {
    return ctx.branch(ctx.config.expression ? 'true' : 'false');
  },
});
