/** Fixed-window counters (send limits, rate limits): one upsert per hit. */
import type Database from 'better-sqlite3';
import type { CounterStore } from '../store.js';

export class SqliteCounters implements CounterStore {
  constructor(private readonly db: Database.Database) {}

  async increment(key: string, windowSeconds: number, now: string): Promise<number> {
    const cutoff = new Date(Date.parse(now) - windowSeconds * 1000).toISOString();
    return this.db
      .prepare(
        `INSERT INTO counters (key, window_start, count) VALUES (@key, @now, 1)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN window_start <= @cutoff THEN 1 ELSE count + 1 END,
           window_start = CASE WHEN window_start <= @cutoff THEN @now ELSE window_start END
         RETURNING count`,
      )
      .pluck()
      .all({ key, now, cutoff })[0] as number;
  }

  async decrement(key: string, windowSeconds: number, now: string): Promise<void> {
    const cutoff = new Date(Date.parse(now) - windowSeconds * 1000).toISOString();
    this.db.prepare('UPDATE counters SET count = count - 1 WHERE key = ? AND count > 0 AND window_start > ?').run(key, cutoff);
  }

  async deleteStale(before: string): Promise<number> {
    return this.db.prepare('DELETE FROM counters WHERE window_start < ?').run(before).changes;
  }
}
