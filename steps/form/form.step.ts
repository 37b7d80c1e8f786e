import { defineStep } from '../../engine/steps/define-step.js';
import { branchIdSchema, outputVariableSchema } from '../shared-schemas.js';

export const formStep = defineStep({
  type: 'form',
  title: 'Get Information from Client',
  category: 'input',
  description:
    'Shows a form with one or more options (e.g. "Sign in", "Cancel"). The chosen option decides the branch; its data, checked against the option schema, goes to the output variable.',
  interactive: true,
  branches: { from: '/options', key: 'id' },
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['outputVariable', 'options'],
    properties: {
      outputVariable: outputVariableSchema,
      title: { type: 'string', title: 'Title' },
      text: { type: 'string', title: 'Text' },
      options: {
        type: 'array',
        minItems: 1,
        title: 'Options',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: {
            id: { ...branchIdSchema, title: 'Branch id' },
            label: { type: 'string', title: 'Label' },
            schema: { type: 'object', title: 'Data schema (JSON Schema)' },
          },
        },
      },
    },
  },
  run(ctx) {
    if (ctx.submission) return ctx.branch(ctx.submission.option, { output: ctx.submission.data });
    const { title, text, options } = ctx.config;
    return ctx.ask({
      data: { ...(title !== undefined ? { title } : {}), ...(text !== undefined ? { text } : {}) },
      options: options.map((o) => ({ id: o.id, ...(o.label !== undefined ? { label: o.label } : {}), ...(o.schema ? { schema: o.schema } : {}) })),
    });
  },
});
