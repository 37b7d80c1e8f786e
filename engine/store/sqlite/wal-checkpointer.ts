/**
 * WAL checkpoints between requests instead of inside one. SQLite's automatic checkpoint runs in
 * whichever commit takes the WAL past 1000 pages, so one request in a thousand pages carries the
 * whole copy and its fsyncs, and every request queued behind it on the event loop waits too (B1's
 * p99). Here a timer runs a PASSIVE checkpoint every interval, so each one copies only what the
 * last interval wrote and none of them sits inside a commit. The automatic checkpoint stays on as
 * the bound: when the timer is starved (a busy event loop, a long reader), the WAL still cannot
 * pass SQLite's threshold.
 *
 * PASSIVE never waits for and never blocks a reader or a writer (in this process or another one
 * on the same file), so it cannot make a write fail with `database is locked`, the failure of the
 * reverted worker-thread attempt that needed RESTART to bound the WAL. The WAL is reset by the
 * next writer once every frame is copied and no reader still needs them.
 */
import type Database from 'better-sqlite3';

/** Frames the automatic checkpoint lets the WAL reach (SQLite's default, kept as the bound). */
export const WAL_AUTOCHECKPOINT_PAGES = 1000;
const DEFAULT_INTERVAL_MS = 100;

export interface WalCheckpointer {
  stop(): void;
}

export function startWalCheckpointer(db: Database.Database, intervalMs = DEFAULT_INTERVAL_MS): WalCheckpointer {
  const timer = setInterval(() => {
    if (!db.open || db.inTransaction) return;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // A failed passive checkpoint changes nothing stored; the automatic checkpoint still bounds
      // the WAL, and the next interval tries again.
    }
  }, intervalMs);
  // A store left open must not keep a process alive for its checkpoints.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
