/**
 * The analytics panel: a time range and version picker, the journey's totals, a chart of outcomes
 * over time, the colour scale of the canvas overlay (which it feeds), and the journey's history
 * from the audit log (who saved, published, restored what, when, from where).
 */
import { useEffect, useState } from 'react';
import { PanelHeader } from '../panels/PanelHeader.js';
import './AnalyticsPanel.css';
import type { AdminApi } from '../../api/admin.js';
import type { AuditEntry, JourneyAnalytics, JourneyChange } from '../../../../engine/http/contract/types.js';
import type { PublishedVersion } from '../editor/load-journey.js';
import { edgeId } from '../canvas/Canvas.js';
import { HEAT_THRESHOLDS, funnelOverlay, percent, type FunnelOverlay } from './funnel-overlay.js';
import { OutcomeChart, OUTCOMES } from './OutcomeChart.js';

export const RANGES = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
type Range = keyof typeof RANGES;

export interface AnalyticsPanelProps {
  api: AdminApi;
  journeyId: string;
  versions: PublishedVersion[];
  onOverlay: (overlay: FunnelOverlay | null) => void;
  onClose: () => void;
}

export function AnalyticsPanel({ api, journeyId, versions, onOverlay, onClose }: AnalyticsPanelProps) {
  const [range, setRange] = useState<Range>('7d');
  const [version, setVersion] = useState<number | null>(null);
  const [analytics, setAnalytics] = useState<JourneyAnalytics | null>(null);
  const [history, setHistory] = useState<AuditEntry[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    const to = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const from = new Date(to.getTime() - RANGES[range]);
    api
      .analytics(journeyId, { version, from: from.toISOString(), to: to.toISOString() })
      .then((result) => {
        if (!current) return;
        setAnalytics(result);
        setError(null);
        onOverlay(funnelOverlay(result, edgeId));
      })
      .catch((e: Error) => current && setError(e.message));
    return () => {
      current = false;
    };
  }, [api, journeyId, range, version, onOverlay]);

  useEffect(() => {
    let current = true;
    api
      .audit({ targetType: 'journey', targetId: journeyId, limit: 50 })
      .then((page) => current && setHistory(page.entries))
      .catch(() => current && setHistory([]));
    return () => {
      current = false;
    };
  }, [api, journeyId]);

  // The overlay goes with the panel.
  useEffect(() => () => onOverlay(null), [onOverlay]);

  return (
    <aside className="je-analytics" data-testid="analytics-panel" aria-label="Analytics">
      <PanelHeader className="an-head" title="Analytics" subtitle="Sessions by the hour they started; test runs not counted." closeLabel="Close analytics" onClose={onClose} />
      <div className="an-controls">
        <div className="btn-group" role="group" aria-label="Time range">
          {(Object.keys(RANGES) as Range[]).map((r) => (
            <button key={r} type="button" className={`btn ${range === r ? 'btn-active' : 'btn-ghost'}`} aria-pressed={range === r} onClick={() => setRange(r)} data-testid={`range-${r}`}>
              {r === '24h' ? '24 hours' : r === '7d' ? '7 days' : '30 days'}
            </button>
          ))}
        </div>
        <select aria-label="Version" value={version ?? ''} onChange={(e) => setVersion(e.target.value ? Number(e.target.value) : null)} data-testid="analytics-version">
          <option value="">All versions</option>
          {versions.map((v) => (
            <option key={v.version} value={v.version}>
              Version {v.version}
            </option>
          ))}
        </select>
      </div>
      {error && <div className="run-error">{error}</div>}
      {analytics && (
        <div className="an-body">
          <dl className="an-totals" data-testid="analytics-totals">
            {(['started', ...OUTCOMES] as const).map((k) => (
              <div key={k} data-total={k}>
                <dt>{k}</dt>
                <dd>{analytics.totals[k].toLocaleString('en')}</dd>
              </div>
            ))}
          </dl>
          <OutcomeChart analytics={analytics} />
          <div className="an-scale" data-testid="heat-scale">
            <span>Loss on a step (drop-off or failure):</span>
            {[0, ...HEAT_THRESHOLDS].map((t, level) => (
              <span key={t} className={`an-heat sn-heat-${level}`}>
                {level === 0 ? `< ${percent(HEAT_THRESHOLDS[0])}` : `≥ ${percent(t)}`}
              </span>
            ))}
          </div>
        </div>
      )}
      <section className="an-history" aria-label="History">
        <h3>History</h3>
        {history.length === 0 ? (
          <p className="an-empty">No changes recorded yet.</p>
        ) : (
          <ol data-testid="journey-history">
            {history.map((e) => (
              <li key={e.id} data-action={e.action}>
                <span className="an-what">{describe(e)}</span>
                <span className="an-who">
                  by <b>{e.actor}</b> · <time dateTime={e.at}>{e.at.replace('T', ' ').slice(0, 16)}</time>
                  {e.clientAddress ? ` · ${e.clientAddress}` : ''}
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </aside>
  );
}

/** One line of history: the action and what changed. */
function describe(entry: AuditEntry): string {
  // Journey entries carry the semantic diff (#19): counted by step, as the history's one line.
  const d = entry.details as { version?: number; changes?: JourneyChange[] };
  const steps = (kinds: string[]) => new Set((d.changes ?? []).filter((c) => kinds.includes(c.kind)).map((c) => c.stepId)).size;
  const [added, removed] = [steps(['step_added']), steps(['step_removed'])];
  const changed = steps(['step_renamed', 'step_type_changed', 'config_changed', 'branch_rewired', 'branch_added', 'branch_removed']);
  const changes = [added ? `+${added} step${added === 1 ? '' : 's'}` : '', removed ? `−${removed}` : '', changed ? `${changed} changed` : ''].filter(Boolean);
  const what =
    entry.action === 'journey.published'
      ? `Published version ${d.version}`
      : entry.action === 'journey.restored'
        ? `Restored version ${d.version} as the draft`
        : entry.action === 'journey.saved'
          ? 'Saved the draft'
          : entry.action === 'journey.deleted'
            ? 'Deleted the journey'
            : entry.action;
  return changes.length ? `${what} (${changes.join(', ')})` : what;
}
