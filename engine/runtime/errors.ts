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

/** The HTTP status of each code (the API's error table); the one place it is written in the engine. */
export const ERROR_STATUS: Readonly<Record<EngineErrorCode, number>> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  stale_step: 409,
  conflict: 409,
  session_ended: 409,
  session_expired: 410,
  validation_failed: 422,
  rate_limited: 429,
  internal: 500,
};

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
