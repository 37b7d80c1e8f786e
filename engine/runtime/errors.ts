/**
 * Refusals the runtime and the admin services raise. Each code is one of the HTTP API's error
 * table; the HTTP layer maps codes to statuses, so the runtime never speaks HTTP.
 */
export type EngineErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'stale_step'
  | 'conflict'
  | 'session_ended'
  | 'session_expired'
  | 'validation_failed'
  | 'rate_limited'
  | 'internal';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
