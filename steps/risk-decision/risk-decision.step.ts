import { defineStep } from '../../engine/sdk.js';

const outcomes = ['allow', 'challenge', 'block', 'review'] as const;

export const riskDecisionStep = defineStep({
  type: 'risk.decision',
  title: 'Risk Decision',
  category: 'logic',
  description:
    'Evaluates rules in order; the first whose "when" is true gives the outcome (allow, challenge, block, review), else the default. The outcome is also stored in variable "risk" as { outcome, rule }.',
  interactive: false,
  writes: {
    variables: { risk: { shape: { type: 'object', additionalProperties: false, properties: { outcome: { type: 'string' }, rule: { type: ['string', 'integer', 'null'] } } } } },
  },
  branches: outcomes,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      rules: {
        type: 'array',
        title: 'Rules',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['when', 'outcome'],
          properties: {
            name: { type: 'string', title: 'Name' },
            when: { type: 'boolean', title: 'When', description: 'A {% %} expression giving true or false.' },
            outcome: { type: 'string', enum: outcomes, title: 'Outcome' },
          },
        },
      },
      default: { type: 'string', enum: outcomes, default: 'allow', title: 'Default outcome' },
    },
  },
  run(ctx) {
    const rules = ctx.config.rules ?? [];
    const index = rules.findIndex((r) => r.when === true);
    const outcome = index >= 0 ? rules[index].outcome : ctx.config.default;
    const rule = index >= 0 ? (rules[index].name ?? index) : null;
    return ctx.branch(outcome, { variables: { risk: { outcome, rule } } });
  },
});
