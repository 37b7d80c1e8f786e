/** Fixed-window counters (send limits, rate limits): one upsert per hit, atomic across processes. */
import type pg from 'pg';
import type { CounterStore } from '../store.js';

export class PostgresCounters implements CounterStore {
  constructor(private readonly pool: pg.Pool) {}

  async increment(key: string, windowSeconds: number, now: string): Promise<number> {
    // The cut-off is computed here, as in SQLite, so both stores compare the same ISO strings.
    const cutoff = new Date(Date.parse(now) - windowSeconds * 1000).toISOString();
    const { rows } = await this.pool.query(
      `INSERT INTO counters AS c (key, window_start, count) VALUES ($1, $2, 1)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN c.window_start <= $3::text THEN 1 ELSE c.count + 1 END,
         window_start = CASE WHEN c.window_start <= $3::text THEN $2::text ELSE c.window_start END
       RETURNING count`,
      [key, now, cutoff],
    );
    return rows[0].count as number;
  }

  async decrement(key: string, windowSeconds: number, now: string): Promise<void> {
    const cutoff = new Date(Date.parse(now) - windowSeconds * 1000).toISOString();
    await this.pool.query('UPDATE counters SET count = count - 1 WHERE key = $1 AND count > 0 AND window_start > $2::text', [key, cutoff]);
  }

  async deleteStale(before: string): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM counters WHERE window_start < $1', [before]);
    return rowCount ?? 0;
  }
}
