/**
 * The form builder's model (designer/src/designer/form-builder/form-fields.ts): the fields it
 * writes are JSON Schema the engine accepts and the hosted runner renders as the kind chosen, a
 * schema read back gives the same fields, and keywords it does not manage survive an edit.
 */
import { describe, expect, it } from 'vitest';
import { createAjv } from '../../engine/journey/schema-validator.js';
import { fieldsOf } from '../../designer/src/renderer/schema-fields.js';
import { FIELD_KINDS, nameFromLabel, newField, readFields, writeSchema, type BuilderField } from '../../designer/src/designer/form-builder/form-fields.js';

const RENDERED_AS = { text: 'text', email: 'email', phone: 'tel', number: 'number', password: 'password', select: 'select', checkbox: 'checkbox', date: 'date' } as const;

function fieldsOfEveryKind(): BuilderField[] {
  const fields: BuilderField[] = [];
  for (const kind of FIELD_KINDS) fields.push({ ...newField(kind, fields.map((f) => f.name)), label: `My ${kind}` });
  return fields;
}

describe('form builder model', () => {
  it('writes a schema the runner renders as the kinds chosen, in order, with labels and required marks', () => {
    const schema = writeSchema(fieldsOfEveryKind());
    const rendered = fieldsOf(schema, 'form', 'submit');
    expect(rendered.map((f) => f.kind)).toEqual(FIELD_KINDS.map((k) => RENDERED_AS[k]));
    expect(rendered.map((f) => f.label)).toEqual(FIELD_KINDS.map((k) => `My ${k}`));
    expect(rendered.find((f) => f.kind === 'email')?.required).toBe(true);
    expect(rendered.find((f) => f.kind === 'checkbox')?.required).toBe(false);
    expect(rendered.find((f) => f.kind === 'select')?.options?.map((o) => o.value)).toEqual(['First', 'Second']);
    expect(rendered.find((f) => f.kind === 'password')?.forget).toBe(true);
  });

  it('writes schemas the engine compiles and that check answers as the builder says', () => {
    const fields: BuilderField[] = [
      { ...newField('text', []), name: 'nickname', label: 'Nickname', min: 2, max: 5, pattern: '^[a-z]+$' },
      { ...newField('number', []), name: 'age', label: 'Age', min: 18, max: 120 },
      { ...newField('phone', []), name: 'mobile', label: 'Mobile' },
      { ...newField('checkbox', []), name: 'terms', label: 'I accept', required: true },
      { ...newField('date', []), name: 'born', label: 'Born', required: false },
    ];
    const validate = createAjv().compile(writeSchema(fields));
    const good = { nickname: 'abc', age: 30, mobile: '+44 20 7946 0958', terms: true };
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, born: '2000-02-29' })).toBe(true);
    for (const bad of [{ ...good, nickname: 'a' }, { ...good, nickname: 'ABC' }, { ...good, age: 17 }, { ...good, mobile: 'call me' }, { ...good, terms: false }, { ...good, born: 'yesterday' }]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('reads back what it wrote, and keeps keywords it does not manage', () => {
    const fields = fieldsOfEveryKind();
    const schema = writeSchema(fields);
    const read = readFields(schema);
    expect('fields' in read && read.fields.map(({ schema: _, ...f }) => f)).toEqual(fields.map(({ schema: _, ...f }) => ({ ...f, choices: f.choices, pattern: undefined, min: undefined, max: undefined })));

    const custom = { type: 'object', properties: { email: { type: 'string', format: 'email', examples: ['a@b.c'], 'x-note': 1 } }, required: ['email'] };
    const again = readFields(custom);
    if (!('fields' in again)) throw new Error('unsupported');
    const edited = writeSchema([{ ...again.fields[0], label: 'Work email' }], custom);
    expect(edited).toEqual({ type: 'object', properties: { email: { type: 'string', format: 'email', title: 'Work email', examples: ['a@b.c'], 'x-note': 1 } }, required: ['email'] });
  });

  it('leaves schemas it cannot edit to the JSON view', () => {
    expect(readFields({ type: 'object', properties: { address: { type: 'object' } } })).toHaveProperty('unsupported');
    expect(readFields({ anyOf: [{ type: 'object' }] })).toHaveProperty('unsupported');
    expect(readFields(undefined)).toEqual({ fields: [] });
  });

  it('names fields from their labels as valid variable names', () => {
    expect(nameFromLabel('Work email')).toBe('workEmail');
    expect(nameFromLabel('2nd phone')).toBe('field2ndPhone');
    expect(nameFromLabel('Année')).toBe('annee');
  });
});
