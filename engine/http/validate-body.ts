import { createAjv, type ValidateFunction } from '../journey/schema-validator.js';
import { EngineError } from '../runtime/errors.js';

const ajv = createAjv();
const validators = new WeakMap<object, ValidateFunction>();

/** Checks a request body (or query) against its schema: 400 invalid_request with the schema errors. */
export function checkBody<T>(schema: object, body: unknown, what = 'body'): T {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  if (!validate(body)) {
    throw new EngineError('invalid_request', `the ${what} is not valid`, {
      errors: (validate.errors ?? []).map((e) => ({ path: e.instancePath, message: e.message })),
    });
  }
  return body as T;
}
