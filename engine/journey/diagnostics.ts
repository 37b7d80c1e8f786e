/**
 * What the validator reports: the diagnostic codes (journeys.md, "Diagnostics") and the shape of
 * one diagnostic. A leaf module, so that the HTTP contract can describe diagnostics without
 * importing the validator (which imports the step registry and, through it, the store).
 */
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
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: DiagnosticCode;
  message: string;
  /** A JSON Pointer into the journey document. */
  path: string;
  stepId?: string;
}

export interface ValidationResult {
  valid: boolean;
  diagnostics: Diagnostic[];
}
