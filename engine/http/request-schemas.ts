/** JSON Schemas of the request bodies; the handlers' types are derived from them. */
import type { FromSchema } from 'json-schema-to-ts';

export const startBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    input: { type: 'object' },
    ui: {
      type: 'object',
      additionalProperties: false,
      properties: { redirectUrl: { type: 'string', minLength: 1, maxLength: 2048 } },
    },
  },
} as const;
export type StartBody = FromSchema<typeof startBodySchema>;

export const submitBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['stepId', 'option'],
  properties: {
    stepId: { type: 'string', minLength: 1, maxLength: 64 },
    option: { type: 'string', minLength: 1, maxLength: 64 },
    data: {},
  },
} as const;
export type SubmitBody = FromSchema<typeof submitBodySchema>;

export const validateTokenBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: {
    token: { type: 'string', minLength: 1, maxLength: 8192 },
    /** Refuse (without using it up) a token from another journey. */
    journeyId: { type: 'string', minLength: 1, maxLength: 128 },
    /** Refuse (without using it up) a token whose `amr` lacks any of these. */
    requireAmr: { type: 'array', maxItems: 8, uniqueItems: true, items: { type: 'string', enum: ['pwd', 'otp', 'sms', 'email', 'hwk', 'swk', 'mfa'] } },
  },
} as const;
export type ValidateTokenBody = FromSchema<typeof validateTokenBodySchema>;

export const testRunBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    input: { type: 'object' },
    version: { type: 'integer', minimum: 1 },
  },
} as const;
export type TestRunBody = FromSchema<typeof testRunBodySchema>;

export const journeyBodySchema = { type: 'object' } as const;

export const sessionListQuerySchema = {
  type: 'object',
  properties: {
    journeyId: { type: 'string' },
    status: { type: 'string', enum: ['waiting', 'completed', 'rejected', 'failed'] },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
  },
} as const;
export type SessionListQuery = FromSchema<typeof sessionListQuerySchema>;
