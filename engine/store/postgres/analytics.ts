/** Journey analytics: sums of the rollup (rows/funnel.ts), and counting expired sessions once. */
import type pg from 'pg';
import type { AnalyticsStore, FunnelCount, FunnelQuery, SessionFunnel, SessionRecord } from '../store.js';
import { sessionRow } from '../rows/sessions.js';
import { writeChangeRecords } from './change-records.js';
import { postgresCodec, type Row } from './codec.js';
import { inTransaction } from './pool.js';

export class PostgresAnalytics implements AnalyticsStore {
  constructor(private readonly pool: pg.Pool) {}

  async query(q: FunnelQuery): Promise<{ byStep: Array<Omit<FunnelCount, 'hour'>>; series: FunnelCount[] }> {
    // Every version listed (published versions, deleted ones too): the primary key then serves
    // each version's hour range, with no second index for the hot path to keep up.
    const params: unknown[] = [q.journeyId, q.from, q.to];
    let where = 'WHERE journey_id = $1 AND hour >= $2 AND hour < $3';
    if (q.version !== undefined) {
      params.push(q.version);
      where += ' AND journey_version = $4';
    } else {
      where += ' AND journey_version = ANY (ARRAY(SELECT version FROM journey_versions WHERE journey_id = $1))';
    }
    const [byStep, series] = await Promise.all([
      this.pool.query(`SELECT step_id, metric, key, SUM(count)::bigint AS count FROM journey_funnel ${where} GROUP BY step_id, metric, key ORDER BY step_id, metric, key`, params),
      this.pool.query(`SELECT hour, metric, key, SUM(count)::bigint AS count FROM journey_funnel ${where} AND step_id = '' GROUP BY hour, metric, key ORDER BY hour, metric, key`, params),
    ]);
    return {
      byStep: byStep.rows.map((r: Row) => ({ stepId: r.step_id, metric: r.metric, key: r.key, count: Number(r.count) })),
      series: series.rows.map((r: Row) => ({ hour: r.hour, stepId: '', metric: r.metric, key: r.key, count: Number(r.count) })),
    };
  }

  async listExpiredUncounted(now: string, limit: number): Promise<SessionRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT s.* FROM sessions s WHERE s.status = 'waiting' AND s.expires_at < $1 AND s.journey_version IS NOT NULL AND NOT s.test_run
          AND NOT EXISTS (SELECT 1 FROM funnel_counted_sessions c WHERE c.session_id = s.id)
        ORDER BY s.expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r: Row) => sessionRow.fromRow(r, postgresCodec));
  }

  async recordExpired(funnel: SessionFunnel): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      // The session's row locked: a save racing this expiry waits, then finds it counted.
      const waiting = await client.query(`SELECT 1 FROM sessions WHERE id = $1 AND status = 'waiting' FOR UPDATE`, [funnel.sessionId]);
      if (waiting.rowCount !== 1) return false;
      const counted = await client.query('SELECT 1 FROM funnel_counted_sessions WHERE session_id = $1', [funnel.sessionId]);
      if (counted.rowCount) return false;
      await writeChangeRecords(client, { funnel });
      return true;
    });
  }
}
