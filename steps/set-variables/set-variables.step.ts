import { defineStep, RESERVED_VARIABLE_NAMES, VARIABLE_NAME_PATTERN } from '../../engine/sdk.js';

export const setVariablesStep = defineStep({
  type: 'set-variables',
  title: 'Set Variables',
  category: 'data',
  description: 'Sets session variables. Every value sees the variables as they were before this step.',
  interactive: false,
  writes: { configKeys: '/assign' },
  branches: ['next'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['assign'],
    properties: {
      assign: {
        type: 'object',
        title: 'Assign',
        description: 'Variable name → value (a literal or a {% %} expression).',
        propertyNames: { pattern: VARIABLE_NAME_PATTERN, not: { enum: RESERVED_VARIABLE_NAMES } },
      },
    },
  },
  run(ctx) {
    return ctx.branch('next', { variables: { ...ctx.config.assign } });
  },
});
