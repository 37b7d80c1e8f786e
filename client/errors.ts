import { ERROR_STATUS } from '../engine/http/contract/error-table.js';
import type { ApiErrorCode } from './types.js';

/** The status of each documented error code: the API's one error table. */
export { ERROR_STATUS };

const CODES = new Set<string>(Object.keys(ERROR_STATUS));

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/** A refusal of the API: its HTTP status, the documented `code`, the message and the details. */
export class JourneyApiError extends Error {
  override readonly name = 'JourneyApiError';

  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    /** The server's X-Request-Id, for the logs. */
    readonly requestId?: string,
    /** Seconds to wait, from Retry-After (rate_limited). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  /**
   * From a refusal's status and body. A body that is not `{ error: { code, message } }` (a
   * proxy's page, say) is named by its status: 5xx and unknown statuses are `internal`.
   */
  static from(status: number, body: unknown, headers?: Headers): JourneyApiError {
    const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
    const code = isApiErrorCode(error?.code) ? error.code : codeForStatus(status);
    const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
    const retry = headers?.get('retry-after');
    return new JourneyApiError(
      status,
      code,
      message,
      error?.details,
      headers?.get('x-request-id') ?? undefined,
      retry && /^\d+$/.test(retry) ? Number(retry) : undefined,
    );
  }
}

function codeForStatus(status: number): ApiErrorCode {
  for (const [code, s] of Object.entries(ERROR_STATUS) as Array<[ApiErrorCode, number]>) {
    // 409 has three codes: without a body, `conflict` is the general one.
    if (s === status && (status !== 409 || code === 'conflict')) return code;
  }
  return 'internal';
}

/** True when `error` is a JourneyApiError (with that code, when given). */
export function isJourneyApiError(error: unknown, code?: ApiErrorCode): error is JourneyApiError {
  return error instanceof JourneyApiError && (code === undefined || error.code === code);
}
