/**
 * The API's error table: every refusal's code, its HTTP status and when it is answered. The
 * runtime's status map, the OpenAPI error enum and the typed client's table all come from here,
 * so a code cannot exist in one and not the others.
 *
 * Pure data: the designer and the client import it, so no Node or express imports.
 */
export const ERROR_TABLE = {
  invalid_request: { status: 400, when: 'malformed JSON, wrong types, missing or unknown fields, oversized body' },
  unauthorized: { status: 401, when: 'no or bad key or session token' },
  forbidden: { status: 403, when: 'an app key on an admin route' },
  not_found: { status: 404, when: 'no such journey, version, session or user' },
  stale_step: { status: 409, when: '`stepId` is not the current step (`details.currentStepId`)' },
  conflict: { status: 409, when: 'another submit to the session is running; a draft changed since its ETag' },
  session_ended: { status: 409, when: 'the session is completed, rejected or failed' },
  session_expired: { status: 410, when: "past the session's TTL" },
  validation_failed: { status: 422, when: 'data does not match its schema; unknown option; a journey with errors (`details.diagnostics`)' },
  rate_limited: { status: 429, when: 'over RATE_LIMITS (`Retry-After` says when to retry)' },
  internal: { status: 500, when: 'a bug; never a stack trace' },
  // ---- OpenID Connect provider (#18) ----
  journey_in_use: { status: 409, when: 'deleting a journey an OpenID client signs its users in with (`details.clients`), or that a published journey calls (`details.callers`)' },
  client_exists: { status: 409, when: 'creating an OpenID client with an id that is taken' },
} as const satisfies Record<string, { status: number; when: string }>;

/** One of the codes of the API's error table. */
export type ErrorCode = keyof typeof ERROR_TABLE;

/** The codes in the table's order (the OpenAPI enum). */
export const ERROR_CODES = Object.keys(ERROR_TABLE) as ErrorCode[];

/** The HTTP status of each code. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = Object.fromEntries(
  ERROR_CODES.map((code) => [code, ERROR_TABLE[code].status]),
) as Record<ErrorCode, number>;
