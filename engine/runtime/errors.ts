/**
 * Refusals the runtime and the admin services raise. Each code is one of the HTTP API's error
 * table (engine/http/contract/error-table.ts, pure data); the HTTP layer maps codes to statuses
 * through it, so the runtime never speaks HTTP.
 */
import { ERROR_STATUS, type ErrorCode } from '../http/contract/error-table.js';

export type EngineErrorCode = ErrorCode;

/** The HTTP status of each code, from the API's error table. */
export { ERROR_STATUS };

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
