/**
 * The form builder's model: a form option's JSON Schema (an object of fields) as a list of fields
 * a person edits, and back. The schema stays the one source: the builder reads it, edits answer a
 * new schema, and what the builder does not manage on a field (other keywords) is kept as it was.
 * Each kind maps to what the hosted runner renders it as (renderer/schema-fields.ts `fieldsOf`).
 */
import type { JsonObject, JsonSchema } from '../../../../engine/http/contract/journey-document.js';
import { PHONE_PATTERN } from '../../renderer/schema-fields.js';

export const FIELD_KINDS = ['text', 'email', 'phone', 'number', 'password', 'select', 'checkbox', 'date'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export const KIND_LABELS: Record<FieldKind, string> = {
  text: 'Text',
  email: 'Email',
  phone: 'Phone',
  number: 'Number',
  password: 'Password',
  select: 'Choice',
  checkbox: 'Checkbox',
  date: 'Date',
};

export interface BuilderField {
  name: string;
  kind: FieldKind;
  label: string;
  help: string;
  required: boolean;
  /** Length for text-like kinds, value for numbers; undefined: no limit. */
  min?: number;
  max?: number;
  /** A regular expression the answer must match (text and password). */
  pattern?: string;
  /** The choices of a select. */
  choices?: string[];
  /** The field's schema as it was: keywords the builder does not manage are kept. */
  schema: JsonObject;
}

const isRecord = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keywords the builder writes; anything else on a field is kept untouched. */
const MANAGED = ['type', 'format', 'title', 'description', 'minLength', 'maxLength', 'minimum', 'maximum', 'pattern', 'enum', 'const', 'writeOnly'];
/** Root keywords the builder understands; any other means the JSON view only. */
const ROOT_KEYWORDS = new Set(['type', 'properties', 'required', 'additionalProperties', 'title', 'description', '$schema']);

export type ReadResult = { fields: BuilderField[] } | { unsupported: string };

/** The schema's fields, or why the builder cannot edit it (the JSON view still can). */
export function readFields(schema: JsonSchema | undefined): ReadResult {
  if (schema === undefined) return { fields: [] };
  if (!isRecord(schema)) return { unsupported: 'The data schema is not an object schema.' };
  const extra = Object.keys(schema).filter((k) => !ROOT_KEYWORDS.has(k));
  if (extra.length) return { unsupported: `The data schema uses ${extra.map((k) => `“${k}”`).join(', ')}, which the builder does not edit.` };
  if (schema.type !== undefined && schema.type !== 'object') return { unsupported: 'The data schema is not an object schema.' };
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const fields: BuilderField[] = [];
  for (const [name, prop] of Object.entries(properties)) {
    if (!isRecord(prop)) return { unsupported: `The field “${name}” is not a schema the builder edits.` };
    const kind = kindOf(name, prop);
    if (!kind) return { unsupported: `The field “${name}” is of a kind the builder does not edit (${JSON.stringify(prop.type ?? 'no type')}).` };
    const numeric = kind === 'number';
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    fields.push({
      name,
      kind,
      label: typeof prop.title === 'string' ? prop.title : '',
      help: typeof prop.description === 'string' ? prop.description : '',
      required: required.has(name),
      min: numeric ? num(prop.minimum) : num(prop.minLength),
      max: numeric ? num(prop.maximum) : num(prop.maxLength),
      pattern: kind !== 'phone' && typeof prop.pattern === 'string' ? prop.pattern : undefined,
      choices: Array.isArray(prop.enum) ? prop.enum.map((v) => String(v)) : undefined,
      schema: prop,
    });
  }
  return { fields };
}

function kindOf(name: string, prop: JsonObject): FieldKind | null {
  const type = prop.type;
  if (Array.isArray(prop.enum) && prop.enum.every((v) => typeof v === 'string')) return 'select';
  if (type === 'boolean') return 'checkbox';
  if (type === 'number' || type === 'integer') return 'number';
  if (type !== 'string') return null;
  if (prop.format === 'email') return 'email';
  if (prop.format === 'password' || prop.writeOnly === true) return 'password';
  if (prop.format === 'date') return 'date';
  if (prop.pattern === PHONE_PATTERN || (/phone/i.test(name) && prop.pattern === undefined)) return 'phone';
  return 'text';
}

/** The option's schema for these fields: an object whose properties are in the fields' order. */
export function writeSchema(fields: BuilderField[], previous?: JsonSchema): JsonObject {
  const base: JsonObject = isRecord(previous) ? { ...previous } : {};
  const properties: JsonObject = {};
  for (const field of fields) properties[field.name] = fieldSchema(field);
  const required = fields.filter((f) => f.required).map((f) => f.name);
  const out: JsonObject = { ...base, type: 'object', properties };
  if (required.length) out.required = required;
  else delete out.required;
  return out;
}

function fieldSchema(field: BuilderField): JsonObject {
  const kept: JsonObject = {};
  for (const [k, v] of Object.entries(field.schema)) if (!MANAGED.includes(k)) kept[k] = v;
  const out: JsonObject = {};
  switch (field.kind) {
    case 'text':
      out.type = 'string';
      break;
    case 'email':
      out.type = 'string';
      out.format = 'email';
      break;
    case 'phone':
      out.type = 'string';
      out.pattern = PHONE_PATTERN;
      break;
    case 'password':
      out.type = 'string';
      out.format = 'password';
      out.writeOnly = true;
      break;
    case 'date':
      out.type = 'string';
      out.format = 'date';
      break;
    case 'number':
      out.type = field.schema.type === 'integer' ? 'integer' : 'number';
      break;
    case 'select':
      out.type = 'string';
      out.enum = field.choices?.length ? [...field.choices] : ['option 1'];
      break;
    case 'checkbox':
      out.type = 'boolean';
      // A required checkbox must be ticked (terms accepted): present and true.
      if (field.required) out.const = true;
      break;
  }
  if (field.label) out.title = field.label;
  if (field.help) out.description = field.help;
  const textual = field.kind === 'text' || field.kind === 'password' || field.kind === 'phone';
  if (textual || field.kind === 'email') {
    if (field.min !== undefined) out.minLength = field.min;
    if (field.max !== undefined) out.maxLength = field.max;
  }
  if (field.kind === 'number') {
    if (field.min !== undefined) out.minimum = field.min;
    if (field.max !== undefined) out.maximum = field.max;
  }
  if ((field.kind === 'text' || field.kind === 'password') && field.pattern) out.pattern = field.pattern;
  return { ...out, ...kept };
}

/** A fresh field of this kind, named so as not to clash. */
export function newField(kind: FieldKind, taken: Iterable<string>): BuilderField {
  const used = new Set(taken);
  const base = kind === 'select' ? 'choice' : kind === 'checkbox' ? 'accepted' : kind;
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${i}`;
  const label = KIND_LABELS[kind] === 'Choice' ? 'Choose one' : kind === 'checkbox' ? 'I agree' : KIND_LABELS[kind];
  return { name, kind, label, help: '', required: kind !== 'checkbox', choices: kind === 'select' ? ['First', 'Second'] : undefined, schema: {} };
}

/** A field name from its label: `Work email` → `workEmail` (a valid property name for expressions). */
export function nameFromLabel(label: string): string {
  const words = label.normalize('NFKD').replace(/\p{M}+/gu, '').replace(/[^A-Za-z0-9 ]+/g, ' ').trim().split(/\s+/).filter(Boolean);
  const name = words.map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())).join('');
  return /^[A-Za-z]/.test(name) ? name.slice(0, 64) : `field${name}`.slice(0, 64);
}
