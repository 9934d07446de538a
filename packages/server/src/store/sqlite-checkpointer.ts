import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// The worker's code, run with `eval` (CommonJS) so it needs no file of its own next to the source
// or the build; it loads the driver from the path the main thread resolved.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy (another checkpointer) or gone: the next tick tries again.
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Copies the WAL back into the database file from a worker thread with its own connection
 * (PASSIVE checkpoints, which never block writers), every `everyMs`. A checkpoint ends in two
 * fsyncs (~10 ms on a slow disk); run by the writing connection itself it stalls the event loop,
 * and with it every request in flight, once per 1,000 pages written.
 */
export class Checkpointer {
  readonly #worker: Worker;
  #exited = false;
  #stopped: Promise<void> | undefined;

  constructor(path: string, everyMs = 100) {
    this.#worker = new Worker(WORKER, {
      eval: true,
      workerData: { path, everyMs, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    this.#worker.unref();
    // Should the worker fail, the writing connection's own (rarer) checkpoints still bound the WAL.
    this.#worker.on('error', () => {});
    this.#worker.once('exit', () => {
      this.#exited = true;
    });
  }

  /** Stops the worker and closes its connection. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      if (this.#exited) return;
      const exited = once(this.#worker, 'exit');
      this.#worker.postMessage('stop');
      const timeout = new Promise((resolve) => setTimeout(resolve, 5000).unref());
      if ((await Promise.race([exited.then(() => true), timeout])) !== true) await this.#worker.terminate();
    })();
    return this.#stopped;
  }
}
