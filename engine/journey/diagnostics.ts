/**
 * What the validator reports: the diagnostic codes (journeys.md, "Diagnostics") and the JSON
 * Schema of a diagnostic and of a validation result (the API serves them as they are), with their
 * types derived. A leaf module, so that the HTTP contract can describe diagnostics without
 * importing the validator (which imports the step registry and, through it, the store).
 */
import type { FromSchema } from 'json-schema-to-ts';

export const DIAGNOSTIC_CODES = [
  'invalid_document',
  'missing_start',
  'unknown_step_type',
  'invalid_config',
  'expression_syntax',
  'unsupported_pattern',
  'missing_target',
  'unknown_branch',
  'no_terminal',
  'busy_loop',
  'unwired_branch',
  'unreachable_step',
  'unauthenticated_completion',
  'deprecated_create_flag',
  // Data flow (engine/journey/data-flow/): what expressions read against what steps write.
  'unset_variable',
  'maybe_unset_variable',
  'unknown_property',
  'undeclared_outputs',
  // Sub-journeys (#20, engine/runtime/calls/): what a `journey.call` step calls, checked against the store.
  'call_cycle',
  'unknown_journey',
  'invalid_call_input',
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

export const diagnosticSchema = {
  type: 'object',
  required: ['severity', 'code', 'message', 'path'],
  additionalProperties: false,
  properties: {
    severity: { type: 'string', enum: ['error', 'warning', 'info'] },
    code: { type: 'string', enum: DIAGNOSTIC_CODES },
    message: { type: 'string' },
    path: { type: 'string', description: 'A JSON Pointer into the journey document.' },
    stepId: { type: 'string' },
    suggestion: { type: 'string', description: 'A name the validator suggests instead (unknown_property, unset_variable).' },
  },
} as const;

export const validationResultSchema = {
  type: 'object',
  required: ['valid', 'diagnostics'],
  additionalProperties: false,
  properties: { valid: { type: 'boolean' }, diagnostics: { type: 'array', items: diagnosticSchema } },
} as const;

export type Diagnostic = FromSchema<typeof diagnosticSchema>;
export type ValidationResult = FromSchema<typeof validationResultSchema>;
