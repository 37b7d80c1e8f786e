/**
 * "Review changes": what one version of the journey changes from another, as the semantic diff
 * lists it (the same diff the API, the CLI and the audit log use). Before publishing it compares
 * the latest version with the draft being edited (unsaved edits included); the versions menu opens
 * it on any two versions. When the "to" side is what the canvas shows, the canvas marks the steps
 * and edges added or changed.
 */
import { useEffect, useMemo, useState } from 'react';
import { PanelHeader } from '../panels/PanelHeader.js';
import './ReviewPanel.css';
import type { AdminApi } from '../../api/admin.js';
import type { JourneyChange } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';
import { semanticDiff } from '../../../../engine/journey/semantic-diff.js';
import type { PublishedVersion } from '../editor/load-journey.js';
import { reviewOverlay, type ReviewOverlay } from './review-overlay.js';

/** A side of the comparison: a published version, the draft, or nothing (never published). */
export type VersionRef = number | 'draft' | null;

export interface ReviewPanelProps {
  api: AdminApi;
  journeyId: string;
  versions: PublishedVersion[];
  /** The document on the canvas, and which one it is (null: the draft). */
  doc: JourneyDoc;
  canvasVersion: number | null;
  initial: { from: VersionRef; to: VersionRef };
  onOverlay: (overlay: ReviewOverlay | null) => void;
  onSelectStep: (stepId: string) => void;
  /** Offered when the draft on the canvas is compared: publish it. */
  onPublish?: () => void;
  onClose: () => void;
}

const KIND_LABELS: Record<JourneyChange['kind'], string> = {
  step_added: 'Step added',
  step_removed: 'Step removed',
  step_renamed: 'Step renamed',
  step_type_changed: 'Type changed',
  config_changed: 'Setting changed',
  branch_rewired: 'Branch rewired',
  branch_added: 'Branch added',
  branch_removed: 'Branch removed',
  start_changed: 'Start changed',
  settings_changed: 'Journey setting changed',
  input_schema_changed: 'Input schema changed',
};

export function ReviewPanel(props: ReviewPanelProps) {
  const { api, journeyId, versions, doc, canvasVersion, onOverlay } = props;
  const [from, setFrom] = useState<VersionRef>(props.initial.from);
  const [to, setTo] = useState<VersionRef>(props.initial.to);
  const [remote, setRemote] = useState<{ key: string; changes: JourneyChange[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onCanvas = (ref: VersionRef) => (ref === 'draft' ? canvasVersion === null : ref !== null && ref === canvasVersion);
  const key = `${from}:${to}`;

  // The draft being edited is diffed here (its unsaved edits count), and so is a first version
  // (from nothing); any other pair by the server (GET …/diff).
  const local = onCanvas(from) || onCanvas(to) || from === null || to === null;
  const [loadedSides, setLoadedSides] = useState<{ key: string; from: unknown; to: unknown } | null>(null);

  useEffect(() => {
    let current = true;
    setError(null);
    const document = (ref: VersionRef): Promise<unknown> =>
      ref === null ? Promise.resolve(null) : onCanvas(ref) ? Promise.resolve(undefined) : ref === 'draft' ? api.journey(journeyId).then((j) => j.draft) : api.version(journeyId, ref);
    const work = local
      ? Promise.all([document(from), document(to)]).then(([a, b]) => current && setLoadedSides({ key, from: a, to: b }))
      : api.diff(journeyId, from as number | 'draft', to as number | 'draft').then((d) => current && setRemote({ key, changes: d.changes }));
    work.catch((e: Error) => current && setError(e.message));
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, journeyId, key, local]);

  const changes = useMemo(() => {
    if (local) {
      if (!loadedSides || loadedSides.key !== key) return null;
      const side = (ref: VersionRef, loaded: unknown) => (onCanvas(ref) ? doc : loaded);
      return semanticDiff(side(from, loadedSides.from), side(to, loadedSides.to)).changes;
    }
    return remote && remote.key === key ? remote.changes : null;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [local, loadedSides, remote, key, doc]);

  const marksCanvas = onCanvas(to);
  useEffect(() => {
    onOverlay(changes && marksCanvas ? reviewOverlay(changes, doc) : null);
  }, [changes, marksCanvas, doc, onOverlay]);
  // The marks go with the panel.
  useEffect(() => () => onOverlay(null), [onOverlay]);

  const newestFirst = [...versions].sort((a, b) => b.version - a.version);
  const picker = (label: string, value: VersionRef, set: (v: VersionRef) => void, testId: string) => (
    <label className="rv-pick">
      <span>{label}</span>
      <select value={value === null ? '' : String(value)} onChange={(e) => set(e.target.value === '' ? null : e.target.value === 'draft' ? 'draft' : Number(e.target.value))} data-testid={testId}>
        {label === 'From' && <option value="">Nothing</option>}
        <option value="draft">Draft</option>
        {newestFirst.map((v) => (
          <option key={v.version} value={v.version}>
            Version {v.version}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <aside className="je-review" data-testid="review-panel" aria-label="Review changes">
      <PanelHeader
        className="rv-head"
        title="Review changes"
        subtitle={marksCanvas ? 'Marked on the canvas: added in green, changed in amber.' : 'Open the "to" version to see the changes on the canvas.'}
        closeLabel="Close review"
        onClose={props.onClose}
      />
      <div className="rv-controls">
        {picker('From', from, setFrom, 'review-from')}
        {picker('To', to, setTo, 'review-to')}
      </div>
      {error && <div className="run-error">{error}</div>}
      {changes === null && !error && <div className="rv-empty">Comparing…</div>}
      {changes && (
        <div className="rv-body">
          <div className="rv-count" data-testid="review-count" data-count={changes.length}>
            {changes.length === 0 ? 'No changes' : `${changes.length} change${changes.length === 1 ? '' : 's'}`}
          </div>
          <ol className="rv-list">
            {changes.map((c, i) => (
              <li key={i} className={`rv-item rv-${c.kind}`} data-testid="review-change" data-kind={c.kind} data-step={c.stepId ?? ''} data-path={c.path ?? ''}>
                <button type="button" className="rv-row" onClick={() => c.stepId && props.onSelectStep(c.stepId)} disabled={!c.stepId || !marksCanvas || !doc.steps[c.stepId]}>
                  <span className="rv-kind">{KIND_LABELS[c.kind]}</span>
                  {c.stepId && <code className="rv-step">{c.stepId}</code>}
                  {c.path && <code className="rv-path">{c.path}</code>}
                  {('from' in c || 'to' in c) && (
                    <span className="rv-values">
                      <span className="rv-from">{show(c.from)}</span> → <span className="rv-to">{show(c.to)}</span>
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ol>
        </div>
      )}
      {props.onPublish && to === 'draft' && canvasVersion === null && (
        <footer className="rv-foot">
          <button type="button" className="btn btn-primary" onClick={props.onPublish} data-testid="review-publish">
            Publish these changes
          </button>
        </footer>
      )}
    </aside>
  );
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
