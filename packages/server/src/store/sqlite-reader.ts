import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// The worker's code, run with `eval` (CommonJS) so it needs no file of its own next to the source or
// the build; it loads the driver from the path the main thread resolved. Its connection is read-only
// and reads integers as bigints, as the writing connection does.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const statements = new Map();
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    let statement = statements.get(message.sql);
    if (!statement) {
      statement = db.prepare(message.sql);
      statement.safeIntegers(true);
      if (statements.size >= 256) statements.clear();
      statements.set(message.sql, statement);
    }
    parentPort.postMessage({ id: message.id, rows: statement.all(...message.params) });
  } catch (error) {
    parentPort.postMessage({
      id: message.id,
      error: { message: String(error && error.message), code: error && error.code },
    });
  }
});
`;

type Row = Record<string, unknown>;

interface Pending {
  resolve: (rows: Row[]) => void;
  reject: (error: unknown) => void;
}

/** An error the reader's connection raised, with SQLite's code kept (`SQLITE_BUSY`, …). */
class SqliteReadError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'SqliteError';
    this.code = code;
  }
}

/**
 * Runs read queries that scan the ledger (usage, invoices, event pages) on a worker thread with its own
 * read-only connection. better-sqlite3 is synchronous: on the main thread, one query over a large ledger
 * would stall every request in flight for as long as it runs. WAL mode lets this connection read while
 * the main one writes, and it sees every transaction committed before the query starts.
 */
export class SqliteReader {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #failure: Error | undefined;

  constructor(path: string) {
    this.#worker = new Worker(WORKER, {
      eval: true,
      workerData: { path, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    this.#worker.unref();
    this.#worker.on(
      'message',
      (message: { id: number; rows?: Row[]; error?: { message: string; code?: string } }) => {
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        this.#pending.delete(message.id);
        if (this.#pending.size === 0) this.#worker.unref();
        if (message.error) pending.reject(new SqliteReadError(message.error.message, message.error.code));
        else pending.resolve(message.rows ?? []);
      },
    );
    const fail = (error: Error) => {
      this.#failure ??= error;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.once('exit', () => fail(new Error('The SQLite reader thread has stopped.')));
  }

  /** True until the worker has failed or stopped: the store then reads on its own connection. */
  get usable(): boolean {
    return this.#failure === undefined;
  }

  all(sql: string, params: unknown[]): Promise<Row[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, reject });
      // Referenced while a query is in flight, so a process awaiting only a read does not exit.
      if (this.#pending.size === 1) this.#worker.ref();
      this.#worker.postMessage({ id, sql, params });
    });
  }

  async stop(): Promise<void> {
    if (this.#failure) return;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage('stop');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') await this.#worker.terminate();
  }
}
