/** The journey list: create, open, duplicate, export, delete, and import a JSON file. */
import { useCallback, useEffect, useRef, useState } from 'react';
import './JourneyList.css';
import type { AdminApi } from '../api/admin.js';
import { ApiError } from '../api/http.js';
import type { JourneySummary } from '../../../engine/http/contract/types.js';
import type { JourneyDoc } from '../../../engine/http/contract/journey-document.js';
import { sentence } from '../renderer/schema-fields.js';
import { Modal, useFeedback } from '../ui/feedback.js';
import { Logo } from '../ui/Logo.js';
import { JOURNEY_ID, newJourney } from './model/journey-ops.js';
import { downloadJson, formatDate, relativeTime, slugify } from './util.js';

export interface JourneyListProps {
  api: AdminApi;
  navigate: (path: string) => void;
  onSignOut: () => void;
  catalogueSize: number;
}

const editorPath = (id: string) => `/designer/journeys/${encodeURIComponent(id)}`;

export function JourneyList({ api, navigate, onSignOut, catalogueSize }: JourneyListProps) {
  const feedback = useFeedback();
  const [journeys, setJourneys] = useState<JourneySummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);

  const reload = useCallback(async () => {
    try {
      const list = await api.journeys();
      setJourneys(list.sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id)));
      setError(null);
    } catch (e) {
      setError(sentence((e as Error).message));
    }
  }, [api]);

  useEffect(() => {
    document.title = 'Journeys · Journey designer';
    void reload();
  }, [reload]);

  const exists = (id: string) => journeys?.some((j) => j.id === id) ?? false;

  const create = async () => {
    const result = await feedback.dialog<{ id: string; name: string }>((close) => <NewJourneyDialog title="New journey" exists={exists} onClose={close} />);
    if (!result) return;
    try {
      await api.save(newJourney(result.id, result.name));
      navigate(editorPath(result.id));
    } catch (e) {
      feedback.toast(`Could not create the journey: ${sentence((e as Error).message)}`, 'error');
    }
  };

  const duplicate = async (source: JourneySummary) => {
    const result = await feedback.dialog<{ id: string; name: string }>((close) => (
      <NewJourneyDialog title={`Duplicate “${source.name ?? source.id}”`} exists={exists} onClose={close} initialName={`${source.name ?? source.id} (copy)`} confirmLabel="Duplicate" />
    ));
    if (!result) return;
    try {
      const { draft } = await api.journey(source.id);
      await api.save({ ...draft, id: result.id, name: result.name });
      feedback.toast(`Created ${result.id}`, 'success');
      await reload();
    } catch (e) {
      feedback.toast(`Could not duplicate: ${sentence((e as Error).message)}`, 'error');
    }
  };

  const exportJourney = async (j: JourneySummary) => {
    try {
      const { draft } = await api.journey(j.id);
      downloadJson(`${j.id}.json`, draft);
    } catch (e) {
      feedback.toast(`Could not export: ${sentence((e as Error).message)}`, 'error');
    }
  };

  const remove = async (j: JourneySummary) => {
    const ok = await feedback.confirm({
      title: `Delete “${j.name ?? j.id}”?`,
      message: (
        <>
          The draft and all published versions of <code>{j.id}</code> are deleted. Sessions already running finish on their version. Version numbers are never reused.
        </>
      ),
      confirmLabel: 'Delete journey',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.remove(j.id);
      feedback.toast(`Deleted ${j.id}`, 'success');
      await reload();
    } catch (e) {
      feedback.toast(`Could not delete: ${sentence((e as Error).message)}`, 'error');
    }
  };

  const importFile = async (file: File) => {
    let doc: JourneyDoc;
    try {
      doc = JSON.parse(await file.text());
    } catch (e) {
      feedback.toast(`${file.name} is not valid JSON: ${(e as Error).message}`, 'error');
      return;
    }
    if (!doc || typeof doc !== 'object' || typeof doc.id !== 'string' || typeof doc.steps !== 'object') {
      feedback.toast(`${file.name} is not a journey (it needs an "id" and "steps")`, 'error');
      return;
    }
    if (!JOURNEY_ID.test(doc.id)) {
      feedback.toast(`The journey id “${doc.id}” is not valid (lower-case letters, digits, . _ -)`, 'error');
      return;
    }
    if (exists(doc.id)) {
      const ok = await feedback.confirm({
        title: `Replace the draft of “${doc.id}”?`,
        message: 'A journey with this id exists. Its draft is replaced by the imported file; its published versions stay.',
        confirmLabel: 'Replace draft',
        danger: true,
      });
      if (!ok) return;
    }
    try {
      const result = await api.save(doc);
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      feedback.toast(errors ? `Imported ${doc.id} with ${errors} error${errors === 1 ? '' : 's'} to fix` : `Imported ${doc.id}`, errors ? 'info' : 'success');
      navigate(editorPath(doc.id));
    } catch (e) {
      feedback.toast(`Could not import: ${e instanceof ApiError ? sentence(e.message) : (e as Error).message}`, 'error');
    }
  };

  const shown = (journeys ?? []).filter((j) => {
    const q = filter.trim().toLowerCase();
    return !q || j.id.includes(q) || (j.name ?? '').toLowerCase().includes(q);
  });

  return (
    <div className="list-page">
      <header className="app-bar">
        <div className="brand">
          <Logo />
          <span>Journey designer</span>
        </div>
        <div className="app-bar-right">
          <span className="app-bar-meta">{catalogueSize} step types</span>
          <a
            className="btn btn-ghost"
            href="/designer/clients"
            data-testid="open-clients"
            onClick={(e) => {
              e.preventDefault();
              navigate('/designer/clients');
            }}
          >
            OpenID clients
          </a>
          <button type="button" className="btn btn-ghost" onClick={onSignOut} data-testid="sign-out">
            Sign out
          </button>
        </div>
      </header>
      <main className="list-main">
        <div className="list-head">
          <div>
            <h1>Journeys</h1>
            <p className="list-sub">Sign-in, sign-up and step-up flows. Drafts are private until published.</p>
          </div>
          <div className="list-actions">
            <input
              ref={fileInput}
              type="file"
              accept="application/json,.json"
              hidden
              data-testid="import-file"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) void importFile(file);
              }}
            />
            <button type="button" className="btn" onClick={() => fileInput.current?.click()} data-testid="import">
              Import JSON
            </button>
            <button type="button" className="btn btn-primary" onClick={create} data-testid="new-journey">
              New journey
            </button>
          </div>
        </div>

        <div className="list-card">
          <div className="list-toolbar">
            <input type="search" className="ins-input list-filter" placeholder="Filter by name or id" aria-label="Filter journeys" value={filter} onChange={(e) => setFilter(e.target.value)} />
            <span className="list-count">{journeys ? `${shown.length} of ${journeys.length}` : ''}</span>
          </div>
          {error && (
            <div className="list-empty" role="alert">
              <p>Could not load the journeys: {error}</p>
              <button type="button" className="btn" onClick={reload}>
                Try again
              </button>
            </div>
          )}
          {!error && journeys === null && (
            <div className="list-empty" role="status">
              <span className="sv-spinner" aria-hidden="true" /> Loading…
            </div>
          )}
          {!error && journeys && journeys.length === 0 && (
            <div className="list-empty">
              <p>No journey yet.</p>
              <button type="button" className="btn btn-primary" onClick={create}>
                Create your first journey
              </button>
            </div>
          )}
          {!error && journeys && journeys.length > 0 && (
            <table className="list-table">
              <thead>
                <tr>
                  <th scope="col">Journey</th>
                  <th scope="col">Status</th>
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span className="sv-visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((j) => (
                  <tr key={j.id} data-testid={`journey-${j.id}`}>
                    <td>
                      <a
                        className="list-name"
                        href={editorPath(j.id)}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(editorPath(j.id));
                        }}
                      >
                        {j.name || j.id}
                      </a>
                      <div className="list-id">{j.id}</div>
                    </td>
                    <td>{j.latestVersion ? <span className="badge badge-success">Published v{j.latestVersion}</span> : <span className="badge badge-neutral">Draft</span>}</td>
                    <td title={formatDate(j.updatedAt)} className="list-updated">
                      {relativeTime(j.updatedAt)}
                    </td>
                    <td className="list-row-actions">
                      <button type="button" className="btn btn-small btn-ghost" onClick={() => duplicate(j)} aria-label={`Duplicate ${j.id}`}>
                        Duplicate
                      </button>
                      <button type="button" className="btn btn-small btn-ghost" onClick={() => exportJourney(j)} aria-label={`Export ${j.id}`}>
                        Export
                      </button>
                      <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => remove(j)} aria-label={`Delete ${j.id}`} data-testid={`delete-${j.id}`}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </main>
    </div>
  );
}

export function NewJourneyDialog({
  title,
  exists,
  onClose,
  initialName = '',
  confirmLabel = 'Create journey',
}: {
  title: string;
  exists: (id: string) => boolean;
  onClose: (value: { id: string; name: string } | null) => void;
  initialName?: string;
  confirmLabel?: string;
}) {
  const [name, setName] = useState(initialName);
  const [id, setId] = useState(slugify(initialName));
  const [idTouched, setIdTouched] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const problem = !id ? 'Enter an id' : !JOURNEY_ID.test(id) ? 'Lower-case letters, digits, “.”, “_” and “-”; up to 64' : exists(id) ? 'A journey with this id exists' : null;
  return (
    <Modal title={title} onClose={() => onClose(null)}>
      <form
        className="dlg-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setSubmitted(true);
          if (!problem) onClose({ id, name: name.trim() || id });
        }}
      >
        <div className="ins-field">
          <label htmlFor="nj-name">Name</label>
          <input
            id="nj-name"
            className="ins-input"
            value={name}
            placeholder="e.g. Sign in with a passkey"
            data-autofocus
            data-testid="new-journey-name"
            onChange={(e) => {
              setName(e.target.value);
              if (!idTouched) setId(slugify(e.target.value));
            }}
          />
        </div>
        <div className="ins-field">
          <label htmlFor="nj-id">Id</label>
          <input
            id="nj-id"
            className={`ins-input ins-mono${submitted && problem ? ' ins-input-invalid' : ''}`}
            value={id}
            spellCheck={false}
            data-testid="new-journey-id"
            aria-invalid={submitted && problem ? true : undefined}
            onChange={(e) => {
              setIdTouched(true);
              setId(e.target.value);
            }}
          />
          {submitted && problem ? <p className="ins-error">{problem}</p> : <p className="ins-help">Used in URLs and the API; it cannot change later.</p>}
        </div>
        <div className="dlg-actions">
          <button type="button" className="btn" onClick={() => onClose(null)}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" data-testid="dialog-confirm">
            {confirmLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
