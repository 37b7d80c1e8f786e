import type { FromSchema } from 'json-schema-to-ts';

/**
 * The journey document's JSON Schema: the one source of truth. `engine/journey.schema.json`
 * (what journey files point their `$schema` at) is generated from it by `npm run generate:schema`,
 * and a test fails when the two drift apart. The TypeScript types below are derived from it.
 */

export const JOURNEY_ID_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';
export const STEP_ID_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';
/**
 * Variable names are JSONata field names at the root; prototype keys are refused outright (with
 * `not: { enum: RESERVED_VARIABLE_NAMES }` beside the pattern: patterns run on RE2, which has no
 * lookahead).
 */
export const VARIABLE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';
export const RESERVED_VARIABLE_NAMES = ['__proto__', 'constructor', 'prototype'] as const;

export const stepSchema = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', minLength: 1, maxLength: 100, description: 'A registered step type.' },
    name: { type: 'string', maxLength: 200, description: 'Label shown in the designer and in session history.' },
    description: { type: 'string', maxLength: 2000 },
    config: { type: 'object', description: "The step type's settings, validated against its configSchema." },
    branches: {
      type: 'object',
      description: 'Branch name to target step id.',
      propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' },
      additionalProperties: { type: 'string' },
    },
    errorOutputVariable: {
      type: 'string',
      pattern: VARIABLE_NAME_PATTERN,
      not: { enum: RESERVED_VARIABLE_NAMES },
      description: "Where the step's error object { code, message, details? } is stored when it fails.",
    },
    onFailure: {
      type: 'string',
      enum: ['branch', 'abort'],
      description: '"branch" (default): follow the failure branch when wired, else abort. "abort": end the session failed.',
    },
  },
} as const;

export const journeySchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://journey-engine.local/schemas/journey.schema.json',
  title: 'Journey',
  description: 'A journey document, version 1 of the journey format.',
  type: 'object',
  required: ['id', 'start', 'steps'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: JOURNEY_ID_PATTERN, description: 'Unique per installation.' },
    name: { type: 'string', maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    start: { type: 'string', description: 'The id of the first step.' },
    input: { type: 'object', description: 'A JSON Schema for the start input.' },
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: {
        public: { type: 'boolean', description: 'A client may start it without a key.' },
        sessionTtlSeconds: { type: 'integer', minimum: 30, maximum: 604800, description: 'Default 900.' },
        actions: {
          type: 'array',
          items: { type: 'string', minLength: 1, maxLength: 100 },
          description: 'Action names that start this journey through the Authsignal-compatible API.',
        },
      },
    },
    steps: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: STEP_ID_PATTERN },
      additionalProperties: stepSchema,
    },
    // The hosted runner in the user's language (issue #21): the journey's own texts per locale.
    texts: {
      type: 'object',
      description:
        "Translations of the journey's own texts (step titles and texts, option and field labels, reject messages) for the hosted runner: by locale (BCP 47, e.g. fr, pt-BR, ar), then by the text as the journey writes it. The runner shows a text's translation for the user's language and the text itself otherwise.",
      propertyNames: { pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' },
      additionalProperties: {
        type: 'object',
        propertyNames: { minLength: 1, maxLength: 2000 },
        additionalProperties: { type: 'string', maxLength: 2000 },
      },
    },
    layout: {
      type: 'object',
      description: 'Designer positions only; the engine ignores it.',
      additionalProperties: {
        type: 'object',
        required: ['x', 'y'],
        properties: { x: { type: 'number' }, y: { type: 'number' } },
      },
    },
  },
} as const;

export type Journey = FromSchema<typeof journeySchema>;
export type JourneyStep = FromSchema<typeof stepSchema>;
