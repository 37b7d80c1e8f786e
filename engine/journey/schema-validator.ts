/**
 * One ajv instance for everything the engine checks against JSON Schema (journey documents,
 * step configs, option data, start input, HTTP bodies). Draft 2020-12 with formats; compiled
 * validators are cached per schema object by ajv itself.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export type { ErrorObject, ValidateFunction };

export function createAjv(options: { useDefaults?: boolean } = {}): Ajv2020.default {
  const ajv = new Ajv2020.default({
    allErrors: true,
    strict: false,
    useDefaults: options.useDefaults ?? false,
    // Bounded regexes: schemas come from admins, data from anyone.
    unicodeRegExp: true,
  });
  addFormats.default(ajv);
  return ajv;
}

/** The JSON Pointer an ajv error is about (the missing or extra property itself, when it names one). */
export function errorPointer(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string; propertyName?: string };
  const extra = params.missingProperty ?? params.additionalProperty ?? params.propertyName;
  return extra === undefined ? error.instancePath : `${error.instancePath}/${escapePointer(extra)}`;
}

export function describeError(error: ErrorObject): string {
  const params = error.params as { additionalProperty?: string };
  if (error.keyword === 'additionalProperties') return `unknown property "${params.additionalProperty}"`;
  return `${error.instancePath || 'value'} ${error.message ?? 'is invalid'}`.trim();
}

export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(...tokens: Array<string | number>): string {
  return tokens.map((t) => '/' + escapePointer(String(t))).join('');
}
