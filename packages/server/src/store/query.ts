/**
 * The query layer both stores share. The store's domain (domain.ts) is written once, as generator
 * functions that yield the statements they need and get back what each returned; a dialect runs them.
 * SQLite (better-sqlite3) answers every statement synchronously, so it drives a whole unit of work in one
 * synchronous call, inside its transaction: nothing else on the event loop can run between two of its
 * statements, and no promise is awaited per statement. PostgreSQL awaits each statement on a pooled
 * connection (the transaction's own, when there is one). One domain, two drivers, no interleaving.
 *
 * Statements are written with `?` placeholders, in the order their values come; PostgreSQL's are numbered
 * (`$1`, `$2`, …) by `numbered`. Where the dialects' SQL differs (a list parameter), a statement carries
 * both texts (`BothDialects`).
 */

export type Row = Record<string, unknown>;
export type DialectKind = 'sqlite' | 'postgres';

/** SQL text per dialect, for the few statements whose text differs. */
export interface BothDialects {
  sqlite: string;
  postgres: string;
}

/**
 * One step of a unit of work: a statement with its rows (`all`), its first row (`one`) or the number of
 * rows it changed (`run`) sent back; `forIds`, the rows a lookup finds for a list of ids (SQLite runs its
 * text once per id, the id its last parameter: a prepared point lookup, which costs less there than any
 * list parameter and no round trip; PostgreSQL runs its text once, the ids as an array its last
 * parameter); or `lockProject`, which holds the project's configuration until the
 * transaction ends (PostgreSQL locks the project row, across replicas; SQLite's write transaction holds
 * the database's one write lock from its start, so it has nothing more to do).
 */
export type Step =
  | { mode: 'all' | 'one' | 'run'; sql: string | BothDialects; params: unknown[] }
  | { mode: 'forIds'; sql: BothDialects; params: unknown[]; ids: readonly string[] }
  | { mode: 'lockProject'; projectId: string };

/** A unit of work: run by `driveSync` (SQLite) or `driveAsync` (PostgreSQL), to its result `T`. */
export type Work<T> = Generator<Step, T, unknown>;

export function* all(sql: string | BothDialects, params: unknown[]): Work<Row[]> {
  return (yield { mode: 'all', sql, params }) as Row[];
}

export function* one(sql: string | BothDialects, params: unknown[]): Work<Row | undefined> {
  return (yield { mode: 'one', sql, params }) as Row | undefined;
}

/** The rows `sql` finds for each of `ids` (see `Step`), in no particular order. */
export function* forIds(sql: BothDialects, params: unknown[], ids: readonly string[]): Work<Row[]> {
  return (yield { mode: 'forIds', sql, params, ids }) as Row[];
}

/** Runs a statement that changes rows; the number it changed. */
export function* run(sql: string | BothDialects, params: unknown[]): Work<number> {
  return (yield { mode: 'run', sql, params }) as number;
}

/** Configuration changes of a project serialize: on PostgreSQL on its row, on SQLite on the write lock. */
export function* lockProject(projectId: string): Work<void> {
  yield { mode: 'lockProject', projectId };
}

/** How a unit of work runs: on its own statements (`none`), or in a write or a read transaction. */
export type TransactionMode = 'none' | 'write' | 'read';

/** Runs `work` with a synchronous executor: every statement is answered before the next is asked for. */
export function driveSync<T>(work: Work<T>, execute: (step: Step) => unknown): T {
  let step = work.next();
  while (!step.done) {
    let answer: unknown;
    try {
      answer = execute(step.value);
    } catch (error) {
      // Into the unit of work, so its own `finally` blocks run; rethrown unless it handles it.
      step = work.throw(error);
      continue;
    }
    step = work.next(answer);
  }
  return step.value;
}

/** Runs `work` with an asynchronous executor, one statement at a time. */
export async function driveAsync<T>(work: Work<T>, execute: (step: Step) => Promise<unknown>): Promise<T> {
  let step = work.next();
  while (!step.done) {
    let answer: unknown;
    try {
      answer = await execute(step.value);
    } catch (error) {
      step = work.throw(error);
      continue;
    }
    step = work.next(answer);
  }
  return step.value;
}

/** A statement whose text differs by dialect, written once as a function of it. */
export const bothDialects = (text: (dialect: DialectKind) => string): BothDialects => ({
  sqlite: text('sqlite'),
  postgres: text('postgres'),
});

/** The statement's text in this dialect. */
export function sqlFor(dialect: DialectKind, sql: string | BothDialects): string {
  return typeof sql === 'string' ? sql : sql[dialect];
}

const numberedCache = new Map<string, string>();

/**
 * `?` placeholders numbered as PostgreSQL wants them (`$1`, `$2`, …), in order. The domain's SQL has no
 * `?` of its own (no string literal or operator holds one), so each `?` is a placeholder.
 */
export function numbered(sql: string): string {
  let text = numberedCache.get(sql);
  if (text === undefined) {
    let index = 0;
    text = sql.replace(/\?/g, () => `$${++index}`);
    numberedCache.set(sql, text);
  }
  return text;
}
