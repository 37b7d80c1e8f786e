/**
 * The journey editor: toolbar, palette, canvas, inspector or test-run panel, and live diagnostics.
 * The journey document is the one source of truth, kept in an undo/redo history; the canvas and
 * the panels derive everything from it. This module only composes the parts under editor/: the
 * loading, the document, the selection, the commands, the shortcuts and the toolbar.
 */
import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import './Editor.css';
import type { AdminApi } from '../api/admin.js';
import type { StepCatalogueEntry as CatalogueEntry, Diagnostic } from '../../../engine/http/contract/types.js';
import { Canvas, type CanvasHandle, type RunHighlight } from './canvas/Canvas.js';
import { useLoadedJourney, type LoadedJourney } from './editor/load-journey.js';
import { Toolbar } from './editor/Toolbar.js';
import { useDraftPublished } from './editor/use-draft-published.js';
import type { createExplainer as CreateExplainer } from './model/messages.js';
import { useDraftCommands } from './editor/use-draft-commands.js';
import { useEditCommands } from './editor/use-edit-commands.js';
import { useEditorTitle } from './editor/use-editor-title.js';
import { useJourneyDocument } from './editor/use-journey-document.js';
import { useKeyboardShortcuts } from './editor/use-keyboard-shortcuts.js';
import { useSelection } from './editor/use-selection.js';
import { useUnsavedChangesGuard } from './editor/use-unsaved-changes-guard.js';
import { whenIdle } from './idle.js';
import { useLiveValidation } from './model/live-validation.js';
import { useStepIssues } from './model/step-issues.js';
import { Diagnostics } from './panels/Diagnostics.js';
import { Inspector, loadConfigForm } from './panels/Inspector.js';
import { Palette } from './panels/Palette.js';
import { RunPanel } from './panels/RunPanel.js';
import { downloadJson } from './util.js';
import { journeyPath } from './routes.js';
import { AnalyticsPanel } from './analytics/AnalyticsPanel.js';
import type { FunnelOverlay } from './analytics/funnel-overlay.js';
import { ReviewPanel, type VersionRef } from './review/ReviewPanel.js';
import type { ReviewOverlay } from './review/review-overlay.js';
// Sub-journeys (#20): journey blocks in the palette, call nodes' drill-in and way back, extraction.
import { CallsProvider } from './calls/calls-context.js';
import { DrillBack } from './calls/DrillBack.js';
import { ExtractAction } from './calls/ExtractAction.js';
import { JourneyBlocks } from './calls/JourneyBlocks.js';
import { useCallCommands } from './calls/use-call-commands.js';
import { NewJourneyDialog } from './JourneyList.js';
import { useFeedback } from '../ui/feedback.js';

export interface EditorProps {
  api: AdminApi;
  catalogue: CatalogueEntry[];
  journeyId: string;
  /** A published version, shown read-only; null: the draft. */
  version: number | null;
  navigate: (path: string) => void;
  setLeaveGuard: (guard: (() => boolean) | null) => void;
}

export function Editor(props: EditorProps) {
  const { journeyId, version } = props;
  const { loaded, loadError } = useLoadedJourney(props.api, props.catalogue, journeyId, version);

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
      <CallsProvider api={props.api} journeyId={journeyId} version={version} navigate={props.navigate}>
        <LoadedEditor key={`${journeyId}:${version ?? 'draft'}`} {...props} initial={loaded} />
      </CallsProvider>
    </ReactFlowProvider>
  );
}

/** The newest published version, or null when none. */
const latestVersion = (versions: { version: number }[]): number | null => (versions.length ? Math.max(...versions.map((v) => v.version)) : null);

function LoadedEditor({ api, catalogue, journeyId, version, navigate, setLeaveGuard, initial }: EditorProps & { initial: LoadedJourney }) {
  const readOnly = version !== null;
  const canvas = useRef<CanvasHandle>(null);
  const journey = useJourneyDocument(initial.doc, readOnly);
  const { doc, docRef, dirty, dirtyRef } = journey;
  const selection = useSelection(canvas);
  const [runOpen, setRunOpen] = useState(false);
  const [highlight, setHighlight] = useState<RunHighlight | null>(null);
  const [analyticsOpen, setAnalyticsOpen] = useState(false);
  const [funnel, setFunnel] = useState<FunnelOverlay | null>(null);
  // "Review changes" (#19): the pair compared while the panel is open, and its canvas marks.
  const [review, setReview] = useState<{ from: VersionRef; to: VersionRef } | null>(null);
  const [reviewMarks, setReviewMarks] = useState<ReviewOverlay | null>(null);

  const catalogueMap = useMemo(() => new Map(catalogue.map((e) => [e.type, e])), [catalogue]);
  // Live diagnostics: the engine's own validator, in a worker, on every edit.
  const { diagnostics } = useLiveValidation(catalogue, doc, initial.diagnostics);
  const issues = useStepIssues(diagnostics);
  // The message tables (and the ajv and re2js they re-check configs with, some 150 ms of module
  // evaluation on a 2-core machine) load once the canvas has been painted: until then the
  // engine's own messages show.
  const [explainer, setExplainer] = useState<ReturnType<typeof CreateExplainer> | null>(null);
  useEffect(() => {
    let current = true;
    const cancel = whenIdle(() => void import('./model/messages.js').then((m) => current && setExplainer(() => m.createExplainer(catalogueMap))), 1500, 300);
    return () => {
      current = false;
      cancel();
    };
  }, [catalogueMap]);
  const explain = useMemo(() => (explainer ? (d: Diagnostic) => explainer(d, docRef.current) : undefined), [explainer, docRef, doc]); // eslint-disable-line react-hooks/exhaustive-deps

  const edits = useEditCommands({ readOnly, catalogue: catalogueMap, docRef, apply: journey.apply, selection, canvas });
  const draft = useDraftCommands({ api, journeyId, version, initialEtag: initial.etag, initialVersions: initial.versions, docRef, dirtyRef, markSaved: journey.markSaved, diagnostics, canvas, navigate });

  const draftPublished = useDraftPublished(api, journeyId, doc, dirty, readOnly ? null : latestVersion(draft.versions));
  const feedback = useFeedback();
  const calls = useCallCommands({
    api,
    readOnly,
    catalogue: catalogueMap,
    docRef,
    apply: journey.apply,
    canvas,
    selectSteps: selection.selectSteps,
    askNewJourney: (initialName) =>
      feedback.dialog<{ id: string; name: string }>((close) => (
        <NewJourneyDialog title="Extract to sub-journey" exists={(id) => id === journeyId} onClose={close} initialName={initialName} confirmLabel="Extract" />
      )),
  });

  const { addCall } = calls;
  const blocks = useMemo(() => <JourneyBlocks journeyId={journeyId} disabled={readOnly} onAdd={addCall} />, [journeyId, readOnly, addCall]);

  useUnsavedChangesGuard(dirtyRef, setLeaveGuard);
  useEditorTitle(doc, dirty, version);
  // Once the canvas is up, fetch the config form's code so the first step opens at once.
  useEffect(() => whenIdle(() => void loadConfigForm(), 2000, 600), []);

  const { save } = draft;
  const { selectSteps, selectStep, clearSelection } = selection;
  const saveNow = useCallback(() => void save(), [save]);
  const selectAll = useCallback(() => selectSteps(Object.keys(docRef.current.steps)), [selectSteps, docRef]);
  useKeyboardShortcuts({ save: saveNow, undo: journey.undo, redo: journey.redo, copy: edits.copy, paste: edits.paste, duplicate: edits.duplicateSelection, selectAll, clearSelection });

  const openReview = (from: VersionRef, to: VersionRef) => {
    setRunOpen(false);
    setAnalyticsOpen(false);
    setReview({ from, to });
  };

  const onDiagnostic = useCallback(
    (d: Diagnostic) => {
      if (d.stepId && docRef.current.steps[d.stepId]) selectStep(d.stepId, true);
      else selectStep(null);
    },
    [selectStep, docRef],
  );

  return (
    <div className="ed">
      <Toolbar
        doc={doc}
        version={version}
        dirty={dirty}
        draftPublished={draftPublished}
        versions={draft.versions}
        busy={draft.busy}
        errors={diagnostics.filter((d) => d.severity === 'error').length}
        canUndo={journey.canUndo}
        canRedo={journey.canRedo}
        runOpen={runOpen}
        onBack={() => navigate('/designer/')}
        onUndo={journey.undo}
        onRedo={journey.redo}
        onLayout={draft.layout}
        onOpenVersion={(v) => navigate(journeyPath(journeyId, v))}
        onExport={() => downloadJson(`${doc.id}${readOnly ? `.v${version}` : ''}.json`, doc)}
        onToggleRun={() => {
          setAnalyticsOpen(false);
          setReview(null);
          setRunOpen((v) => !v);
        }}
        analyticsOpen={analyticsOpen}
        onToggleAnalytics={() => {
          setRunOpen(false);
          setReview(null);
          setAnalyticsOpen((v) => !v);
        }}
        onReview={() => openReview(latestVersion(draft.versions), 'draft')}
        onCompare={() => {
          const newest = latestVersion(draft.versions);
          const previous = latestVersion(draft.versions.filter((v) => v.version !== newest));
          openReview(previous, version ?? newest ?? 'draft');
        }}
        onSave={saveNow}
        onPublish={draft.publish}
        onRestore={draft.restore}
      />
      {readOnly && (
        <div className="ed-banner" role="note">
          You are viewing published version {version}. It cannot be changed; restore it to edit a copy as the draft.
        </div>
      )}
      <DrillBack journeyId={journeyId} navigate={navigate} />
      <div className="ed-main">
        <Palette catalogue={catalogue} disabled={readOnly} onAdd={edits.addFromPalette} blocks={blocks} />
        <div className="ed-center">
          {!readOnly && <ExtractAction count={selection.selection.nodes.size} onExtract={() => void calls.extract(selection.selection.nodes)} />}
          <Canvas
            ref={canvas}
            doc={doc}
            catalogue={catalogueMap}
            selectedNodes={selection.selection.nodes}
            selectedEdges={selection.selection.edges}
            issues={issues}
            run={highlight}
            funnel={analyticsOpen ? funnel : null}
            review={review ? reviewMarks : null}
            readOnly={readOnly}
            apply={journey.apply}
            transient={journey.transient}
            checkpoint={journey.checkpoint}
            select={selection.select}
            addStep={edits.addFromPalette}
          />
          <Diagnostics diagnostics={diagnostics} onSelect={onDiagnostic} explain={explain} />
        </div>
        {review ? (
          <ReviewPanel
            key={`${review.from}:${review.to}`}
            api={api}
            journeyId={journeyId}
            versions={draft.versions}
            doc={doc}
            canvasVersion={version}
            initial={review}
            onOverlay={setReviewMarks}
            onSelectStep={(id) => selectStep(id, true)}
            onPublish={readOnly ? undefined : () => void draft.publish().then(() => setReview(null))}
            onClose={() => setReview(null)}
          />
        ) : analyticsOpen ? (
          <AnalyticsPanel api={api} journeyId={journeyId} versions={draft.versions} onOverlay={setFunnel} onClose={() => setAnalyticsOpen(false)} />
        ) : runOpen ? (
          <RunPanel api={api} journeyId={journeyId} version={version} ensureSaved={() => (dirtyRef.current ? save({ quiet: true }) : Promise.resolve(true))} onHighlight={setHighlight} onClose={() => setRunOpen(false)} />
        ) : (
          <Inspector
            doc={doc}
            catalogue={catalogueMap}
            selectedNodes={selection.selection.nodes}
            selectedEdges={selection.selection.edges}
            diagnostics={diagnostics}
            explain={explain}
            readOnly={readOnly}
            apply={journey.apply}
            selectStep={(id) => selectStep(id, true)}
            deleteSelection={edits.deleteSelection}
            duplicateSelection={edits.duplicateSelection}
          />
        )}
      </div>
    </div>
  );
}
