/**
 * WAL checkpoints off the thread that serves requests. SQLite's automatic checkpoint runs in
 * whichever commit takes the WAL past 1000 pages, so one request in a thousand pages carries the
 * whole copy and its fsyncs, and every request queued behind it on the event loop waits too (B1's
 * p99). Here a worker thread with its own connection runs a PASSIVE checkpoint every interval
 * (wal-checkpoint-worker.cjs), so the copy happens beside the requests, never inside one. The
 * automatic checkpoint stays on as the bound: when the worker falls behind (a long reader, a
 * writer faster than the disk) the WAL still cannot pass SQLite's threshold, and what the worker
 * already copied makes that checkpoint short.
 *
 * PASSIVE never waits for and never blocks a reader or a writer (in this process or another one
 * on the same file), so it cannot make a write fail with `database is locked`, the failure of the
 * reverted attempt that needed RESTART to bound the WAL. The WAL is reset by the next writer once
 * every frame is copied and no reader still needs them.
 *
 * A thread costs memory and start-up time, so it starts only once the WAL shows write traffic
 * (a file store that is barely written, as most test stores are, never needs one): a timer looks
 * at the WAL file's size, a stat call, until then.
 */
import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Frames the automatic checkpoint lets the WAL reach (SQLite's default, kept as the bound). */
export const WAL_AUTOCHECKPOINT_PAGES = 1000;
const DEFAULT_INTERVAL_MS = 100;
/** WAL bytes that show enough writing to be worth a thread (64 pages). */
const TRAFFIC_BYTES = 64 * 4096;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

export function startWalCheckpointer(db: Database.Database, intervalMs = DEFAULT_INTERVAL_MS): WalCheckpointer {
  let worker: Worker | null = null;
  const watch = setInterval(() => {
    if (!db.open || walBytes(db.name) < TRAFFIC_BYTES) return;
    clearInterval(watch);
    worker = startWorker(db.name, intervalMs);
  }, intervalMs);
  // A store left open must not keep a process alive for its checkpoints.
  watch.unref();
  return {
    async stop() {
      clearInterval(watch);
      const running = worker;
      worker = null;
      if (!running) return;
      // Asked to close its connection rather than terminated, which could leave it open. Held
      // referenced meanwhile: an unreferenced thread's exit would not keep a closing process
      // alive to see it, and the close would never return.
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.ref();
      running.postMessage('stop');
      await exited;
    },
  };
}

function startWorker(path: string, intervalMs: number): Worker {
  const worker = new Worker(new URL('./wal-checkpoint-worker.cjs', import.meta.url), {
    workerData: { path, intervalMs, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  worker.unref();
  // A worker that fails (the file removed under it) leaves the automatic checkpoint as the bound.
  worker.on('error', () => undefined);
  return worker;
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
