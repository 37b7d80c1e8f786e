/** Every refusal is `{ error: { code, message, details? } }` with the status of the API's error table. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ERROR_STATUS, EngineError, type EngineErrorCode } from '../runtime/errors.js';


/** The Error schema's body (contract/schemas.ts), with a code of the error table. */
export function errorBody(code: EngineErrorCode, message: string, details?: unknown) {
  return { error: { code, message, ...(details !== undefined ? { details } : {}) } };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json(errorBody('not_found', 'no such route'));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    // An error is never cached, even from a route that had said its answer could be (the JWKS).
    if (!res.headersSent) res.setHeader('Cache-Control', 'no-store');
    if (error instanceof EngineError) {
      res.status(ERROR_STATUS[error.code]).json(errorBody(error.code, error.message, error.details));
      return;
    }
    // body-parser's errors: malformed or oversized bodies are the client's.
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      res.status(400).json(errorBody('invalid_request', 'the body is too large'));
      return;
    }
    if (type === 'entity.parse.failed' && /is not allowed in a body/.test((error as Error).message)) {
      res.status(400).json(errorBody('invalid_request', (error as Error).message));
      return;
    }
    if (type === 'entity.parse.failed' || type === 'charset.unsupported' || type === 'encoding.unsupported') {
      res.status(400).json(errorBody('invalid_request', 'the body is not valid JSON'));
      return;
    }
    if ((error as { status?: number }).status === 400) {
      res.status(400).json(errorBody('invalid_request', 'the request is malformed'));
      return;
    }
    (req as { log?: Logger }).log?.error({ err: error }, 'unhandled error') ?? logger.error({ err: error }, 'unhandled error');
    if (res.headersSent) return;
    res.status(500).json(errorBody('internal', 'an internal error occurred'));
  };
}
