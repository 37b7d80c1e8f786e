/**
 * Validation messages a person understands. The engine's diagnostics are written for developers
 * (`/outputVariable must match pattern "^(?!(?:__proto__…"`); the designer shows a sentence from
 * these tables instead, keeping the engine's text as the raw detail (on hover). Config errors
 * are explained from the JSON Schema error itself (its keyword and params): the step's config is
 * checked again with the engine's own ajv set-up and each error matched to its diagnostic by path.
 */
import type { DiagnosticCode } from '../../../../engine/journey/diagnostics.js';
import { createAjv, describeError, errorPointer, pointer, type ErrorObject, type ValidateFunction } from '../../../../engine/journey/schema-validator.js';
import type { StepCatalogueEntry as CatalogueEntry, Diagnostic } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc, JsonObject } from '../../../../engine/http/contract/journey-document.js';
import { sentence } from '../../renderer/schema-fields.js';
import { humanize } from './humanize.js';

export interface Explained {
  /** The sentence shown. */
  text: string;
  /** The engine's own message, shown on hover. */
  raw: string;
}

type Params = Record<string, unknown>;
/** What a message is about: the field's title (or its humanised name) and its schema. */
interface Subject {
  field: string;
  schema: JsonObject;
  value: unknown;
}

const isRecord = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const plural = (n: unknown, one: string, many = `${one}s`) => `${String(n)} ${Number(n) === 1 ? one : many}`;
const list = (values: unknown) => (Array.isArray(values) ? values.map((v) => (typeof v === 'string' ? `“${v}”` : JSON.stringify(v))).join(', ') : String(values));

const TYPE_NAMES: Record<string, string> = { string: 'text', number: 'a number', integer: 'a whole number', boolean: 'yes or no', object: 'a group of fields', array: 'a list', null: 'empty' };
const FORMAT_NAMES: Record<string, string> = {
  email: 'an email address',
  uri: 'a full URL (https://…)',
  'uri-reference': 'a URL or path',
  url: 'a full URL (https://…)',
  date: 'a date (YYYY-MM-DD)',
  time: 'a time (HH:MM:SS)',
  'date-time': 'a date and time',
  duration: 'a duration (e.g. PT5M)',
  hostname: 'a host name',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  uuid: 'a UUID',
  regex: 'a regular expression',
  'json-pointer': 'a JSON Pointer (/a/b)',
};

/**
 * One sentence per JSON Schema keyword ajv reports (ajv's vocabularies: core, applicator,
 * validation, format, unevaluated, discriminator, JTD, and the false schema).
 */
export const AJV_KEYWORD_MESSAGES: Record<string, (s: Subject, p: Params) => string> = {
  type: (s, p) => `${s.field} must be ${String(p.type).split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ')}`,
  required: (s, p) => `${humanize(String(p.missingProperty))} is required`,
  additionalProperties: (s, p) => `“${String(p.additionalProperty)}” is not a setting of ${s.field === 'Value' ? 'this step' : s.field}; remove it`,
  enum: (s, p) => `${s.field} must be one of ${list(p.allowedValues)}`,
  const: (s, p) => `${s.field} must be ${list([p.allowedValue])}`,
  pattern: (s) => patternMessage(s),
  format: (s, p) => `${s.field} must be ${FORMAT_NAMES[String(p.format)] ?? `in the ${String(p.format)} format`}`,
  minLength: (s, p) => (Number(p.limit) === 1 ? `${s.field} is required` : `${s.field} needs at least ${plural(p.limit, 'character')}`),
  maxLength: (s, p) => `${s.field} can have at most ${plural(p.limit, 'character')}`,
  minimum: (s, p) => `${s.field} must be ${String(p.limit)} or more`,
  maximum: (s, p) => `${s.field} must be ${String(p.limit)} or less`,
  exclusiveMinimum: (s, p) => `${s.field} must be more than ${String(p.limit)}`,
  exclusiveMaximum: (s, p) => `${s.field} must be less than ${String(p.limit)}`,
  multipleOf: (s, p) => `${s.field} must be a multiple of ${String(p.multipleOf)}`,
  minItems: (s, p) => `${s.field} needs at least ${plural(p.limit, 'item')}`,
  maxItems: (s, p) => `${s.field} can have at most ${plural(p.limit, 'item')}`,
  uniqueItems: (s, p) => `${s.field} has the same item twice (items ${Number(p.j) + 1} and ${Number(p.i) + 1})`,
  minProperties: (s, p) => `${s.field} needs at least ${plural(p.limit, 'entry', 'entries')}`,
  maxProperties: (s, p) => `${s.field} can have at most ${plural(p.limit, 'entry', 'entries')}`,
  propertyNames: (s, p) => `“${String(p.propertyName)}” is not an allowed name in ${s.field}`,
  dependentRequired: (s, p) => `${humanize(String(p.missingProperty))} is required when ${humanize(String(p.property))} is set`,
  dependencies: (s, p) => `${humanize(String(p.missingProperty))} is required when ${humanize(String(p.property))} is set`,
  anyOf: (s) => `${s.field} does not match any of the allowed forms`,
  oneOf: (s) => `${s.field} must match exactly one of the allowed forms`,
  not: (s) => (s.schema.not && isRecord(s.schema.not) && Array.isArray(s.schema.not.enum) ? `${s.field} cannot be ${list(s.schema.not.enum)} (reserved)` : `${s.field} has a value that is not allowed`),
  if: (s, p) => `${s.field} does not meet the conditions that apply (the “${String(p.failingKeyword)}” case)`,
  contains: (s) => `${s.field} must contain at least one matching item`,
  minContains: (s, p) => `${s.field} must contain at least ${plural(p.minContains, 'matching item')}`,
  maxContains: (s, p) => `${s.field} can contain at most ${plural(p.maxContains, 'matching item')}`,
  items: (s, p) => `${s.field} can have at most ${plural(p.limit, 'item')}`,
  additionalItems: (s, p) => `${s.field} can have at most ${plural(p.limit, 'item')}`,
  unevaluatedProperties: (s, p) => `“${String(p.unevaluatedProperty)}” is not a setting of ${s.field === 'Value' ? 'this step' : s.field}; remove it`,
  unevaluatedItems: (s, p) => `${s.field} can have at most ${plural(p.len, 'item')}`,
  'false schema': (s) => `${s.field} is not allowed here`,
  discriminator: (s, p) => `${s.field} needs a valid “${String(p.tag)}”`,
  // JSON Type Definition keywords (ajv/jtd): not used by journeys, explained all the same.
  properties: (s) => `${s.field} is missing fields or has the wrong ones`,
  optionalProperties: (s) => `${s.field} has fields that are not allowed`,
  elements: (s) => `${s.field} must be a list`,
  values: (s) => `${s.field} must be a map`,
  mapping: (s) => `${s.field} has a kind that is not known`,
  union: (s) => `${s.field} does not match any of the allowed forms`,
};

/** Patterns the journey format uses, said in words (the schema's description says it otherwise). */
const PATTERN_RULES: Record<string, string> = {
  '^[A-Za-z_][A-Za-z0-9_]{0,63}$': 'letters, digits and _ only, starting with a letter or _ (up to 64)',
  '^[A-Za-z0-9_.-]{1,64}$': 'letters, digits, “.”, “_” and “-” only (up to 64)',
  '^[A-Za-z][A-Za-z0-9_-]{0,63}$': 'letters, digits, “-” and “_” only, starting with a letter (up to 64)',
  '^[a-z0-9][a-z0-9._-]{0,63}$': 'lower-case letters, digits, “.”, “_” and “-” only (up to 64)',
};

function patternMessage(s: Subject): string {
  if (s.value === '') return `${s.field} is required`;
  const pattern = typeof s.schema.pattern === 'string' ? s.schema.pattern : '';
  // The variable-name pattern starts with a look-ahead excluding reserved names on some versions.
  const rule = PATTERN_RULES[pattern] ?? Object.entries(PATTERN_RULES).find(([p]) => pattern.endsWith(p.slice(1)))?.[1];
  return rule ? `${s.field}: ${rule}` : `${s.field} is not in the expected form`;
}

/**
 * One sentence per diagnostic code (engine/journey/diagnostics.ts), with the names the engine's
 * message gives. Messages the engine already writes for people (data flow, authentication) are kept,
 * as a sentence; the suggestion a diagnostic carries is shown beside it by the panels.
 */
export const DIAGNOSTIC_MESSAGES: Record<DiagnosticCode, (d: Diagnostic) => string> = {
  invalid_document: () => 'The journey file is not in the journey format (the detail says where)',
  missing_start: (d) => `The start step${name(d, 0)} does not exist: choose one in Journey settings → Start step`,
  unknown_step_type: (d) => `The step type${name(d, 0)} is not installed on this server`,
  invalid_config: (d) => sentence(d.message),
  expression_syntax: (d) => `This expression does not compile: ${d.message.replace(/^expression does not compile: /, '')}`,
  unsupported_pattern: (d) => `${sentence(d.message)} (patterns run on RE2: no back-references or look-arounds)`,
  missing_target: (d) => `The branch${name(d, 0)} leads to a step${name(d, 1)} that does not exist`,
  unknown_branch: (d) => `This step never takes the branch${name(d, 1)}: remove its connection`,
  no_terminal: () => 'The journey never ends: connect a path to a Complete or Reject step',
  busy_loop: (d) => `Steps ${names(d).map((n) => `“${n}”`).join(', ')} loop without ever waiting for the user: add a step that asks something, or a way out`,
  unwired_branch: (d) => `The branch${name(d, 0)} is not connected: taking it ends the session as failed`,
  unreachable_step: () => 'No path from the start reaches this step',
  unauthenticated_completion: (d) => sentence(d.message),
  deprecated_create_flag: (d) => sentence(d.message),
  unset_variable: (d) => sentence(d.message),
  maybe_unset_variable: (d) => sentence(d.message),
  unknown_property: (d) => sentence(d.message),
  undeclared_outputs: (d) => sentence(d.message),
  call_cycle: (d) => `${sentence(d.message.replace(/^step "[^"]+" /, 'This step '))} (a journey may not call itself, directly or through others)`,
  unknown_journey: (d) => `The called journey${name(d, 1)} does not exist or has no published version: publish it first, or pick another`,
  invalid_call_input: (d) => `The input given to the called journey does not fit its input schema: ${d.message.replace(/^step "[^"]+": /, '')}`,
};

/** The quoted names in the engine's message, in order. */
function names(d: Diagnostic): string[] {
  return [...d.message.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

/** The n-th quoted name as ` “name”`, or nothing. */
function name(d: Diagnostic, n: number): string {
  const found = names(d)[n];
  return found ? ` “${found}”` : '';
}

/** Explains diagnostics of one journey: config errors through ajv, the rest through the code table. */
export function createExplainer(catalogue: Map<string, CatalogueEntry>): (d: Diagnostic, doc: JourneyDoc) => Explained {
  const ajv = createAjv();
  const validators = new Map<string, ValidateFunction | null>();
  const validatorOf = (entry: CatalogueEntry) => {
    if (!validators.has(entry.type)) {
      try {
        validators.set(entry.type, ajv.compile(entry.configSchema as object));
      } catch {
        validators.set(entry.type, null);
      }
    }
    return validators.get(entry.type) ?? null;
  };
  return (d, doc) => {
    const raw = d.message;
    const step = d.stepId ? doc.steps[d.stepId] : undefined;
    const entry = step ? catalogue.get(step.type) : undefined;
    if (d.code === 'invalid_config' && step && entry) {
      const validate = validatorOf(entry);
      if (validate && !validate(step.config ?? {})) {
        const base = `${pointer('steps', d.stepId!)}/config`;
        const error = (validate.errors ?? []).find((e) => `${base}${errorPointer(e)}` === d.path && describeError(e) === raw);
        if (error) return { text: explainAjvError(error, entry.configSchema as JsonObject, step.config ?? {}), raw };
      }
    }
    return { text: DIAGNOSTIC_MESSAGES[d.code as DiagnosticCode]?.(d) ?? raw, raw };
  };
}

/** An ajv error as a sentence, naming the field by its title (or its humanised name). */
export function explainAjvError(error: ErrorObject, rootSchema: JsonObject, data: unknown): string {
  const tokens = error.instancePath.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const schema = schemaAt(rootSchema, error.schemaPath);
  const last = [...tokens].reverse().find((t) => !/^\d+$/.test(t));
  const title = typeof schema.title === 'string' && schema.title ? schema.title : last ? humanize(last) : 'Value';
  const index = tokens.length && /^\d+$/.test(tokens[tokens.length - 1]) ? ` (item ${Number(tokens[tokens.length - 1]) + 1})` : '';
  let value: unknown = data;
  for (const t of tokens) value = isRecord(value) || Array.isArray(value) ? (value as Record<string, unknown>)[t] : undefined;
  const message = AJV_KEYWORD_MESSAGES[error.keyword];
  return message ? message({ field: `${title}${index}`, schema, value }, error.params as Params) : `${title}${index} is not valid`;
}

/** The schema holding the failed keyword: its schemaPath (`#/properties/x/pattern`) less the keyword. */
function schemaAt(root: JsonObject, schemaPath: string): JsonObject {
  const tokens = schemaPath.replace(/^#/, '').split('/').slice(1, -1);
  let at: unknown = root;
  for (const t of tokens) at = isRecord(at) || Array.isArray(at) ? (at as Record<string, unknown>)[t.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return isRecord(at) ? at : {};
}
