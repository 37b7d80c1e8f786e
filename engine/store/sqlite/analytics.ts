/** Journey analytics: sums of the rollup (rows/funnel.ts), and counting expired sessions once. */
import type Database from 'better-sqlite3';
import type { AnalyticsStore, FunnelCount, FunnelQuery, SessionFunnel, SessionRecord } from '../store.js';
import { sessionRow } from '../rows/sessions.js';
import { writeChangeRecords } from './change-records.js';
import { sqliteCodec, type Row } from './codec.js';

export class SqliteAnalytics implements AnalyticsStore {
  constructor(private readonly db: Database.Database) {}

  async query(q: FunnelQuery): Promise<{ byStep: Array<Omit<FunnelCount, 'hour'>>; series: FunnelCount[] }> {
    // Every version listed (published versions, deleted ones too): the primary key then serves
    // each version's hour range, with no second index for the hot path to keep up.
    const version = q.version === undefined ? 'journey_version IN (SELECT version FROM journey_versions WHERE journey_id = ?)' : 'journey_version = ?';
    const params = [q.journeyId, q.version === undefined ? q.journeyId : q.version, q.from, q.to];
    const where = `WHERE journey_id = ? AND ${version} AND hour >= ? AND hour < ?`;
    const byStep = this.db
      .prepare(`SELECT step_id, metric, key, SUM(count) AS count FROM journey_funnel ${where} GROUP BY step_id, metric, key ORDER BY step_id, metric, key`)
      .all(...params) as Row[];
    const series = this.db
      .prepare(`SELECT hour, metric, key, SUM(count) AS count FROM journey_funnel ${where} AND step_id = '' GROUP BY hour, metric, key ORDER BY hour, metric, key`)
      .all(...params) as Row[];
    return {
      byStep: byStep.map((r) => ({ stepId: r.step_id, metric: r.metric, key: r.key, count: Number(r.count) })),
      series: series.map((r) => ({ hour: r.hour, stepId: '', metric: r.metric, key: r.key, count: Number(r.count) })),
    };
  }

  async listExpiredUncounted(now: string, limit: number): Promise<SessionRecord[]> {
    const rows = this.db
      .prepare(
        `SELECT s.* FROM sessions s WHERE s.status = 'waiting' AND s.expires_at < ? AND s.journey_version IS NOT NULL AND s.test_run = 0
            AND NOT EXISTS (SELECT 1 FROM funnel_counted_sessions c WHERE c.session_id = s.id)
          ORDER BY s.expires_at LIMIT ?`,
      )
      .all(now, limit) as Row[];
    return rows.map((r) => sessionRow.fromRow(r, sqliteCodec));
  }

  async recordExpired(funnel: SessionFunnel): Promise<boolean> {
    return this.db.transaction(() => {
      const waiting = this.db.prepare(`SELECT 1 FROM sessions WHERE id = ? AND status = 'waiting'`).get(funnel.sessionId);
      if (!waiting) return false;
      const before = this.db.prepare('SELECT count(*) FROM funnel_counted_sessions WHERE session_id = ?').pluck().get(funnel.sessionId) as number;
      if (before) return false;
      writeChangeRecords(this.db, { funnel });
      return true;
    }).immediate();
  }
}
