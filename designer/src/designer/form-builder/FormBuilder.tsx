/**
 * The form builder: a form option's fields edited visually (add, reorder, remove; kind, label,
 * help, required, limits, pattern, choices), writing the option's JSON Schema (form-fields.ts).
 * The JSON view stays for experts: both views read and write the same schema, so they never
 * disagree. A schema the builder cannot edit (nested objects, combinators) opens in JSON.
 */
import { useId, useState, type ReactNode } from 'react';
import './FormBuilder.css';
import type { JsonObject, JsonSchema } from '../../../../engine/http/contract/journey-document.js';
import { FIELD_KINDS, KIND_LABELS, nameFromLabel, newField, readFields, writeSchema, type BuilderField, type FieldKind } from './form-fields.js';

export interface FormBuilderProps {
  value: JsonSchema | undefined;
  /** `reordered`: only the fields' order changed (a change rjsf's deep comparison cannot see). */
  onChange: (schema: JsonObject | undefined, reordered: boolean) => void;
  readOnly: boolean;
  /** The JSON editor of the same value. */
  json: ReactNode;
  label: string;
}

export function FormBuilder({ value, onChange, readOnly, json, label }: FormBuilderProps) {
  const read = readFields(value);
  const [view, setView] = useState<'fields' | 'json'>('unsupported' in read ? 'json' : 'fields');
  const id = useId();
  const [adding, setAdding] = useState(false);
  const fields = 'fields' in read ? read.fields : null;
  const write = (next: BuilderField[], reordered = false) => onChange(next.length === 0 && value === undefined ? undefined : writeSchema(next, value), reordered);
  const update = (index: number, change: Partial<BuilderField>) => fields && write(fields.map((f, i) => (i === index ? { ...f, ...change } : f)));
  const move = (index: number, by: -1 | 1) => {
    if (!fields) return;
    const next = [...fields];
    const [field] = next.splice(index, 1);
    next.splice(index + by, 0, field);
    write(next, true);
  };
  const add = (kind: FieldKind) => {
    if (!fields) return;
    write([...fields, newField(kind, fields.map((f) => f.name))]);
    setAdding(false);
  };

  return (
    <div className="fb" data-testid="form-builder">
      <div className="fb-head">
        <span className="cf-label" id={`${id}-label`}>
          {label}
        </span>
        <div className="fb-tabs" role="tablist" aria-labelledby={`${id}-label`}>
          <button type="button" role="tab" aria-selected={view === 'fields'} className={`fb-tab${view === 'fields' ? ' fb-tab-on' : ''}`} onClick={() => setView('fields')}>
            Fields
          </button>
          <button type="button" role="tab" aria-selected={view === 'json'} className={`fb-tab${view === 'json' ? ' fb-tab-on' : ''}`} onClick={() => setView('json')}>
            JSON
          </button>
        </div>
      </div>
      {view === 'json' ? (
        json
      ) : !fields ? (
        <p className="fb-note" data-testid="form-builder-unsupported">
          {'unsupported' in read ? read.unsupported : ''} Edit it in the JSON view.
        </p>
      ) : (
        <>
          {fields.length === 0 && <p className="fb-note">No fields: the option submits no data. Add one below.</p>}
          <ol className="fb-fields">
            {fields.map((field, index) => (
              <FieldCard
                key={index}
                field={field}
                index={index}
                count={fields.length}
                readOnly={readOnly}
                names={fields.filter((_, i) => i !== index).map((f) => f.name)}
                update={(change) => update(index, change)}
                move={(by) => move(index, by)}
                remove={() => write(fields.filter((_, i) => i !== index))}
              />
            ))}
          </ol>
          {!readOnly &&
            (adding ? (
              <div className="fb-kinds" role="group" aria-label="Kind of field to add">
                {FIELD_KINDS.map((kind) => (
                  <button key={kind} type="button" className="fb-kind" onClick={() => add(kind)} data-testid={`form-builder-add-${kind}`}>
                    {KIND_LABELS[kind]}
                  </button>
                ))}
                <button type="button" className="fb-kind fb-kind-cancel" onClick={() => setAdding(false)}>
                  Cancel
                </button>
              </div>
            ) : (
              <button type="button" className="cf-add" onClick={() => setAdding(true)} data-testid="form-builder-add">
                Add field
              </button>
            ))}
        </>
      )}
    </div>
  );
}

interface FieldCardProps {
  field: BuilderField;
  index: number;
  count: number;
  readOnly: boolean;
  names: string[];
  update: (change: Partial<BuilderField>) => void;
  move: (by: -1 | 1) => void;
  remove: () => void;
}

function FieldCard({ field, index, count, readOnly, names, update, move, remove }: FieldCardProps) {
  const id = useId();
  // The name follows the label until it is edited by hand.
  const [nameTouched, setNameTouched] = useState(field.name !== nameFromLabel(field.label));
  const nameProblem = !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(field.name) ? 'Letters, digits and _ only, starting with a letter' : names.includes(field.name) ? 'Another field has this name' : null;
  const numeric = field.kind === 'number';
  const limits = field.kind !== 'select' && field.kind !== 'checkbox' && field.kind !== 'date';
  const num = (text: string) => (text.trim() === '' || !Number.isFinite(Number(text)) ? undefined : Number(text));
  return (
    <li className="fb-field" data-testid={`form-builder-field-${index}`} data-name={field.name} data-kind={field.kind}>
      <div className="fb-field-head">
        <span className="fb-index">{index + 1}</span>
        <select aria-label="Kind" value={field.kind} disabled={readOnly} onChange={(e) => update({ kind: e.target.value as FieldKind })} className="fb-select">
          {FIELD_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {KIND_LABELS[kind]}
            </option>
          ))}
        </select>
        {!readOnly && (
          <span className="fb-tools">
            <button type="button" className="cf-icon" aria-label="Move field up" title="Move up" disabled={index === 0} onClick={() => move(-1)}>
              ↑
            </button>
            <button type="button" className="cf-icon" aria-label="Move field down" title="Move down" disabled={index === count - 1} onClick={() => move(1)}>
              ↓
            </button>
            <button type="button" className="cf-icon cf-icon-danger" aria-label="Remove field" title="Remove" onClick={remove}>
              ×
            </button>
          </span>
        )}
      </div>
      <div className="fb-grid">
        <label htmlFor={`${id}-label`}>Label</label>
        <input
          id={`${id}-label`}
          className="cf-input"
          value={field.label}
          readOnly={readOnly}
          onChange={(e) => update(nameTouched ? { label: e.target.value } : { label: e.target.value, name: nameFromLabel(e.target.value) || field.name })}
        />
        <label htmlFor={`${id}-name`}>Name</label>
        <div>
          <input
            id={`${id}-name`}
            className={`cf-input fb-mono${nameProblem ? ' cf-input-invalid' : ''}`}
            value={field.name}
            readOnly={readOnly}
            spellCheck={false}
            aria-invalid={nameProblem ? true : undefined}
            onChange={(e) => {
              setNameTouched(true);
              // The rule shown is the rule applied: characters it forbids are not taken.
              update({ name: e.target.value.replace(/[^A-Za-z0-9_]/g, '').slice(0, 64) });
            }}
          />
          {nameProblem && <p className="cf-error">{nameProblem}</p>}
        </div>
        <label htmlFor={`${id}-help`}>Help</label>
        <input id={`${id}-help`} className="cf-input" value={field.help} readOnly={readOnly} placeholder="Shown under the field" onChange={(e) => update({ help: e.target.value })} />
        {field.kind === 'select' && (
          <>
            <label htmlFor={`${id}-choices`}>Choices</label>
            <textarea
              id={`${id}-choices`}
              className="cf-input"
              rows={Math.max(2, field.choices?.length ?? 2)}
              value={(field.choices ?? []).join('\n')}
              readOnly={readOnly}
              placeholder="One per line"
              onChange={(e) => update({ choices: e.target.value.split('\n').map((c) => c.trim()).filter(Boolean) })}
            />
          </>
        )}
        {limits && (
          <>
            <label htmlFor={`${id}-min`}>{numeric ? 'Minimum' : 'Min length'}</label>
            <div className="fb-pair">
              <input id={`${id}-min`} className="cf-input" type="number" value={field.min ?? ''} readOnly={readOnly} onChange={(e) => update({ min: num(e.target.value) })} />
              <label htmlFor={`${id}-max`}>{numeric ? 'Maximum' : 'Max length'}</label>
              <input id={`${id}-max`} className="cf-input" type="number" value={field.max ?? ''} readOnly={readOnly} onChange={(e) => update({ max: num(e.target.value) })} />
            </div>
          </>
        )}
        {(field.kind === 'text' || field.kind === 'password') && (
          <>
            <label htmlFor={`${id}-pattern`}>Pattern</label>
            <input id={`${id}-pattern`} className="cf-input fb-mono" value={field.pattern ?? ''} readOnly={readOnly} spellCheck={false} placeholder="A regular expression (optional)" onChange={(e) => update({ pattern: e.target.value || undefined })} />
          </>
        )}
      </div>
      <label className="fb-check">
        <input type="checkbox" checked={field.required} disabled={readOnly} onChange={(e) => update({ required: e.target.checked })} />
        {field.kind === 'checkbox' ? 'Must be ticked' : 'Required'}
      </label>
    </li>
  );
}
