/**
 * The regular expressions a JSON Schema carries (`pattern` values, `patternProperties` keys),
 * each with its JSON Pointer, so that the validator can say which one RE2 cannot run. Walks only
 * the keywords whose values are schemas: a "pattern" inside `const`, `enum`, `default` or
 * `examples` is data, not a pattern.
 */
import { unsupportedPattern } from '../security/linear-regex.js';
import { pointer } from './schema-validator.js';

type AnyRecord = Record<string, unknown>;
const isRecord = (value: unknown): value is AnyRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords whose value is one schema. */
const SCHEMA = ['additionalProperties', 'unevaluatedProperties', 'items', 'additionalItems', 'unevaluatedItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else', 'contentSchema'];
/** Keywords whose value is an array of schemas. */
const SCHEMA_ARRAY = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'dependencies'];

export interface SchemaPattern {
  pattern: string;
  /** JSON Pointer of the pattern within the schema (of the key, for `patternProperties`). */
  path: string;
}

export function schemaPatterns(schema: unknown, path = '', found: SchemaPattern[] = []): SchemaPattern[] {
  if (!isRecord(schema)) return found;
  if (typeof schema.pattern === 'string') found.push({ pattern: schema.pattern, path: `${path}/pattern` });
  if (isRecord(schema.patternProperties)) {
    for (const key of Object.keys(schema.patternProperties)) found.push({ pattern: key, path: `${path}/patternProperties${pointer(key)}` });
  }
  for (const keyword of SCHEMA) schemaPatterns(schema[keyword], `${path}${pointer(keyword)}`, found);
  for (const keyword of SCHEMA_ARRAY) {
    const items = schema[keyword];
    if (Array.isArray(items)) items.forEach((item, index) => schemaPatterns(item, `${path}${pointer(keyword, index)}`, found));
  }
  for (const keyword of SCHEMA_MAP) {
    const map = schema[keyword];
    if (isRecord(map)) for (const [name, item] of Object.entries(map)) schemaPatterns(item, `${path}${pointer(keyword, name)}`, found);
  }
  return found;
}

/** The patterns of a schema that RE2 cannot run (ajv compiles them with the `u` flag), with why. */
export function unsupportedSchemaPatterns(schema: unknown): Array<SchemaPattern & { message: string }> {
  const problems: Array<SchemaPattern & { message: string }> = [];
  for (const found of schemaPatterns(schema)) {
    const problem = unsupportedPattern(found.pattern, 'u');
    if (problem !== null) problems.push({ ...found, message: problem.message });
  }
  return problems;
}
