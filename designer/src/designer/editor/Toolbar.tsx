/**
 * The editor's top bar: back to the list, the journey's name and state (saved, unsaved, a
 * read-only version), and the commands. A published version offers only what cannot change it.
 */
import './Toolbar.css';
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';
import type { PublishedVersion } from './load-journey.js';
import type { BusyWith } from './use-draft-commands.js';
import { VersionsButton } from './VersionsMenu.js';

export interface ToolbarProps {
  doc: JourneyDoc;
  /** The published version shown read-only; null: the draft. */
  version: number | null;
  dirty: boolean;
  /** The saved draft is the latest published version, unchanged (use-draft-published.ts). */
  draftPublished?: boolean | null;
  versions: PublishedVersion[];
  busy: BusyWith;
  /** Errors in the draft: publishing is refused until they are fixed. */
  errors: number;
  canUndo: boolean;
  canRedo: boolean;
  runOpen: boolean;
  /** The analytics panel (and the canvas overlay) is open. */
  analyticsOpen?: boolean;
  onToggleAnalytics?: () => void;
  onBack: () => void;
  onUndo: () => void;
  onRedo: () => void;
  onLayout: () => void;
  onOpenVersion: (version: number | null) => void;
  onExport: () => void;
  onToggleRun: () => void;
  onSave: () => void;
  onPublish: () => void;
  onRestore: () => void;
  /** "Review changes" (#19): the draft against the latest version, before publishing. */
  onReview?: () => void;
  /** The versions menu's "Compare versions…". */
  onCompare?: () => void;
}

export function Toolbar(props: ToolbarProps) {
  const { doc, version, dirty, versions, busy, errors, runOpen } = props;
  const readOnly = version !== null;
  const latest = versions.length ? Math.max(...versions.map((v) => v.version)) : null;
  return (
    <header className="ed-bar">
      <button type="button" className="icon-btn" onClick={props.onBack} aria-label="Back to journeys" title="Back to journeys" data-testid="back">
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
          ) : props.draftPublished ? (
            <span className="badge badge-neutral" data-testid="draft-state" data-state="published">
              Published, no changes
            </span>
          ) : (
            <span className="badge badge-neutral" data-testid="draft-state" data-state="saved">
              Draft saved
            </span>
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
              <button type="button" className="icon-btn" onClick={props.onUndo} disabled={!props.canUndo} title="Undo (Ctrl+Z)" aria-label="Undo" data-testid="undo">
                <svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true">
                  <path fill="currentColor" d="M5.3 3.2 6.4 4.3 4.9 5.8H10a4 4 0 0 1 0 8H7v-1.5h3a2.5 2.5 0 0 0 0-5H4.9l1.5 1.5-1.1 1.1L1.9 6.5l3.4-3.3Z" />
                </svg>
              </button>
              <button type="button" className="icon-btn" onClick={props.onRedo} disabled={!props.canRedo} title="Redo (Ctrl+Shift+Z)" aria-label="Redo" data-testid="redo">
                <svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true">
                  <path fill="currentColor" d="M10.7 3.2 9.6 4.3l1.5 1.5H6a4 4 0 0 0 0 8h3v-1.5H6a2.5 2.5 0 0 1 0-5h5.1L9.6 8.8l1.1 1.1 3.4-3.4-3.4-3.3Z" />
                </svg>
              </button>
            </div>
            <button type="button" className="btn btn-ghost" onClick={props.onLayout} disabled={busy === 'layout'} title="Arrange the steps automatically" data-testid="auto-layout">
              <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                <path fill="currentColor" d="M1.5 2h5v4h-5V2Zm8 0h5v4h-5V2Zm-8 8h5v4h-5v-4Zm8 0h5v4h-5v-4ZM4 6h1v4H4V6Zm7 0h1v4h-1V6Z" />
              </svg>
              Auto-layout
            </button>
          </>
        )}
        <VersionsButton versions={versions} current={version} onOpen={props.onOpenVersion} onCompare={props.onCompare} />
        <button type="button" className="btn btn-ghost" onClick={props.onExport} title="Download the journey as JSON" data-testid="export">
          Export
        </button>
        <button type="button" className={`btn ${runOpen ? 'btn-active' : 'btn-ghost'}`} onClick={props.onToggleRun} aria-pressed={runOpen} data-testid="test-run">
          <svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true">
            <path fill="currentColor" d="M4 2.5v11l9-5.5-9-5.5Z" />
          </svg>
          Test run
        </button>
        {props.onToggleAnalytics && (
          <button
            type="button"
            className={`btn ${props.analyticsOpen ? 'btn-active' : 'btn-ghost'}`}
            onClick={props.onToggleAnalytics}
            aria-pressed={!!props.analyticsOpen}
            title="Funnel, outcomes over time and history"
            data-testid="analytics"
          >
            <svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true">
              <path fill="currentColor" d="M2 13.5h12V15H2v-1.5ZM3 8h2v4.5H3V8Zm4-5h2v9.5H7V3Zm4 3h2v6.5h-2V6Z" />
            </svg>
            Analytics
          </button>
        )}
        <span className="ed-sep" aria-hidden="true" />
        {readOnly ? (
          <>
            <button type="button" className="btn" onClick={() => props.onOpenVersion(null)}>
              Back to draft
            </button>
            <button type="button" className="btn btn-primary" onClick={props.onRestore} data-testid="restore">
              Restore as draft
            </button>
          </>
        ) : (
          <>
            <button type="button" className="btn" onClick={props.onSave} disabled={busy !== null || !dirty} data-testid="save" title="Save the draft (Ctrl+S)">
              {busy === 'save' ? 'Saving…' : 'Save'}
            </button>
            {props.onReview && (
              <button type="button" className="btn" onClick={props.onReview} disabled={busy !== null} data-testid="review-changes" title="What publishing would change">
                Review changes
              </button>
            )}
            <button type="button" className="btn btn-primary" onClick={props.onPublish} disabled={busy !== null} data-testid="publish" title={errors ? 'Fix the errors first' : 'Publish a new version'}>
              {busy === 'publish' ? 'Publishing…' : 'Publish'}
            </button>
          </>
        )}
      </div>
    </header>
  );
}
