/**
 * The journey editor: toolbar, palette, canvas, inspector or test-run panel, and live diagnostics.
 * The journey document is the one source of truth, kept in an undo/redo history; the canvas and
 * the panels derive everything from it.
 */
import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { AdminApi } from '../api/admin.js';
import { ApiError } from '../api/http.js';
import type { CatalogueEntry, Diagnostic, JourneyDoc, Position } from '../api/types.js';
import { sentence } from '../renderer/schema-fields.js';
import { useFeedback } from '../ui/feedback.js';
import { Canvas, parseEdgeId, type CanvasHandle, type RunHighlight, type SelectionChange } from './canvas/Canvas.js';
import { canRedo, canUndo, historyReducer, initialHistory } from './model/history.js';
import { addStep, branchHandles, copySteps, deleteSteps, disconnect, ensureLayout, pasteSteps, type Clipboard } from './model/journey-ops.js';
import { autoLayout } from './canvas/auto-layout.js';
import { useLiveValidation } from './model/live-validation.js';
import { useStepIssues } from './model/step-issues.js';
import { Diagnostics } from './panels/Diagnostics.js';
import { Inspector, loadConfigForm } from './panels/Inspector.js';
import { Palette } from './panels/Palette.js';
import { RunPanel } from './panels/RunPanel.js';
import { takePrefetchedJourney } from './prefetch.js';
import { whenIdle } from './idle.js';
import { downloadJson, formatDate } from './util.js';

export interface EditorProps {
  api: AdminApi;
  catalogue: CatalogueEntry[];
  journeyId: string;
  /** A published version, shown read-only; null: the draft. */
  version: number | null;
  navigate: (path: string) => void;
  setLeaveGuard: (guard: (() => boolean) | null) => void;
}

interface Loaded {
  doc: JourneyDoc;
  /** The server's diagnostics of the draft as loaded (none for a published version). */
  diagnostics?: Diagnostic[];
  etag: string | null;
  versions: Array<{ version: number; publishedAt: string }>;
}

let clipboard: Clipboard | null = null;

/** The document with a position for every step, or null when most are missing (elk has to place them). */
function placedNow(doc: JourneyDoc): JourneyDoc | null {
  const ids = Object.keys(doc.steps);
  const missing = ids.filter((id) => !doc.layout?.[id]);
  if (missing.length === 0) return doc;
  if (missing.length * 2 < ids.length) return ensureLayout(doc);
  return null;
}

/** Positions for a journey whose layout is missing or mostly missing (hand-written files): elk, with estimated sizes. */
async function placeSteps(doc: JourneyDoc, catalogue: CatalogueEntry[]): Promise<JourneyDoc> {
  const now = placedNow(doc);
  if (now) return now;
  const ids = Object.keys(doc.steps);
  try {
    const types = new Map(catalogue.map((e) => [e.type, e]));
    const nodes = ids.map((id) => {
      const handles = branchHandles(doc.steps[id], types.get(doc.steps[id].type)).map((h) => h.name);
      return { id, width: 220, height: 62 + 22 * handles.length, handles };
    });
    const edges = ids.flatMap((source) => Object.entries(doc.steps[source].branches ?? {}).map(([branch, target]) => ({ source, branch, target })));
    return { ...doc, layout: await autoLayout(nodes, edges) };
  } catch {
    return ensureLayout(doc);
  }
}

export function Editor(props: EditorProps) {
  const { api, journeyId, version } = props;
  // Opened by its URL, the draft has usually arrived (prefetched) by the time the editor mounts:
  // it then renders on the first pass, not after an effect, an await and another render.
  const [prefetched] = useState(() => {
    const hit = takePrefetchedJourney(api.key, journeyId);
    const placed = version === null && hit?.value ? placedNow(hit.value.draft) : null;
    if (!hit?.value || !placed) return { hit, ready: null };
    performance.mark('journey:loaded');
    return { hit: null, ready: { doc: placed, diagnostics: hit.value.diagnostics, etag: hit.value.etag, versions: hit.value.versions } };
  });
  const [loaded, setLoaded] = useState<Loaded | null>(prefetched.ready);
  const [loadError, setLoadError] = useState<string | null>(null);
  const pending = useRef(prefetched);

  useEffect(() => {
    const { hit, ready } = pending.current;
    pending.current = { hit: null, ready: null };
    if (ready) return;
    let cancelled = false;
    setLoaded(null);
    setLoadError(null);
    (async () => {
      try {
        const view = await (hit?.promise ?? api.journey(journeyId));
        const doc = version === null ? view.draft : await api.version(journeyId, version);
        const placed = await placeSteps(doc, props.catalogue);
        if (cancelled) return;
        performance.mark('journey:loaded');
        setLoaded({ doc: placed, diagnostics: version === null ? view.diagnostics : undefined, etag: view.etag, versions: view.versions });
      } catch (e) {
        if (!cancelled) setLoadError(e instanceof ApiError && e.code === 'not_found' ? `There is no journey “${journeyId}”${version ? ` version ${version}` : ''}.` : sentence((e as Error).message));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, journeyId, version, props.catalogue]);

  if (loadError) {
    return (
      <div className="page-message">
        <h1>Cannot open the journey</h1>
        <p>{loadError}</p>
        <button type="button" className="btn btn-primary" onClick={() => props.navigate('/designer/')}>
          Back to journeys
        </button>
      </div>
    );
  }
  if (!loaded) {
    return (
      <div className="page-message" role="status">
        <span className="sv-spinner" aria-hidden="true" /> Loading {journeyId}…
      </div>
    );
  }
  return (
    <ReactFlowProvider>
      <EditorLoaded key={`${journeyId}:${version ?? 'draft'}`} {...props} initial={loaded} />
    </ReactFlowProvider>
  );
}

function EditorLoaded({ api, catalogue, journeyId, version, navigate, setLeaveGuard, initial }: EditorProps & { initial: Loaded }) {
  const feedback = useFeedback();
  const readOnly = version !== null;
  const [history, dispatch] = useReducer(historyReducer, initial.doc, initialHistory);
  const doc = history.present;
  const [saved, setSaved] = useState<JourneyDoc>(initial.doc);
  const etag = useRef(initial.etag);
  const [versions, setVersions] = useState(initial.versions);
  const [selection, setSelection] = useState<{ nodes: Set<string>; edges: Set<string> }>({ nodes: new Set(), edges: new Set() });
  const [runOpen, setRunOpen] = useState(false);
  const [highlight, setHighlight] = useState<RunHighlight | null>(null);
  const [busy, setBusy] = useState<'save' | 'publish' | 'layout' | null>(null);
  const [versionsOpen, setVersionsOpen] = useState(false);
  const canvas = useRef<CanvasHandle>(null);
  const docRef = useRef(doc);
  docRef.current = doc;
  const dirty = !readOnly && doc !== saved;
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;

  const catalogueMap = useMemo(() => new Map(catalogue.map((e) => [e.type, e])), [catalogue]);
  // Live diagnostics: the engine's own validator, in a worker, on every edit.
  const validation = useLiveValidation(catalogue, doc, initial.diagnostics);
  const diagnostics = validation.diagnostics;
  const issues = useStepIssues(diagnostics);

  // Leaving with unsaved changes: the browser's own prompt, and the app's navigation guard.
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!dirtyRef.current) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    setLeaveGuard(() => dirtyRef.current);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      setLeaveGuard(null);
    };
  }, [setLeaveGuard]);

  // Once the canvas is up, fetch the config form's code so the first step opens at once.
  useEffect(() => whenIdle(() => void loadConfigForm(), 2000, 600), []);

  useEffect(() => {
    document.title = `${dirty ? '• ' : ''}${doc.name || doc.id}${readOnly ? ` v${version}` : ''} · Journey designer`;
  }, [dirty, doc.name, doc.id, readOnly, version]);

  const apply = useCallback((update: (d: JourneyDoc) => JourneyDoc, group?: string) => dispatch({ type: 'apply', update, group }), []);
  const transient = useCallback((update: (d: JourneyDoc) => JourneyDoc) => dispatch({ type: 'transient', update }), []);
  const checkpoint = useCallback(() => dispatch({ type: 'checkpoint' }), []);
  const select = useCallback((change: SelectionChange) => {
    setSelection((previous) => {
      const nodes = change.nodes ? change.nodes(previous.nodes) : previous.nodes;
      const edges = change.edges ? change.edges(previous.edges) : previous.edges;
      return nodes === previous.nodes && edges === previous.edges ? previous : { nodes, edges };
    });
  }, []);
  const selectStep = useCallback(
    (id: string | null, focus = false) => {
      setSelection({ nodes: id ? new Set([id]) : new Set(), edges: new Set() });
      if (id && focus) requestAnimationFrame(() => canvas.current?.focusStep(id));
    },
    [],
  );

  const addFromPalette = useCallback(
    (type: string, position?: Position) => {
      if (readOnly) return;
      const entry = catalogueMap.get(type);
      if (!entry) return;
      let at = position;
      if (!at) {
        const c = canvas.current?.center() ?? { x: 0, y: 0 };
        const jitter = (Object.keys(docRef.current.steps).length % 5) * 24;
        at = { x: c.x - 110 + jitter, y: c.y - 40 + jitter };
      }
      const { id } = addStep(docRef.current, entry, at);
      apply((d) => addStep(d, entry, at!).doc);
      setSelection({ nodes: new Set([id]), edges: new Set() });
    },
    [readOnly, catalogueMap, apply],
  );

  const deleteSelection = useCallback(() => {
    if (readOnly) return;
    const { nodes, edges } = selectionRef.current;
    apply((d) => deleteSteps(disconnect(d, [...edges].map(parseEdgeId).filter((w) => !nodes.has(w.source))), nodes));
    setSelection({ nodes: new Set(), edges: new Set() });
  }, [readOnly, apply]);

  const selectionRef = useRef(selection);
  selectionRef.current = selection;

  const copy = useCallback(() => {
    const clip = copySteps(docRef.current, selectionRef.current.nodes);
    if (clip) {
      clipboard = clip;
      feedback.toast(`Copied ${Object.keys(clip.steps).length} step${Object.keys(clip.steps).length === 1 ? '' : 's'}`);
    }
  }, [feedback]);

  const pasteCount = useRef(0);
  const paste = useCallback(() => {
    if (readOnly || !clipboard) return;
    pasteCount.current += 1;
    const offset = { x: 48 * pasteCount.current, y: 48 * pasteCount.current };
    const clip = clipboard;
    const { ids } = pasteSteps(docRef.current, clip, offset);
    apply((d) => pasteSteps(d, clip, offset).doc);
    setSelection({ nodes: new Set(ids), edges: new Set() });
  }, [readOnly, apply]);

  const duplicateSelection = useCallback(() => {
    const clip = copySteps(docRef.current, selectionRef.current.nodes);
    if (!clip || readOnly) return;
    const offset = { x: 48, y: 48 };
    const { ids } = pasteSteps(docRef.current, clip, offset);
    apply((d) => pasteSteps(d, clip, offset).doc);
    setSelection({ nodes: new Set(ids), edges: new Set() });
  }, [readOnly, apply]);

  const save = useCallback(
    async (options: { quiet?: boolean } = {}): Promise<boolean> => {
      if (readOnly) return false;
      const current = docRef.current;
      setBusy('save');
      try {
        let result;
        try {
          result = await api.save(current, etag.current);
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 'conflict')) throw e;
          const overwrite = await feedback.confirm({
            title: 'The draft changed on the server',
            message: 'Someone saved this journey after you opened it. Overwrite their changes with yours, or cancel and reload to see theirs.',
            confirmLabel: 'Overwrite',
            danger: true,
          });
          if (!overwrite) return false;
          result = await api.save(current, null);
        }
        etag.current = result.etag;
        setSaved(current);
        if (!options.quiet) {
          const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
          feedback.toast(errors ? `Draft saved with ${errors} error${errors === 1 ? '' : 's'}` : 'Draft saved', errors ? 'info' : 'success');
        }
        return true;
      } catch (e) {
        feedback.toast(`Could not save: ${sentence((e as Error).message)}`, 'error');
        return false;
      } finally {
        setBusy(null);
      }
    },
    [api, feedback, readOnly],
  );

  const publish = useCallback(async () => {
    if (readOnly) return;
    if (validation.diagnostics.some((d) => d.severity === 'error')) {
      feedback.toast('Fix the errors listed under Problems before publishing', 'error');
      return;
    }
    if (dirtyRef.current && !(await save({ quiet: true }))) return;
    setBusy('publish');
    try {
      const result = await api.publish(journeyId);
      setVersions((list) => [...list.filter((v) => v.version !== result.version), { version: result.version, publishedAt: result.publishedAt }]);
      feedback.toast(`Published version ${result.version}`, 'success');
    } catch (e) {
      const count = e instanceof ApiError ? ((e.details as { diagnostics?: unknown[] })?.diagnostics?.length ?? 0) : 0;
      feedback.toast(e instanceof ApiError && e.code === 'validation_failed' ? `Not published: ${count} problem${count === 1 ? '' : 's'} to fix` : `Could not publish: ${sentence((e as Error).message)}`, 'error');
    } finally {
      setBusy(null);
    }
  }, [api, feedback, journeyId, readOnly, save, validation]);

  const layout = useCallback(async () => {
    if (readOnly || !canvas.current) return;
    setBusy('layout');
    try {
      await canvas.current.layout();
    } catch (e) {
      feedback.toast(`Auto-layout failed: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(null);
    }
  }, [feedback, readOnly]);

  const restore = useCallback(async () => {
    if (version === null) return;
    const ok = await feedback.confirm({
      title: `Restore version ${version}?`,
      message: 'Its document replaces the current draft. Published versions are not changed.',
      confirmLabel: 'Restore as draft',
    });
    if (!ok) return;
    try {
      await api.restore(journeyId, version);
      feedback.toast(`Version ${version} copied into the draft`, 'success');
      navigate(`/designer/journeys/${encodeURIComponent(journeyId)}`);
    } catch (e) {
      feedback.toast(`Could not restore: ${sentence((e as Error).message)}`, 'error');
    }
  }, [api, feedback, journeyId, navigate, version]);

  // Keyboard: undo/redo, copy/paste, save, select all, escape.
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const target = e.target as HTMLElement | null;
      const editing = !!target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
      if (document.querySelector('.dlg-backdrop')) return;
      const key = e.key.toLowerCase();
      if (mod && key === 's') {
        e.preventDefault();
        void save();
        return;
      }
      if (editing) return;
      if (mod && key === 'z' && !e.shiftKey) {
        e.preventDefault();
        dispatch({ type: 'undo' });
      } else if (mod && ((key === 'z' && e.shiftKey) || key === 'y')) {
        e.preventDefault();
        dispatch({ type: 'redo' });
      } else if (mod && key === 'c') {
        copy();
      } else if (mod && key === 'v') {
        e.preventDefault();
        paste();
      } else if (mod && key === 'd') {
        e.preventDefault();
        duplicateSelection();
      } else if (mod && key === 'a') {
        e.preventDefault();
        setSelection({ nodes: new Set(Object.keys(docRef.current.steps)), edges: new Set() });
      } else if (key === 'escape') {
        setSelection({ nodes: new Set(), edges: new Set() });
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [save, copy, paste, duplicateSelection]);

  const onDiagnostic = useCallback(
    (d: Diagnostic) => {
      if (d.stepId && docRef.current.steps[d.stepId]) selectStep(d.stepId, true);
      else selectStep(null);
    },
    [selectStep],
  );

  const exportJson = () => downloadJson(`${doc.id}${readOnly ? `.v${version}` : ''}.json`, doc);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const latest = versions.length ? Math.max(...versions.map((v) => v.version)) : null;
  const sortedVersions = [...versions].sort((a, b) => b.version - a.version);

  return (
    <div className="ed">
      <header className="ed-bar">
        <button type="button" className="icon-btn" onClick={() => navigate('/designer/')} aria-label="Back to journeys" title="Back to journeys" data-testid="back">
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
            <path fill="currentColor" d="M9.78 3.22 5 8l4.78 4.78 1.06-1.06L7.12 8l3.72-3.72-1.06-1.06Z" />
          </svg>
        </button>
        <div className="ed-title">
          <div className="ed-name">
            <span>{doc.name || doc.id}</span>
            {readOnly ? (
              <span className="badge badge-neutral">Version {version} · read-only</span>
            ) : dirty ? (
              <span className="badge badge-warning" data-testid="dirty">
                Unsaved changes
              </span>
            ) : (
              <span className="badge badge-neutral">Draft saved</span>
            )}
          </div>
          <div className="ed-meta">
            <code>{doc.id}</code>
            {latest !== null ? (
              <span data-testid="published-version" data-version={latest}>
                · Published v{latest}
              </span>
            ) : (
              <span data-testid="published-version" data-version="">
                · Never published
              </span>
            )}
          </div>
        </div>

        <div className="ed-tools">
          {!readOnly && (
            <>
              <div className="btn-group">
                <button type="button" className="icon-btn" onClick={() => dispatch({ type: 'undo' })} disabled={!canUndo(history)} title="Undo (Ctrl+Z)" aria-label="Undo" data-testid="undo">
                  <svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true">
                    <path fill="currentColor" d="M5.3 3.2 6.4 4.3 4.9 5.8H10a4 4 0 0 1 0 8H7v-1.5h3a2.5 2.5 0 0 0 0-5H4.9l1.5 1.5-1.1 1.1L1.9 6.5l3.4-3.3Z" />
                  </svg>
                </button>
                <button type="button" className="icon-btn" onClick={() => dispatch({ type: 'redo' })} disabled={!canRedo(history)} title="Redo (Ctrl+Shift+Z)" aria-label="Redo" data-testid="redo">
                  <svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true">
                    <path fill="currentColor" d="M10.7 3.2 9.6 4.3l1.5 1.5H6a4 4 0 0 0 0 8h3v-1.5H6a2.5 2.5 0 0 1 0-5h5.1L9.6 8.8l1.1 1.1 3.4-3.4-3.4-3.3Z" />
                  </svg>
                </button>
              </div>
              <button type="button" className="btn btn-ghost" onClick={layout} disabled={busy === 'layout'} title="Arrange the steps automatically" data-testid="auto-layout">
                <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                  <path fill="currentColor" d="M1.5 2h5v4h-5V2Zm8 0h5v4h-5V2Zm-8 8h5v4h-5v-4Zm8 0h5v4h-5v-4ZM4 6h1v4H4V6Zm7 0h1v4h-1V6Z" />
                </svg>
                Auto-layout
              </button>
            </>
          )}
          <div className="menu-wrap">
            <button type="button" className="btn btn-ghost" onClick={() => setVersionsOpen((v) => !v)} aria-expanded={versionsOpen} aria-haspopup="menu" data-testid="versions">
              Versions
              <span className="count-pill">{versions.length}</span>
            </button>
            {versionsOpen && (
              <VersionsMenu
                versions={sortedVersions}
                current={version}
                onClose={() => setVersionsOpen(false)}
                onOpen={(v) => {
                  setVersionsOpen(false);
                  navigate(v === null ? `/designer/journeys/${encodeURIComponent(journeyId)}` : `/designer/journeys/${encodeURIComponent(journeyId)}/versions/${v}`);
                }}
              />
            )}
          </div>
          <button type="button" className="btn btn-ghost" onClick={exportJson} title="Download the journey as JSON" data-testid="export">
            Export
          </button>
          <button type="button" className={`btn ${runOpen ? 'btn-active' : 'btn-ghost'}`} onClick={() => setRunOpen((v) => !v)} aria-pressed={runOpen} data-testid="test-run">
            <svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true">
              <path fill="currentColor" d="M4 2.5v11l9-5.5-9-5.5Z" />
            </svg>
            Test run
          </button>
          <span className="ed-sep" aria-hidden="true" />
          {readOnly ? (
            <>
              <button type="button" className="btn" onClick={() => navigate(`/designer/journeys/${encodeURIComponent(journeyId)}`)}>
                Back to draft
              </button>
              <button type="button" className="btn btn-primary" onClick={restore} data-testid="restore">
                Restore as draft
              </button>
            </>
          ) : (
            <>
              <button type="button" className="btn" onClick={() => save()} disabled={busy !== null || !dirty} data-testid="save" title="Save the draft (Ctrl+S)">
                {busy === 'save' ? 'Saving…' : 'Save'}
              </button>
              <button
                type="button"
                className="btn btn-primary"
                onClick={publish}
                disabled={busy !== null}
                data-testid="publish"
                title={errors ? 'Fix the errors first' : 'Publish a new version'}
              >
                {busy === 'publish' ? 'Publishing…' : 'Publish'}
              </button>
            </>
          )}
        </div>
      </header>
      {readOnly && (
        <div className="ed-banner" role="note">
          You are viewing published version {version}. It cannot be changed; restore it to edit a copy as the draft.
        </div>
      )}
      <div className="ed-main">
        <Palette catalogue={catalogue} disabled={readOnly} onAdd={addFromPalette} />
        <div className="ed-center">
          <Canvas
            ref={canvas}
            doc={doc}
            catalogue={catalogueMap}
            selectedNodes={selection.nodes}
            selectedEdges={selection.edges}
            issues={issues}
            run={highlight}
            readOnly={readOnly}
            apply={apply}
            transient={transient}
            checkpoint={checkpoint}
            select={select}
            addStep={addFromPalette}
          />
          <Diagnostics diagnostics={diagnostics} onSelect={onDiagnostic} />
        </div>
        {runOpen ? (
          <RunPanel api={api} journeyId={journeyId} version={version} ensureSaved={() => (dirtyRef.current ? save({ quiet: true }) : Promise.resolve(true))} onHighlight={setHighlight} onClose={() => setRunOpen(false)} />
        ) : (
          <Inspector
            doc={doc}
            catalogue={catalogueMap}
            selectedNodes={selection.nodes}
            selectedEdges={selection.edges}
            diagnostics={diagnostics}
            readOnly={readOnly}
            apply={apply}
            selectStep={(id) => selectStep(id, true)}
            deleteSelection={deleteSelection}
            duplicateSelection={duplicateSelection}
          />
        )}
      </div>
    </div>
  );
}

function VersionsMenu({
  versions,
  current,
  onOpen,
  onClose,
}: {
  versions: Array<{ version: number; publishedAt: string }>;
  current: number | null;
  onOpen: (v: number | null) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) onClose();
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    ref.current?.querySelector<HTMLElement>('[role=menuitem]')?.focus();
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [onClose]);
  return (
    <div className="menu" role="menu" ref={ref} data-testid="versions-menu">
      <button type="button" role="menuitem" className={`menu-item${current === null ? ' menu-item-current' : ''}`} onClick={() => onOpen(null)}>
        <span>Draft</span>
        <span className="menu-meta">editable</span>
      </button>
      {versions.length === 0 && <div className="menu-empty">No published version yet</div>}
      {versions.map((v) => (
        <button key={v.version} type="button" role="menuitem" className={`menu-item${current === v.version ? ' menu-item-current' : ''}`} onClick={() => onOpen(v.version)} data-version={v.version}>
          <span>Version {v.version}</span>
          <span className="menu-meta">{formatDate(v.publishedAt)}</span>
        </button>
      ))}
    </div>
  );
}
