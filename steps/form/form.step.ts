import { defineStep } from '../../engine/sdk.js';
import { branchIdSchema, outputVariableSchema } from '../shared-schemas.js';

/** Fields a schema marks `writeOnly` or `format: "password"` (nested objects included): kept sealed. */
function secretPaths(schema: unknown, prefix: string[] = []): string[][] {
  const properties = (schema as { properties?: Record<string, Record<string, unknown>> } | undefined)?.properties;
  if (!properties || typeof properties !== 'object') return [];
  return Object.entries(properties).flatMap(([name, field]) =>
    field?.writeOnly === true || field?.format === 'password' ? [[...prefix, name]] : secretPaths(field, [...prefix, name]),
  );
}

export const formStep = defineStep({
  type: 'form',
  title: 'Get Information from Client',
  category: 'input',
  description:
    'Shows a form with one or more options (e.g. "Sign in", "Cancel"). The chosen option decides the branch; its data, checked against the option schema, goes to the output variable.',
  interactive: true,
  writes: { output: { shapeFromBranchItem: true } },
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
    if (ctx.submission) {
      const schema = ctx.config.options.find((o) => o.id === ctx.submission!.option)?.schema;
      const secrets = secretPaths(schema);
      return ctx.branch(ctx.submission.option, { output: ctx.submission.data, ...(secrets.length ? { secrets } : {}) });
    }
    const { title, text, options } = ctx.config;
    return ctx.ask({
      data: { ...(title !== undefined ? { title } : {}), ...(text !== undefined ? { text } : {}) },
      options: options.map((o) => ({ id: o.id, ...(o.label !== undefined ? { label: o.label } : {}), ...(o.schema ? { schema: o.schema } : {}) })),
    });
  },
});
