import { defineStep, JOURNEY_ID_PATTERN } from '../../engine/sdk.js';
import { outputVariableSchema } from '../shared-schemas.js';

export const journeyCallStep = defineStep({
  type: 'journey.call',
  title: 'Call Journey',
  category: 'logic',
  description:
    "Runs another published journey inside this session (a sub-journey): its steps are shown as this step's, `$user` and `$auth` go in and come back, its `complete` claims land in the output variable. A child that ends rejected or failed takes `failure` with the child's error.",
  // The child's steps may ask; the call itself asks only for them.
  interactive: true,
  writes: { output: { branches: ['success'] }, user: { branches: ['success'] }, auth: { branches: ['success'] } },
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['journeyId'],
    properties: {
      journeyId: { type: 'string', pattern: JOURNEY_ID_PATTERN, title: 'Journey', description: 'The published journey to run.' },
      version: {
        title: 'Version',
        description: 'A published version number, or "latest": the latest published when the session reaches this step (then kept for the session).',
        default: 'latest',
        oneOf: [
          { type: 'integer', minimum: 1 },
          { type: 'string', const: 'latest' },
        ],
      },
      input: {
        type: 'object',
        title: 'Input',
        description: "The child's `$input`: name → value (a literal or a {% %} expression), checked against the child's input schema.",
        default: {},
      },
      outputVariable: outputVariableSchema,
    },
  },
  run(ctx) {
    const { journeyId, version = 'latest', input = {} } = ctx.config;
    return ctx.services.journeys.run(ctx as never, { journeyId, version: version as number | 'latest', input: input as Record<string, never> });
  },
});
