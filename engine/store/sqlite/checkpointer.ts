/**
 * WAL checkpoints off the event loop. By default SQLite checkpoints inside whichever commit
 * crosses 1000 WAL pages: that commit copies the pages into the database file and syncs it, on
 * the thread that serves requests, so every request in flight waits for it (a tail-latency spike
 * every few dozen logins under load).
 *
 * A worker thread with its own connection checkpoints instead (PASSIVE: it never blocks a writer)
 * a few times a second, and RESTARTs the log when it has grown large anyway (long readers can keep
 * PASSIVE from reaching its end). The serving connection turns its own automatic checkpoints off
 * only while the worker runs; if the worker ever stops, they are turned back on.
 */
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  intervalMs?: number;
  /** WAL size (bytes) above which the worker restarts the log rather than only copying it. */
  restartAboveBytes?: number;
}

/**
 * The worker's code, evaluated as a script: a file would need a TypeScript loader in the worker,
 * which tsx provides but a test runner may not. It only opens the file and checkpoints.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const walSize = () => { try { return statSync(workerData.path + '-wal').size; } catch { return 0; } };
const timer = setInterval(() => {
  try {
    db.pragma(walSize() > workerData.restartAboveBytes ? 'wal_checkpoint(RESTART)' : 'wal_checkpoint(PASSIVE)');
  } catch (error) {
    // Busy or locked: the next tick tries again.
  }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
parentPort.postMessage('ready');
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts checkpointing `path` from a worker thread; `db` is the serving connection. */
export function startCheckpointer(db: Database.Database, path: string, options: CheckpointerOptions = {}): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path,
      intervalMs: options.intervalMs ?? 200,
      restartAboveBytes: options.restartAboveBytes ?? 64 * 1024 * 1024,
    },
  });
  worker.unref(); // a running checkpointer never keeps the process alive
  let running = true;
  const fallBack = () => {
    if (!running) return;
    running = false;
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  };
  worker.once('message', () => {
    if (running && db.open) db.pragma('wal_autocheckpoint = 0');
  });
  worker.once('error', fallBack);
  worker.once('exit', fallBack);
  return {
    async stop() {
      if (!running) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.ref(); // an unref'd worker would let the process end before it answers
      worker.postMessage('stop');
      await exited; // and the exit handler turns automatic checkpoints back on
    },
  };
}
