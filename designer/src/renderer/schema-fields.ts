/**
 * Turns an option's JSON Schema into the fields a person fills in, checks the answers the way the
 * engine will (required, types, lengths, patterns, bounds) so most mistakes are caught in place,
 * and maps the engine's own 422 details back to fields. Its messages go through the page's
 * translator (texts.ts): the runner's language, English in the designer's test panel.
 */
import type { JsonObject, JsonSchema } from '../../../engine/http/contract/journey-document.js';
import { englishTexts, type Translate } from './texts.js';

export interface FieldSpec {
  name: string;
  label: string;
  description?: string;
  kind: 'text' | 'email' | 'password' | 'code' | 'number' | 'integer' | 'checkbox' | 'select' | 'json' | 'date' | 'tel' | 'url';
  required: boolean;
  schema: JsonSchema;
  options?: Array<{ value: unknown; label: string }>;
  /** Secrets and one-time codes are never kept when a step is shown again. */
  forget: boolean;
  /** For password fields: `new-password` when the option sets one (password managers offer to generate it), else `current-password`. */
  autoComplete?: 'new-password' | 'current-password';
}

export type FieldValues = Record<string, string | boolean>;
export type FieldErrors = Record<string, string>;

/** A phone number as people type it (digits, spaces, brackets, dots, dashes, an optional +): the form builder's phone fields. */
export const PHONE_PATTERN = '^\\+?[0-9][0-9 ().-]{5,19}$';

const isRecord = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function schemaProperties(schema: JsonSchema | undefined): Array<[string, JsonSchema]> {
  if (!schema || !isRecord(schema.properties)) return [];
  return Object.entries(schema.properties).filter((entry): entry is [string, JsonSchema] => isRecord(entry[1]));
}

export function fieldsOf(schema: JsonSchema | undefined, stepType = '', optionId = ''): FieldSpec[] {
  const required = new Set(Array.isArray(schema?.required) ? (schema!.required as string[]) : []);
  return schemaProperties(schema).map(([name, prop]) => {
    const type = Array.isArray(prop.type) ? (prop.type as string[]).find((t) => t !== 'null') : (prop.type as string | undefined);
    const format = typeof prop.format === 'string' ? prop.format : '';
    const oneTimeCode = name === 'code' || name === 'totp_code' || /otp|code$/i.test(name) && /otp|totp|challenge/.test(stepType + name);
    let kind: FieldSpec['kind'] = 'text';
    let options: FieldSpec['options'];
    if (Array.isArray(prop.enum)) {
      kind = 'select';
      options = (prop.enum as unknown[]).map((value) => ({ value, label: enumLabel(value) }));
    } else if (type === 'boolean') kind = 'checkbox';
    else if (type === 'integer') kind = 'integer';
    else if (type === 'number') kind = 'number';
    else if (type === 'object' || type === 'array') kind = 'json';
    else if (format === 'email' || /^e-?mail$/i.test(name)) kind = 'email';
    else if (format === 'password' || /password|passcode|secret/i.test(name)) kind = 'password';
    else if (oneTimeCode) kind = 'code';
    else if (prop.writeOnly === true && type === 'string') kind = 'password';
    else if (format === 'date') kind = 'date';
    else if (format === 'uri' || format === 'url') kind = 'url';
    else if (/phone/i.test(name) || prop.pattern === PHONE_PATTERN) kind = 'tel';
    return {
      name,
      label: typeof prop.title === 'string' && prop.title ? prop.title : name,
      description: typeof prop.description === 'string' ? prop.description : undefined,
      kind,
      required: required.has(name),
      schema: prop,
      options,
      forget: kind === 'password' || kind === 'code' || prop.writeOnly === true,
      ...(kind === 'password' ? { autoComplete: isNewPassword(stepType, optionId, name) ? ('new-password' as const) : ('current-password' as const) } : {}),
    };
  });
}

/** A password being chosen (password.set's `set`, or a field named new…), not one being proved. */
function isNewPassword(stepType: string, optionId: string, name: string): boolean {
  return stepType === 'password.set' || optionId === 'set' || /^new/i.test(name);
}

function enumLabel(value: unknown): string {
  const labels: Record<string, string> = { sms: 'SMS', whatsapp: 'WhatsApp', email: 'Email' };
  return typeof value === 'string' ? (labels[value] ?? value) : JSON.stringify(value);
}

export function initialValues(fields: FieldSpec[], previous?: FieldValues): FieldValues {
  const values: FieldValues = {};
  for (const field of fields) {
    const kept = previous && !field.forget ? previous[field.name] : undefined;
    if (kept !== undefined) values[field.name] = kept;
    else if (field.kind === 'checkbox') values[field.name] = field.schema.default === true;
    else if (field.schema.default !== undefined) values[field.name] = typeof field.schema.default === 'string' ? field.schema.default : JSON.stringify(field.schema.default);
    else if (field.kind === 'select' && field.required && field.options?.length) values[field.name] = JSON.stringify(field.options[0].value);
    else values[field.name] = '';
  }
  return values;
}

/** The data to submit, or the errors to show. */
export function collect(fields: FieldSpec[], values: FieldValues, t: Translate = englishTexts): { data: JsonObject; errors: FieldErrors } {
  const data: JsonObject = {};
  const errors: FieldErrors = {};
  for (const field of fields) {
    const raw = values[field.name];
    const schema = field.schema;
    if (field.kind === 'checkbox') {
      data[field.name] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? (field.kind === 'code' ? raw.replace(/\s+/g, '') : raw) : '';
    if (text.trim() === '') {
      if (field.required) errors[field.name] = t('field.required', { label: field.label });
      continue;
    }
    if (field.kind === 'select') {
      try {
        data[field.name] = JSON.parse(text);
      } catch {
        data[field.name] = text;
      }
      continue;
    }
    if (field.kind === 'json') {
      try {
        data[field.name] = JSON.parse(text);
      } catch {
        errors[field.name] = t('field.invalidJson', { label: field.label });
      }
      continue;
    }
    if (field.kind === 'number' || field.kind === 'integer') {
      const n = Number(text);
      if (!Number.isFinite(n) || (field.kind === 'integer' && !Number.isInteger(n))) {
        errors[field.name] = t(field.kind === 'integer' ? 'field.wholeNumber' : 'field.number', { label: field.label });
        continue;
      }
      if (typeof schema.minimum === 'number' && n < schema.minimum) errors[field.name] = t('field.atLeast', { label: field.label, limit: schema.minimum });
      else if (typeof schema.maximum === 'number' && n > schema.maximum) errors[field.name] = t('field.atMost', { label: field.label, limit: schema.maximum });
      data[field.name] = n;
      continue;
    }
    if (typeof schema.minLength === 'number' && text.length < schema.minLength) {
      errors[field.name] = t('field.minLength', { label: field.label, count: schema.minLength });
    } else if (typeof schema.maxLength === 'number' && text.length > schema.maxLength) {
      errors[field.name] = t('field.maxLength', { label: field.label, count: schema.maxLength });
    } else if (typeof schema.pattern === 'string' && !matches(schema.pattern, text)) {
      errors[field.name] = field.kind === 'code' ? codeHint(schema.pattern, t) : t('field.format', { label: field.label });
    } else if (field.kind === 'email' && !/^[^\s@]+@[^\s@]+$/.test(text)) {
      errors[field.name] = t('field.email');
    }
    data[field.name] = text;
  }
  return { data, errors };
}

/** "Enter the 6-digit code" when the pattern says how many digits, else a general hint. */
function codeHint(pattern: string, t: Translate): string {
  const digits = /^\^?(?:\[0-9\]|\\d)\{(\d+)\}\$?$/.exec(pattern)?.[1];
  return digits ? t('field.codeDigits', { digits }) : t('field.codeExact');
}

function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true; // the engine will judge
  }
}

/** Maps a 422 `details.errors` list to fields; what matches no field comes back as `general`. */
export function errorsFromDetails(details: unknown, fields: FieldSpec[], t: Translate = englishTexts): { fields: FieldErrors; general: string | null } {
  const list = isRecord(details) && Array.isArray(details.errors) ? (details.errors as SchemaError[]) : [];
  const byName = new Map(fields.map((f) => [f.name, f]));
  const out: FieldErrors = {};
  const rest: string[] = [];
  for (const e of list) {
    let name = (e.path ?? '').split('/')[1];
    if (!name && e.keyword === 'required') name = typeof e.params?.missingProperty === 'string' ? e.params.missingProperty : (/'([^']+)'/.exec(e.message ?? '')?.[1] ?? '');
    const field = name ? byName.get(name.replace(/~1/g, '/').replace(/~0/g, '~')) : undefined;
    if (field) out[field.name] ??= friendly(field, e, t);
    else if (e.message) rest.push(e.message);
  }
  return { fields: out, general: rest.length ? t('field.refused', { reasons: rest.join('; ') }) : null };
}

/** One Ajv error of the engine's 422 (`keyword` and `params` as Ajv gives them). */
interface SchemaError {
  path?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** Said from the keyword and its params, never from Ajv's English message. */
function friendly(field: FieldSpec, error: SchemaError, t: Translate): string {
  const label = field.label;
  const limit = typeof error.params?.limit === 'number' ? error.params.limit : undefined;
  switch (error.keyword) {
    case 'required':
      return t('field.required', { label });
    case 'pattern':
    case 'format':
      return field.kind === 'email' ? t('field.email') : t('field.format', { label });
    case 'minLength':
      return limit === undefined ? t('field.invalid', { label }) : t('field.minLength', { label, count: limit });
    case 'maxLength':
      return limit === undefined ? t('field.invalid', { label }) : t('field.maxLength', { label, count: limit });
    case 'minimum':
    case 'exclusiveMinimum':
      return limit === undefined ? t('field.invalid', { label }) : t('field.atLeast', { label, limit });
    case 'maximum':
    case 'exclusiveMaximum':
      return limit === undefined ? t('field.invalid', { label }) : t('field.atMost', { label, limit });
    case 'type':
      return error.params?.type === 'integer' ? t('field.wholeNumber', { label }) : error.params?.type === 'number' ? t('field.number', { label }) : t('field.invalid', { label });
    case 'enum':
    case 'const':
      return t('field.choice', { label });
    default:
      return t('field.invalid', { label });
  }
}

export function humanize(id: string): string {
  const spaced = id.replace(/[-_.]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase();
}

export function sentence(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
