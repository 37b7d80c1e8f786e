/**
 * The inspector: the selected step (id, name, generated config form, branches, failure handling),
 * a selected connection, several steps, or, with nothing selected, the journey's own settings.
 */
import { lazy, memo, Suspense, useEffect, useRef, useState } from 'react';
import './side-panel.css';
import './Inspector.css';
import type { StepCatalogueEntry as CatalogueEntry, Diagnostic } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc, JsonObject, StepDoc } from '../../../../engine/http/contract/journey-document.js';
import { categoryColour, categoryLabel } from '../categories.js';
import type { Explained } from '../model/messages.js';
import { branchHandles, connect, disconnect, renameStep, STEP_ID, updateStep } from '../model/journey-ops.js';
import { parseEdgeId } from '../canvas/Canvas.js';
import { StepSelect } from './StepSelect.js';
// rjsf and its validator load with the first step opened (and are prefetched once the canvas is up).
export const loadConfigForm = () => import('./ConfigForm.js');
const ConfigForm = lazy(() => loadConfigForm().then((m) => ({ default: m.ConfigForm })));

type Apply = (update: (doc: JourneyDoc) => JourneyDoc, group?: string) => void;

export interface InspectorProps {
  doc: JourneyDoc;
  catalogue: Map<string, CatalogueEntry>;
  selectedNodes: Set<string>;
  selectedEdges: Set<string>;
  diagnostics: Diagnostic[];
  /** A sentence a person understands for each diagnostic (model/messages.ts); the raw message on hover. */
  explain?: (diagnostic: Diagnostic) => Explained;
  readOnly: boolean;
  apply: Apply;
  selectStep: (id: string | null) => void;
  deleteSelection: () => void;
  duplicateSelection: () => void;
}

export const Inspector = memo(function Inspector(props: InspectorProps) {
  const { doc, selectedNodes, selectedEdges } = props;
  const nodes = [...selectedNodes].filter((id) => doc.steps[id]);
  let body: React.ReactNode;
  if (nodes.length === 1) body = <StepInspector key={nodes[0]} {...props} stepId={nodes[0]} />;
  else if (nodes.length > 1) body = <MultiInspector {...props} count={nodes.length} />;
  else if (selectedEdges.size === 1) body = <EdgeInspector {...props} edge={[...selectedEdges][0]} />;
  else body = <JourneyInspector {...props} />;
  // A new selection starts at the top of the panel.
  const panel = useRef<HTMLElement>(null);
  const subject = nodes.length === 1 ? `step:${nodes[0]}` : nodes.length > 1 ? 'many' : selectedEdges.size === 1 ? `edge:${[...selectedEdges][0]}` : 'journey';
  useEffect(() => {
    if (panel.current) panel.current.scrollTop = 0;
  }, [subject]);
  return (
    <aside className="je-inspector" data-testid="inspector" aria-label="Inspector" ref={panel}>
      {body}
    </aside>
  );
});

function Section({ title, children, aside }: { title: string; children: React.ReactNode; aside?: React.ReactNode }) {
  return (
    <section className="ins-section">
      <div className="ins-section-head">
        <h3>{title}</h3>
        {aside}
      </div>
      {children}
    </section>
  );
}

function StepInspector({ doc, catalogue, stepId, diagnostics, explain, readOnly, apply, selectStep, deleteSelection, duplicateSelection }: InspectorProps & { stepId: string }) {
  const step = doc.steps[stepId];
  const entry = catalogue.get(step.type);
  const mine = diagnostics.filter((d) => d.stepId === stepId);
  const handles = branchHandles(step, entry);
  const set = (field: keyof StepDoc, value: unknown) =>
    apply((d) => updateStep(d, stepId, (s) => ({ ...s, [field]: value === '' ? undefined : value })), `${stepId}:${field}`);

  return (
    <div className="ins-body">
      <header className="ins-head">
        <span className="ins-cat" style={{ background: categoryColour(entry?.category ?? 'other') }} aria-hidden="true" />
        <div className="ins-head-text">
          <h2 className="ins-title">{step.name || stepId}</h2>
          <div className="ins-subtitle">
            {entry?.title ?? 'Unknown step type'} · <code>{step.type}</code>
            {entry && <span className="ins-chip">{categoryLabel(entry.category)}</span>}
          </div>
        </div>
      </header>
      {entry?.description && <p className="ins-description">{entry.description}</p>}
      {mine.length > 0 && (
        <ul className="ins-issues" aria-label="Problems in this step">
          {mine.map((d, i) => (
            <li key={i} className={`ins-issue ins-issue-${d.severity}`}>
              <span className="ins-issue-code">{d.code}</span>{' '}
              <span className="ins-issue-message" title={explain ? d.message : undefined} data-raw={d.message}>
                {explain ? explain(d).text : d.message}
              </span>
              {d.suggestion && (
                <span className="ins-issue-suggestion" data-testid="inspector-suggestion">
                  Did you mean <code>{d.suggestion}</code>?
                </span>
              )}
              {d.path && <span className="ins-issue-path">{d.path.replace(`/steps/${stepId}`, '') || '/'}</span>}
            </li>
          ))}
        </ul>
      )}

      <Section title="Step">
        <StepIdField doc={doc} stepId={stepId} readOnly={readOnly} onRename={(to) => { apply((d) => renameStep(d, stepId, to)); selectStep(to); }} />
        <div className="ins-field">
          <label htmlFor="ins-name">Name</label>
          <input id="ins-name" className="ins-input" value={step.name ?? ''} placeholder={entry?.title ?? stepId} readOnly={readOnly} onChange={(e) => set('name', e.target.value)} />
        </div>
        <div className="ins-row">
          {doc.start === stepId ? (
            <span className="ins-start-badge">Start step</span>
          ) : (
            <button type="button" className="btn btn-small" disabled={readOnly} onClick={() => apply((d) => ({ ...d, start: stepId }))}>
              Make this the start step
            </button>
          )}
        </div>
      </Section>

      <Section title="Configuration">
        {entry ? (
          <Suspense fallback={<p className="ins-muted">Loading the settings…</p>}>
            <ConfigForm stepType={step.type} schema={entry.configSchema} config={(step.config ?? {}) as JsonObject} readOnly={readOnly} onChange={(config) => apply((d) => updateStep(d, stepId, (s) => ({ ...s, config })), `${stepId}:config`)} />
          </Suspense>
        ) : (
          <p className="ins-muted">This step type is not registered on the server, so its settings cannot be edited here.</p>
        )}
      </Section>

      <Section title="Branches">
        <div className="ins-branches">
          {handles.map((h) => {
            const target = step.branches?.[h.name] ?? '';
            const id = `ins-branch-${h.name}`;
            return (
              <div key={h.name} className={`ins-branch ins-branch-${h.kind}`}>
                <label htmlFor={id} className="ins-branch-name" title={h.kind === 'failure' ? 'Followed when the step fails (if connected and On failure is not "end")' : h.kind === 'extra' ? 'Not a branch of this step type' : undefined}>
                  {h.name}
                </label>
                <StepSelect
                  id={id}
                  value={target}
                  steps={doc.steps}
                  disabled={readOnly}
                  none="Not connected"
                  label={(s, other) => (other.name && other.name !== s ? `${other.name} (${s})` : s)}
                  onChange={(value) => apply((d) => (value ? connect(d, stepId, h.name, value) : disconnect(d, [{ source: stepId, branch: h.name }])))}
                />
                {target && doc.steps[target] && (
                  <button type="button" className="ins-goto" title={`Select ${target}`} aria-label={`Select ${target}`} onClick={() => selectStep(target)}>
                    →
                  </button>
                )}
              </div>
            );
          })}
        </div>
      </Section>

      <Section title="When the step fails">
        <div className="ins-field">
          <label htmlFor="ins-onfailure">On failure</label>
          <select id="ins-onfailure" className="ins-input" value={step.onFailure ?? 'branch'} disabled={readOnly} onChange={(e) => set('onFailure', e.target.value === 'branch' ? undefined : e.target.value)}>
            <option value="branch">Follow the failure branch (if connected)</option>
            <option value="abort">End the session as failed</option>
          </select>
        </div>
        <div className="ins-field">
          <label htmlFor="ins-error-var">Error output variable</label>
          <input
            id="ins-error-var"
            className="ins-input ins-mono"
            value={step.errorOutputVariable ?? ''}
            placeholder="e.g. authError"
            readOnly={readOnly}
            spellCheck={false}
            onChange={(e) => set('errorOutputVariable', e.target.value)}
          />
          <p className="ins-help">Receives {'{ code, message, details }'} when the step fails.</p>
        </div>
      </Section>

      {!readOnly && (
        <div className="ins-footer">
          <button type="button" className="btn btn-small" onClick={duplicateSelection}>
            Duplicate
          </button>
          <button type="button" className="btn btn-small btn-danger-ghost" onClick={deleteSelection}>
            Delete step
          </button>
        </div>
      )}
    </div>
  );
}

function StepIdField({ doc, stepId, readOnly, onRename }: { doc: JourneyDoc; stepId: string; readOnly: boolean; onRename: (to: string) => void }) {
  const [value, setValue] = useState(stepId);
  useEffect(() => setValue(stepId), [stepId]);
  const problem = value === stepId ? null : !STEP_ID.test(value) ? 'Letters, digits, - and _ only, starting with a letter' : doc.steps[value] ? 'Another step has this id' : null;
  const commit = () => {
    if (value !== stepId && !problem) onRename(value);
    else if (problem) setValue(stepId);
  };
  return (
    <div className="ins-field">
      <label htmlFor="ins-id">Step id</label>
      <input
        id="ins-id"
        className={`ins-input ins-mono${problem ? ' ins-input-invalid' : ''}`}
        value={value}
        readOnly={readOnly}
        spellCheck={false}
        aria-invalid={problem ? true : undefined}
        // The rule shown is the rule applied: characters a step id cannot hold are not taken.
        onChange={(e) => setValue(e.target.value.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64))}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setValue(stepId);
        }}
      />
      {problem ? <p className="ins-error">{problem}</p> : <p className="ins-help">Branches pointing here follow a rename.</p>}
    </div>
  );
}

function MultiInspector({ count, readOnly, deleteSelection, duplicateSelection }: InspectorProps & { count: number }) {
  return (
    <div className="ins-body">
      <header className="ins-head">
        <div className="ins-head-text">
          <h2 className="ins-title">{count} steps selected</h2>
          <div className="ins-subtitle">Drag to move them together; copy with Ctrl+C.</div>
        </div>
      </header>
      {!readOnly && (
        <div className="ins-footer ins-footer-top">
          <button type="button" className="btn btn-small" onClick={duplicateSelection}>
            Duplicate
          </button>
          <button type="button" className="btn btn-small btn-danger-ghost" onClick={deleteSelection}>
            Delete {count} steps
          </button>
        </div>
      )}
    </div>
  );
}

function EdgeInspector({ doc, edge, readOnly, deleteSelection, selectStep }: InspectorProps & { edge: string }) {
  const { source, branch } = parseEdgeId(edge);
  const target = doc.steps[source]?.branches?.[branch];
  const end = (id: string | undefined, label: string) =>
    id ? (
      <div className="ins-end">
        <span className="ins-end-label">{label}</span>
        <button type="button" className="ins-end-step" onClick={() => selectStep(id)}>
          <span className="ins-end-name">{doc.steps[id]?.name || id}</span>
          <code>{id}</code>
        </button>
      </div>
    ) : null;
  return (
    <div className="ins-body">
      <header className="ins-head">
        <div className="ins-head-text">
          <h2 className="ins-title">Connection</h2>
          <div className="ins-subtitle">
            Branch <code>{branch}</code>
            {branch === 'failure' && ' (taken when the step fails)'}
          </div>
        </div>
      </header>
      <Section title="Route">
        {end(source, 'From')}
        {end(target, 'To')}
      </Section>
      {!readOnly && (
        <div className="ins-footer">
          <span className="ins-help">Or press Delete.</span>
          <button type="button" className="btn btn-small btn-danger-ghost" onClick={deleteSelection}>
            Remove connection
          </button>
        </div>
      )}
    </div>
  );
}

function JourneyInspector({ doc, readOnly, apply }: InspectorProps) {
  const settings = doc.settings ?? {};
  const setDoc = (patch: Partial<JourneyDoc>, group: string) => apply((d) => tidy({ ...d, ...patch }), group);
  const setSettings = (patch: Partial<NonNullable<JourneyDoc['settings']>>, group: string) =>
    apply((d) => tidy({ ...d, settings: tidySettings({ ...d.settings, ...patch }) }), group);
  return (
    <div className="ins-body">
      <header className="ins-head">
        <div className="ins-head-text">
          <h2 className="ins-title">Journey settings</h2>
          <div className="ins-subtitle">
            <code>{doc.id}</code> · select a step to edit it
          </div>
        </div>
      </header>
      <Section title="General">
        <div className="ins-field">
          <label htmlFor="j-name">Name</label>
          <input id="j-name" className="ins-input" value={doc.name ?? ''} readOnly={readOnly} onChange={(e) => setDoc({ name: e.target.value || undefined }, 'journey:name')} />
        </div>
        <div className="ins-field">
          <label htmlFor="j-description">Description</label>
          <textarea id="j-description" className="ins-input" rows={3} value={doc.description ?? ''} readOnly={readOnly} onChange={(e) => setDoc({ description: e.target.value || undefined }, 'journey:description')} />
        </div>
        <div className="ins-field">
          <label htmlFor="j-start">Start step</label>
          <StepSelect id="j-start" value={doc.start} steps={doc.steps} disabled={readOnly} onChange={(start) => setDoc({ start }, 'journey:start')} />
        </div>
      </Section>
      <Section title="Access">
        <label className="ins-check">
          <input type="checkbox" checked={settings.public === true} disabled={readOnly} onChange={(e) => setSettings({ public: e.target.checked || undefined }, 'journey:public')} />
          <span>
            Public
            <span className="ins-help">Anyone may start it without a key (its input is then untrusted), in the hosted runner too.</span>
          </span>
        </label>
        <div className="ins-field">
          <label htmlFor="j-ttl">Session lifetime (seconds)</label>
          <input
            id="j-ttl"
            className="ins-input"
            type="number"
            min={30}
            max={604800}
            placeholder="Default: 900"
            value={settings.sessionTtlSeconds ?? ''}
            readOnly={readOnly}
            onChange={(e) => setSettings({ sessionTtlSeconds: e.target.value === '' ? undefined : Number(e.target.value) }, 'journey:ttl')}
          />
        </div>
        <div className="ins-field">
          <label htmlFor="j-actions">Actions</label>
          <input
            id="j-actions"
            className="ins-input"
            placeholder="e.g. signIn, stepUp"
            value={(settings.actions ?? []).join(', ')}
            readOnly={readOnly}
            onChange={(e) => {
              const actions = e.target.value.split(',').map((a) => a.trim()).filter(Boolean);
              setSettings({ actions: actions.length ? actions : undefined }, 'journey:actions');
            }}
          />
          <p className="ins-help">Names that start this journey through the Authsignal-compatible API.</p>
        </div>
      </Section>
      <Section title="Start input">
        <InputSchemaField doc={doc} readOnly={readOnly} apply={apply} />
      </Section>
      {!readOnly && doc.settings?.public && (
        <p className="ins-help ins-pad">
          Hosted page once published:{' '}
          <a href={`/run/${encodeURIComponent(doc.id)}`} target="_blank" rel="noreferrer">
            /run/{doc.id}
          </a>
        </p>
      )}
    </div>
  );
}

function InputSchemaField({ doc, readOnly, apply }: { doc: JourneyDoc; readOnly: boolean; apply: Apply }) {
  const [text, setText] = useState(() => (doc.input ? JSON.stringify(doc.input, null, 2) : ''));
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="ins-field">
      <label htmlFor="j-input">JSON Schema of the start input</label>
      <textarea
        id="j-input"
        className={`ins-input ins-mono${error ? ' ins-input-invalid' : ''}`}
        rows={5}
        spellCheck={false}
        placeholder='{ "type": "object" }'
        value={text}
        readOnly={readOnly}
        onChange={(e) => {
          setText(e.target.value);
          const trimmed = e.target.value.trim();
          if (!trimmed) {
            setError(null);
            apply((d) => tidy({ ...d, input: undefined }), 'journey:input');
            return;
          }
          try {
            const parsed = JSON.parse(trimmed);
            setError(null);
            apply((d) => ({ ...d, input: parsed }), 'journey:input');
          } catch (err) {
            setError(`Not valid JSON yet: ${(err as Error).message}`);
          }
        }}
      />
      {error ? <p className="ins-error">{error}</p> : <p className="ins-help">Optional. A start whose input does not match is refused.</p>}
    </div>
  );
}

function tidySettings(settings: NonNullable<JourneyDoc['settings']>): JourneyDoc['settings'] {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length ? (out as JourneyDoc['settings']) : undefined;
}

function tidy(doc: JourneyDoc): JourneyDoc {
  const out = { ...doc } as Record<string, unknown>;
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out as unknown as JourneyDoc;
}
