/**
 * WAL checkpoints off the event loop. SQLite copies the WAL back into the database (and syncs
 * both) every 1000 pages, inside whichever COMMIT crosses the mark: on a busy server that COMMIT
 * takes 10–30 ms, during which the event loop stands still. A long-lived connection hands the
 * copying to a second connection in a worker thread instead (PASSIVE checkpoints: they never
 * wait for, nor block, the writer). Durability is unchanged: a commit is in the WAL either way.
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
    result = db.pragma('wal_checkpoint(PASSIVE)')[0] ?? null;
  } catch (error) {
    result = { error: String(error && error.message) };
  }
  parentPort.postMessage(result);
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
  hooks: { handOver(): void; takeBack(): void },
  every = 200,
): Checkpointer {
  let worker: Worker | null = null;
  let failed = false;
  let inFlight = false;
  let since = 0;
  const start = () => {
    try {
      const module = createRequire(import.meta.url).resolve('better-sqlite3');
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, module } });
    } catch {
      failed = true;
      return;
    }
    worker.on('message', (result: { error?: string } | null) => {
      inFlight = false;
      if (result?.error) stop();
    });
    worker.on('error', () => stop());
    worker.on('exit', () => {
      if (worker) stop();
    });
    worker.unref(); // after the listeners: adding a 'message' listener refs the worker again
    hooks.handOver();
  };
  const stop = () => {
    if (failed) return;
    failed = true;
    const w = worker;
    worker = null;
    hooks.takeBack();
    void w?.terminate();
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
