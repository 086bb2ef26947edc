/**
 * WAL checkpoints off the event loop. SQLite copies the WAL back into the database (and syncs
 * both) every 1000 pages, inside whichever COMMIT crosses the mark: on a busy server that COMMIT
 * takes 10–30 ms, during which the event loop stands still. A long-lived connection hands the
 * copying to a second connection in a worker thread instead (PASSIVE checkpoints: they never
 * wait for, nor block, the writer). Durability is unchanged: a commit is in the WAL either way.
 *
 * Under a steady stream of commits a PASSIVE checkpoint never catches up (frames keep arriving
 * while it copies), so the WAL would never start over: it grew by every commit for as long as the
 * server ran (166 MB after 2000 conversations), every commit appending to an ever longer file
 * (COMMIT 4× slower). So each PASSIVE checkpoint is followed by a RESTART one while this process
 * holds its writes back (`exclusive`: the driver's mutex), which copies only what was committed
 * meanwhile and makes the next writer start the WAL from its beginning. This process's statements
 * wait for that (4–16 ms measured, mostly the database file's fsync, once every `every` commits);
 * the event loop does not.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Runs in the worker: a connection of its own to the same file, checkpointing when asked. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  let result = null;
  try {
    // 'restart' comes while the writer holds its writes back; another process may still write (busy: next time)
    result = db.pragma(m === 'restart' ? 'wal_checkpoint(RESTART)' : 'wal_checkpoint(PASSIVE)')[0] ?? null;
  } catch (error) {
    result = { error: String(error && error.message) };
  }
  parentPort.postMessage({ phase: m, result });
});
`;

export interface Checkpointer {
  /** Tells it a write transaction committed; it checkpoints every `every` of them. */
  committed(): void;
  close(): Promise<void>;
}

/**
 * Starts checkpointing `file` in a worker thread after `every` commits, and calls `handOver()`
 * once it runs (the caller then turns its own automatic checkpoints off) or `takeBack()` if the
 * worker fails (automatic checkpoints on again).
 */
export function createCheckpointer(
  file: string,
  hooks: {
    handOver(): void;
    takeBack(): void;
    /** Runs `body` with this process's writes held back (none in progress, none starting). */
    exclusive(body: () => Promise<void>): Promise<void>;
  },
  every = 1000,
): Checkpointer {
  let worker: Worker | null = null;
  let failed = false;
  let inFlight = false;
  let since = 0;
  /** Resolves the RESTART phase's wait (the writes held back meanwhile). */
  let restarted: (() => void) | null = null;
  const restart = (w: Worker) =>
    hooks
      .exclusive(
        () =>
          new Promise<void>((resolve) => {
            if (worker !== w) return resolve(); // stopped or closed meanwhile
            // writes are held back a second at most: SQLite's own locks keep a late checkpoint safe
            const timer = setTimeout(() => restarted?.(), 1000);
            restarted = () => {
              clearTimeout(timer);
              restarted = null;
              resolve();
            };
            w.postMessage('restart');
          }),
      )
      .finally(() => (inFlight = false));
  const start = () => {
    try {
      const module = createRequire(import.meta.url).resolve('better-sqlite3');
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, module } });
    } catch {
      failed = true;
      return;
    }
    const w = worker;
    w.on('message', (m: { phase: string; result: { error?: string } | null }) => {
      if (m.result?.error) {
        stop(); // releases writes held back for a RESTART
        inFlight = false;
      } else if (m.phase === 'restart') restarted?.();
      else void restart(w); // PASSIVE done: now the few frames committed meanwhile, writes held back
    });
    w.on('error', () => stop());
    w.on('exit', () => {
      if (worker) stop();
    });
    w.unref(); // after the listeners: adding a 'message' listener refs the worker again
    hooks.handOver();
  };
  const stop = () => {
    if (failed) return;
    failed = true;
    const w = worker;
    worker = null;
    hooks.takeBack();
    void w?.terminate();
    restarted?.(); // writes held back for an answer that will not come
  };
  return {
    committed() {
      if (failed || ++since < every) return;
      if (!worker) {
        start();
        since = 0;
        return;
      }
      if (inFlight) return;
      since = 0;
      inFlight = true;
      worker.postMessage('checkpoint');
    },
    async close() {
      const w = worker;
      worker = null;
      failed = true;
      restarted?.();
      if (!w) return;
      w.postMessage('close');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void w.terminate().then(() => resolve()), 2000);
        w.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
