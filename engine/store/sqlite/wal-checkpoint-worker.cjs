// The thread behind wal-checkpointer.ts: its own connection to the database file copies the WAL
// into it (PASSIVE) on an interval, so the copy and its fsyncs never run on the thread serving
// requests. Plain CommonJS so that Node loads it as it is, under tsx, vitest or a build alike.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);

const db = new Database(workerData.path, { fileMustExist: true });
// Never wait for a lock: a checkpoint that cannot proceed now is simply tried at the next tick.
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');

/**
 * Copies what the WAL holds; while writers keep adding frames meanwhile, copies again (a few
 * times at most), so that it ends with every frame copied and the next write can start the WAL
 * over instead of leaving that to the writer's own automatic checkpoint.
 */
function checkpoint() {
  try {
    for (let round = 0; round < 4; round++) {
      const [{ busy, log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
      if (busy || checkpointed >= log) return;
    }
  } catch {
    // Interrupted: nothing stored changed, and the writer's automatic checkpoint bounds the WAL.
  }
}

// Started because the WAL already holds writes: copy them now rather than an interval later.
checkpoint();
const timer = setInterval(checkpoint, workerData.intervalMs);

parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
