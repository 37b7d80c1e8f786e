/**
 * The step config form, generated from the type's configSchema with @rjsf/core. The engine's
 * validator (live diagnostics) judges the config, not rjsf: rjsf's own validation is off so that
 * `{% %}` expressions are accepted anywhere. Non-text fields (numbers, booleans, selects) get an
 * ƒx toggle that turns them into an expression; free-form objects (claims, option schemas) are
 * edited as JSON. Schema defaults are shown as placeholders, never written into the journey.
 */
import Form, { getDefaultRegistry } from '@rjsf/core';
import type {
  ArrayFieldItemTemplateProps,
  ArrayFieldTemplateProps,
  FieldProps,
  FieldTemplateProps,
  IconButtonProps,
  ObjectFieldTemplateProps,
  RJSFSchema,
  UiSchema,
} from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import './ConfigForm.css';
import { FormBuilder } from '../form-builder/FormBuilder.js';
import { humanize } from '../model/humanize.js';
import type { JsonObject, JsonSchema } from '../../../../engine/http/contract/journey-document.js';

const isRecord = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const EXPRESSION = /^\{%[\s\S]*%\}$/;
export const isExpression = (v: unknown): v is string => typeof v === 'string' && EXPRESSION.test(v);

/** A free-form object: no declared properties (claims, headers, an option's JSON Schema…). */
function isFreeForm(schema: JsonObject): boolean {
  const type = schema.type;
  if (type === 'object' && !isRecord(schema.properties)) return true;
  if (type === undefined && !schema.enum && !schema.properties && !schema.items && !schema.anyOf && !schema.oneOf) return true;
  return false;
}

interface Prepared {
  schema: RJSFSchema;
  uiSchema: UiSchema;
}

/** Strips defaults (into placeholders) and marks free-form objects for the JSON editor. */
export function prepareSchema(source: JsonSchema): Prepared {
  const walk = (schema: unknown, depth: number): { schema: JsonObject; ui: JsonObject } => {
    if (!isRecord(schema) || depth > 8) return { schema: isRecord(schema) ? schema : {}, ui: {} };
    const out: JsonObject = { ...schema };
    const ui: JsonObject = {};
    if (out.default !== undefined) {
      const d = out.default;
      delete out.default;
      if (typeof d !== 'object') ui['ui:placeholder'] = `Default: ${String(d)}`;
      else ui['ui:help'] = `Default: ${JSON.stringify(d)}`;
    }
    delete out.$schema;
    delete out.not; // rjsf cannot render it; the engine checks it
    if (depth > 0 && isFreeForm(out)) {
      ui['ui:field'] = 'json';
      return { schema: out, ui };
    }
    if (isRecord(out.properties)) {
      const props: JsonObject = {};
      for (const [key, value] of Object.entries(out.properties)) {
        const child = walk(value, depth + 1);
        props[key] = child.schema;
        if (isRecord(value) && typeof value.title !== 'string') child.ui['ui:title'] = humanize(key);
        if (Object.keys(child.ui).length) ui[key] = child.ui;
      }
      out.properties = props;
    }
    if (out.additionalProperties !== undefined && out.additionalProperties !== false && depth > 0) {
      // Maps (variable name → value) read best as JSON.
      ui['ui:field'] = 'json';
      return { schema: out, ui };
    }
    if (isRecord(out.items)) {
      const child = walk(out.items, depth + 1);
      out.items = child.schema;
      if (Object.keys(child.ui).length) ui.items = child.ui;
      if (Array.isArray((child.schema as JsonObject).enum)) ui['ui:widget'] = 'checkboxes';
    }
    return { schema: out, ui };
  };
  const { schema, ui } = walk(source, 0);
  ui['ui:submitButtonOptions'] = { norender: true };
  ui['ui:globalOptions'] = { copyable: false };
  return { schema: schema as RJSFSchema, uiSchema: ui as UiSchema };
}

/** Removes undefined values (cleared fields), so the document keeps only what was set. */
export function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : prune(v)));
  if (isRecord(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = prune(v);
    return out;
  }
  return value;
}

/** A leaf whose widget cannot hold text gets the ƒx toggle. */
function wantsToggle(schema: JsonObject): boolean {
  if (Array.isArray(schema.enum)) return true;
  const type = schema.type;
  return type === 'boolean' || type === 'integer' || type === 'number';
}

const DefaultSchemaField = getDefaultRegistry().fields.SchemaField;

function ExpressionAwareSchemaField(props: FieldProps) {
  const { schema, formData, onChange, fieldPathId, uiSchema, readonly, disabled, name } = props;
  const isRoot = fieldPathId.path.length === 0;
  const toggle = !isRoot && wantsToggle(schema as JsonObject) && uiSchema?.['ui:field'] !== 'json';
  const expression = isExpression(formData);
  const [mode, setMode] = useState<'value' | 'expression'>(expression ? 'expression' : 'value');
  useEffect(() => {
    if (expression) setMode('expression');
  }, [expression]);
  if (!toggle) return <DefaultSchemaField {...props} />;
  const label = (uiSchema?.['ui:title'] as string | undefined) || (typeof schema.title === 'string' && schema.title) || name;
  const id = fieldPathId.$id;
  const switchMode = () => {
    if (mode === 'expression') {
      setMode('value');
      onChange(undefined, fieldPathId.path);
    } else {
      setMode('expression');
      onChange('{%  %}', fieldPathId.path);
    }
  };
  const button = (
    <button
      type="button"
      className={`cf-fx${mode === 'expression' ? ' cf-fx-on' : ''}`}
      onClick={switchMode}
      disabled={readonly || disabled}
      title={mode === 'expression' ? 'Use a fixed value' : 'Use an expression'}
      aria-pressed={mode === 'expression'}
      aria-label={`${label}: ${mode === 'expression' ? 'use a fixed value' : 'use an expression'}`}
    >
      ƒx
    </button>
  );
  if (mode === 'expression') {
    return (
      <div className="cf-field cf-has-fx">
        <label className="cf-label" htmlFor={id}>
          {label}
        </label>
        {button}
        <input
          id={id}
          className="cf-input cf-expression"
          value={typeof formData === 'string' ? formData : ''}
          onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value, fieldPathId.path)}
          readOnly={readonly}
          disabled={disabled}
          spellCheck={false}
          placeholder="{% expression %}"
        />
        {typeof schema.description === 'string' && <p className="cf-help">{schema.description}</p>}
      </div>
    );
  }
  return (
    <div className="cf-has-fx">
      {button}
      <DefaultSchemaField {...props} />
    </div>
  );
}

/** JSON (or a whole-value `{% %}` expression) for free-form objects. */
function JsonField(props: FieldProps) {
  const { formData, onChange, fieldPathId, schema, name, readonly, disabled, uiSchema, required } = props;
  const render = (value: unknown) => (value === undefined ? '' : isExpression(value) ? value : JSON.stringify(value, null, 2));
  const [text, setText] = useState(() => render(formData));
  const [error, setError] = useState<string | null>(null);
  const last = useRef(formData);
  useEffect(() => {
    // An outside change (undo, another panel): show it, unless it is what we just sent.
    if (formData !== last.current) {
      last.current = formData;
      setText(render(formData));
      setError(null);
    }
  }, [formData]);
  const label = (uiSchema?.['ui:title'] as string | undefined) || (typeof schema.title === 'string' && schema.title) || name;
  const help = uiSchema?.['ui:help'];
  return (
    <div className="cf-field">
      <label className="cf-label" htmlFor={fieldPathId.$id}>
        {label}
        {required && <span className="cf-required" aria-hidden="true">*</span>}
      </label>
      <textarea
        id={fieldPathId.$id}
        className={`cf-input cf-json${error ? ' cf-input-invalid' : ''}`}
        value={text}
        rows={Math.min(14, Math.max(3, text.split('\n').length))}
        spellCheck={false}
        readOnly={readonly}
        disabled={disabled}
        placeholder={schema.type === 'object' || schema.additionalProperties !== undefined ? '{ }' : 'JSON'}
        aria-invalid={error ? true : undefined}
        onChange={(e) => {
          const value = e.target.value;
          setText(value);
          const trimmed = value.trim();
          let next: unknown;
          if (trimmed === '') next = undefined;
          else if (isExpression(trimmed)) next = trimmed;
          else {
            try {
              next = JSON.parse(trimmed);
            } catch (err) {
              setError(`Not valid JSON yet: ${(err as Error).message}`);
              return;
            }
          }
          setError(null);
          last.current = next;
          onChange(next, fieldPathId.path);
        }}
      />
      {error ? <p className="cf-error">{error}</p> : typeof schema.description === 'string' ? <p className="cf-help">{schema.description}</p> : null}
      {typeof help === 'string' && !error && <p className="cf-help">{help}</p>}
    </div>
  );
}

/**
 * The form builder writes the config straight (not through rjsf's onChange): the order of a form's
 * fields is the order of its schema's properties, and rjsf compares data without key order, so it
 * would take a reordering for no change. A reordering also re-creates the form (`epoch`), so rjsf
 * does not keep, and later write back, the previous order.
 */
interface BuilderContext {
  write: (path: ReadonlyArray<string | number>, value: unknown, reordered: boolean) => void;
}

function setAt(value: unknown, path: ReadonlyArray<string | number>, leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? setAt(v, rest, leaf) : v));
  const record = isRecord(value) ? value : {};
  return { ...record, [head]: setAt(record[head], rest, leaf) };
}

/** A form option's data schema: the form builder, with the JSON editor as its JSON view. */
function FormBuilderField(props: FieldProps) {
  const { formData, onChange, fieldPathId, readonly, disabled, schema, uiSchema, name } = props;
  const label = (uiSchema?.['ui:title'] as string | undefined) || (typeof schema.title === 'string' && schema.title) || name;
  return (
    <FormBuilder
      value={formData as JsonSchema | undefined}
      onChange={(next, reordered) => (props.registry.formContext as BuilderContext).write(fieldPathId.path, next, reordered)}
      readOnly={!!(readonly || disabled)}
      label={label}
      json={<JsonField {...props} uiSchema={{ ...uiSchema, 'ui:title': 'JSON Schema' }} />}
    />
  );
}

/** The form step's option schemas get the form builder (its option data is a form's fields). */
function withFormBuilder(prepared: Prepared, stepType: string | undefined): Prepared {
  if (stepType !== 'form') return prepared;
  const ui = prepared.uiSchema as JsonObject;
  const options = isRecord(ui.options) ? ui.options : {};
  const items = isRecord(options.items) ? options.items : {};
  const schema = isRecord(items.schema) ? items.schema : {};
  return { ...prepared, uiSchema: { ...ui, options: { ...options, items: { ...items, schema: { ...schema, 'ui:field': 'formBuilder' } } } } as UiSchema };
}

function FieldTemplate(props: FieldTemplateProps) {
  const { id, label, required, displayLabel, description, children, hidden, schema, rawHelp, classNames } = props;
  if (hidden) return <div hidden>{children}</div>;
  const type = schema.type;
  const container = type === 'object' || type === 'array';
  if (container) return <div className={`cf-container ${classNames ?? ''}`}>{children}</div>;
  const checkbox = type === 'boolean';
  return (
    <div className={`cf-field${checkbox ? ' cf-field-check' : ''}`}>
      {displayLabel && !checkbox && (
        <label className="cf-label" htmlFor={id}>
          {label}
          {required && <span className="cf-required" aria-hidden="true">*</span>}
        </label>
      )}
      {children}
      {displayLabel && description}
      {rawHelp && <p className="cf-help">{rawHelp}</p>}
    </div>
  );
}

function ObjectFieldTemplate(props: ObjectFieldTemplateProps) {
  const { title, properties, fieldPathId, description } = props;
  const root = fieldPathId.path.length === 0;
  const inArray = typeof fieldPathId.path[fieldPathId.path.length - 1] === 'number';
  if (root || inArray) return <div className="cf-object">{properties.map((p) => p.content)}</div>;
  return (
    <fieldset className="cf-group">
      {title && <legend className="cf-legend">{title}</legend>}
      {description}
      <div className="cf-object">{properties.map((p) => p.content)}</div>
    </fieldset>
  );
}

function ArrayFieldTemplate(props: ArrayFieldTemplateProps) {
  const { title, items, canAdd, onAddClick, disabled, readonly, schema, required } = props;
  return (
    <fieldset className="cf-array">
      <legend className="cf-legend">
        {title}
        {required && <span className="cf-required" aria-hidden="true">*</span>}
        <span className="cf-count">{items.length}</span>
      </legend>
      {typeof schema.description === 'string' && <p className="cf-help">{schema.description}</p>}
      <div className="cf-items">{items}</div>
      {canAdd && (
        <button type="button" className="cf-add" onClick={onAddClick} disabled={disabled || readonly}>
          <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
            <path fill="currentColor" d="M7.25 2h1.5v5.25H14v1.5H8.75V14h-1.5V8.75H2v-1.5h5.25V2Z" />
          </svg>
          Add {singular(title)}
        </button>
      )}
    </fieldset>
  );
}

function singular(title?: string): string {
  if (!title) return 'item';
  const t = title.toLowerCase();
  return t.endsWith('ies') ? `${t.slice(0, -3)}y` : t.endsWith('s') ? t.slice(0, -1) : t;
}

function ArrayFieldItemTemplate(props: ArrayFieldItemTemplateProps) {
  const { children, buttonsProps, hasToolbar, index, totalItems } = props;
  const b = buttonsProps;
  return (
    <div className="cf-item">
      <div className="cf-item-head">
        <span className="cf-item-index">#{index + 1}</span>
        {hasToolbar && (
          <div className="cf-item-tools">
            {(b.hasMoveUp || b.hasMoveDown) && totalItems > 1 && (
              <>
                <IconBtn label="Move up" disabled={!b.hasMoveUp || b.disabled || b.readonly} onClick={b.onMoveUpItem} path="M8 3.5 3 8.5l1.06 1.06L7.25 6.4V13h1.5V6.4l3.19 3.16L13 8.5 8 3.5Z" />
                <IconBtn label="Move down" disabled={!b.hasMoveDown || b.disabled || b.readonly} onClick={b.onMoveDownItem} path="M8 12.5 13 7.5l-1.06-1.06L8.75 9.6V3h-1.5v6.6L4.06 6.44 3 7.5l5 5Z" />
              </>
            )}
            {b.hasRemove && (
              <IconBtn label="Remove" danger disabled={b.disabled || b.readonly} onClick={b.onRemoveItem} path="M4.28 3.22 8 6.94l3.72-3.72 1.06 1.06L9.06 8l3.72 3.72-1.06 1.06L8 9.06l-3.72 3.72-1.06-1.06L6.94 8 3.22 4.28l1.06-1.06Z" />
            )}
          </div>
        )}
      </div>
      <div className="cf-item-body">{children}</div>
    </div>
  );
}

function IconBtn({ label, path, onClick, disabled, danger }: { label: string; path: string; onClick: (e?: any) => void; disabled?: boolean; danger?: boolean }) {
  return (
    <button type="button" className={`cf-icon${danger ? ' cf-icon-danger' : ''}`} title={label} aria-label={label} onClick={onClick} disabled={disabled}>
      <svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true">
        <path fill="currentColor" d={path} />
      </svg>
    </button>
  );
}

function AddButton(props: IconButtonProps) {
  return (
    <button type="button" className="cf-add" onClick={props.onClick} disabled={props.disabled}>
      Add
    </button>
  );
}

const NoButton = () => null;

const templates = {
  FieldTemplate,
  ObjectFieldTemplate,
  ArrayFieldTemplate,
  ArrayFieldItemTemplate,
  ButtonTemplates: { AddButton, CopyButton: NoButton, MoveDownButton: NoButton, MoveUpButton: NoButton, RemoveButton: NoButton, ClearButton: NoButton },
};

const fields = { SchemaField: ExpressionAwareSchemaField, json: JsonField, formBuilder: FormBuilderField };

const defaultsBehaviour = {
  emptyObjectFields: 'skipDefaults',
  arrayMinItems: { populate: 'never' },
  constAsDefaults: 'never',
} as const;

export interface ConfigFormProps {
  schema: JsonSchema;
  config: JsonObject;
  readOnly: boolean;
  onChange: (config: JsonObject) => void;
  /** The step's type: a form's option schemas get the form builder. */
  stepType?: string;
}

export const ConfigForm = memo(function ConfigForm({ schema, config, readOnly, onChange, stepType }: ConfigFormProps) {
  const prepared = useMemo(() => withFormBuilder(prepareSchema(schema), stepType), [schema, stepType]);
  const latest = useRef(config);
  latest.current = config;
  const [epoch, setEpoch] = useState(0);
  const formContext = useMemo<BuilderContext>(
    () => ({
      write(path, value, reordered) {
        if (reordered) setEpoch((e) => e + 1);
        onChange(prune(setAt(latest.current, path, value)) as JsonObject);
      },
    }),
    [onChange],
  );
  return (
    <Form
      key={epoch}
      formContext={formContext}
      className="cf"
      schema={prepared.schema}
      uiSchema={prepared.uiSchema}
      formData={config}
      validator={validator}
      noValidate
      noHtml5Validate
      showErrorList={false}
      liveValidate={false}
      readonly={readOnly}
      templates={templates}
      fields={fields}
      experimental_defaultFormStateBehavior={defaultsBehaviour as never}
      onChange={(event) => {
        const next = prune(event.formData ?? {}) as JsonObject;
        if (JSON.stringify(next) !== JSON.stringify(prune(latest.current))) onChange(next);
      }}
      onSubmit={() => undefined}
    />
  );
});
