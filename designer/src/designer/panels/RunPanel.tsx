/**
 * The test-run panel: starts a session of the draft (or the version on screen) through
 * POST /v1/admin/journeys/{id}/test-runs, shows each waiting step with the runner's own renderer,
 * submits answers, lights the path taken on the canvas, and shows the dev outbox so one-time
 * codes can be read back.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { PanelHeader } from './PanelHeader.js';
import './RunPanel.css';
import type { AdminApi } from '../../api/admin.js';
import { submitStep } from '../../api/client.js';
import { ApiError } from '../../api/http.js';
import type { OutboxMessage, TimelineEvent } from '../../../../engine/http/contract/types.js';
import type { StepResponse } from '../../../../engine/http/contract/types.js';
import type { JsonObject } from '../../../../engine/http/contract/journey-document.js';
import { StepView } from '../../renderer/StepView.js';
import { sentence } from '../../renderer/schema-fields.js';
import { edgeId, type RunHighlight } from '../canvas/Canvas.js';

export interface RunPanelProps {
  api: AdminApi;
  journeyId: string;
  version: number | null;
  /** Saves the draft first when it has unsaved changes; false when it could not. */
  ensureSaved: () => Promise<boolean>;
  onHighlight: (highlight: RunHighlight | null) => void;
  onClose: () => void;
}

export function RunPanel({ api, journeyId, version, ensureSaved, onHighlight, onClose }: RunPanelProps) {
  const [response, setResponse] = useState<StepResponse | null>(null);
  const [timeline, setTimeline] = useState<TimelineEvent[]>([]);
  const [outbox, setOutbox] = useState<OutboxMessage[]>([]);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [inputText, setInputText] = useState('');
  const [showInput, setShowInput] = useState(false);
  const sessionRef = useRef<string | null>(null);

  const refresh = useCallback(
    async (current: StepResponse) => {
      const sessionId = current.sessionId;
      const [events, messages] = await Promise.all([api.timeline(sessionId).catch(() => []), api.outbox(sessionId).catch(() => [])]);
      if (sessionRef.current !== sessionId) return;
      setTimeline(events);
      setOutbox(messages);
      const visited = new Set<string>();
      const edges = new Set<string>();
      for (const e of events) {
        if (e.stepId && (e.event === 'entered' || e.event === 'branch' || e.event === 'ended' || e.event === 'submitted')) visited.add(e.stepId);
        if (e.event === 'branch' && e.stepId && e.branch) edges.add(edgeId(e.stepId, e.branch));
      }
      onHighlight({ visited, edges, current: current.status === 'waiting' ? (current.step?.id ?? null) : null });
    },
    [api, onHighlight],
  );

  const show = useCallback(
    async (next: StepResponse) => {
      sessionRef.current = next.sessionId;
      setResponse(next);
      await refresh(next);
    },
    [refresh],
  );

  const start = async () => {
    setError(null);
    let input: unknown;
    if (inputText.trim()) {
      try {
        input = JSON.parse(inputText);
      } catch (e) {
        setError(`The input is not valid JSON: ${(e as Error).message}`);
        setShowInput(true);
        return;
      }
    }
    setStarting(true);
    try {
      if (version === null && !(await ensureSaved())) {
        setError('Save the draft before running it.');
        return;
      }
      const body: { input?: unknown; version?: number } = {};
      if (input !== undefined) body.input = input;
      if (version !== null) body.version = version;
      await show(await api.testRun(journeyId, body));
    } catch (e) {
      setError(describe(e));
    } finally {
      setStarting(false);
    }
  };

  const stop = () => {
    sessionRef.current = null;
    setResponse(null);
    setTimeline([]);
    setOutbox([]);
    onHighlight(null);
  };

  useEffect(() => () => onHighlight(null), [onHighlight]);

  const onSubmit = useCallback(
    async (option: string, data?: JsonObject) => {
      if (!response?.step) return;
      try {
        await show(await submitStep(response, response.step.id, option, data));
      } catch (e) {
        if (e instanceof ApiError && (e.code === 'stale_step' || e.code === 'session_ended')) {
          setError(sentence(e.message));
          return;
        }
        throw e;
      }
    },
    [response, show],
  );

  const status = response?.status;
  return (
    <aside className="je-run" data-testid="run-panel" aria-label="Test run">
      <PanelHeader
        title="Test run"
        subtitle={`${version === null ? 'Runs the saved draft' : `Runs version ${version}`}; tokens are marked as test tokens.`}
        closeLabel="Close the test run"
        onClose={onClose}
      />

      <div className="run-controls">
        <button type="button" className="btn btn-primary btn-small" onClick={start} disabled={starting} data-testid="run-start">
          {response ? 'Restart' : 'Start test run'}
        </button>
        {response && (
          <button type="button" className="btn btn-small" onClick={stop}>
            Stop
          </button>
        )}
        <button type="button" className="btn-link" onClick={() => setShowInput((v) => !v)} aria-expanded={showInput}>
          {showInput ? 'Hide input' : 'Input…'}
        </button>
      </div>
      {showInput && (
        <div className="ins-field run-input">
          <label htmlFor="run-input">Input (JSON, optional)</label>
          <textarea id="run-input" className="ins-input ins-mono" rows={4} spellCheck={false} placeholder='{ "username": "alice" }' value={inputText} onChange={(e) => setInputText(e.target.value)} />
        </div>
      )}
      {error && (
        <div className="run-error" role="alert">
          {error}
        </div>
      )}

      <div className="run-body">
        {!response && !error && <p className="ins-muted run-empty">Start a run to walk through the journey as a user would. The path taken lights up on the canvas.</p>}
        {response && (
          <div className={`run-status run-status-${status}`} data-testid="run-status" data-status={status}>
            <span className="run-status-dot" aria-hidden="true" />
            {status === 'waiting' && (
              <span>
                Waiting at <strong>{response.step?.id}</strong>
              </span>
            )}
            {status === 'completed' && <span>Completed</span>}
            {status === 'rejected' && <span>Rejected</span>}
            {status === 'failed' && <span>Failed</span>}
          </div>
        )}
        {response?.status === 'waiting' && response.step && (
          <div className="run-step">
            <StepView key={`${response.sessionId}:${response.step.id}`} response={response} onSubmit={onSubmit} headingLevel={3} />
          </div>
        )}
        {response && response.status !== 'waiting' && <Outcome response={response} />}

        {response && (
          <section className="run-section" aria-label="Messages sent" data-testid="outbox">
            <div className="run-section-head">
              <h3>Dev outbox</h3>
              <button type="button" className="btn-link" onClick={() => refresh(response)}>
                Refresh
              </button>
            </div>
            {outbox.length === 0 ? (
              <p className="ins-muted">No message sent in this session.</p>
            ) : (
              <ul className="run-outbox">
                {outbox.map((m) => (
                  <li key={m.id} className="run-message">
                    <div className="run-message-meta">
                      <span className="run-chip">{m.channel}</span> to {m.to} · {time(m.createdAt)}
                    </div>
                    <div className="run-message-body" data-testid="outbox-message">
                      {m.body}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>
        )}

        {timeline.length > 0 && (
          <section className="run-section" aria-label="Path taken">
            <div className="run-section-head">
              <h3>Timeline</h3>
            </div>
            <ol className="run-timeline">
              {timeline.map((e, i) => (
                <li key={i} className={`run-event run-event-${e.event}`}>
                  <span className="run-event-step">{e.stepId ?? '—'}</span>
                  <span className="run-event-what">
                    {e.event === 'branch' ? `→ ${e.branch}` : e.event === 'submitted' ? `answered ${e.option ?? ''}` : e.event === 'error' ? `error ${e.error?.code ?? ''}` : e.event}
                  </span>
                </li>
              ))}
            </ol>
          </section>
        )}
      </div>
    </aside>
  );
}

function Outcome({ response }: { response: StepResponse }) {
  if (response.status === 'completed' && response.result) {
    const payload = decodeJwt(response.result.token);
    return (
      <div className="run-outcome run-outcome-success" data-testid="run-outcome">
        <h3>Journey completed</h3>
        <div className="run-kv-label">Claims</div>
        <pre className="run-json">{JSON.stringify(response.result.claims, null, 2)}</pre>
        {payload !== null && (
          <details>
            <summary>Token payload</summary>
            <pre className="run-json">{JSON.stringify(payload, null, 2)}</pre>
          </details>
        )}
      </div>
    );
  }
  return (
    <div className="run-outcome run-outcome-failure" data-testid="run-outcome">
      <h3>{response.status === 'rejected' ? 'Journey rejected' : 'Journey failed'}</h3>
      {response.error && (
        <p>
          <code>{response.error.code}</code> {response.error.message}
        </p>
      )}
    </div>
  );
}

function decodeJwt(token: string): unknown {
  try {
    const part = token.split('.')[1];
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

function time(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
}

function describe(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'validation_failed') return `${sentence(e.message)}. Fix the problems listed under the canvas, then start again.`;
    return sentence(e.message);
  }
  return (e as Error).message ?? 'The run could not start.';
}
