import { defineStep } from '../../engine/sdk.js';
import { branchIdSchema } from '../shared-schemas.js';

export const switchStep = defineStep({
  type: 'switch',
  title: 'Switch',
  category: 'logic',
  description: 'Follows the first case whose "when" expression is true, else "default".',
  interactive: false,
  writes: {},
  branches: { from: '/cases', key: 'id', extra: ['default'] },
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['cases'],
    properties: {
      cases: {
        type: 'array',
        title: 'Cases',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'when'],
          properties: {
            id: { ...branchIdSchema, title: 'Branch id' },
            when: { type: 'boolean', title: 'When', description: 'A {% %} expression giving true or false.' },
          },
        },
      },
    },
  },
  run(ctx) {
    const match = ctx.config.cases.find((c) => c.when === true);
    return ctx.branch(match ? match.id : 'default');
  },
});
