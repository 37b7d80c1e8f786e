/**
 * One ajv instance for everything the engine checks against JSON Schema (journey documents,
 * step configs, option data, start input, HTTP bodies). Draft 2020-12 with formats; compiled
 * validators are cached per schema object by ajv itself. Every pattern (`pattern`,
 * `patternProperties`, regex-based formats) runs on RE2, in time linear in the data.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { linearFormats } from '../security/linear-formats.js';
import { ajvLinearRegExp } from '../security/linear-regex.js';

export type { ErrorObject, ValidateFunction };

export function createAjv(options: { useDefaults?: boolean } = {}): Ajv2020.default {
  const ajv = new Ajv2020.default({
    allErrors: true,
    strict: false,
    useDefaults: options.useDefaults ?? false,
    // Schemas come from admins, data from anyone: patterns run on RE2 (linear time; a pattern
    // RE2 cannot run, such as a backreference, fails to compile with an UnsupportedPatternError).
    unicodeRegExp: true,
    code: { regExp: ajvLinearRegExp },
  });
  addFormats.default(ajv);
  for (const [name, format] of Object.entries(linearFormats())) ajv.addFormat(name, format);
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
