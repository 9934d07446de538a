import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { planLinks } from '../call-links.js';
import { newKeyHashSecret } from '../keys.js';
import { SqlStore } from './domain.js';
import { driveSync, type Row, type Step, sqlFor, type TransactionMode, type Work } from './query.js';
import { MIGRATIONS } from './schema.js';
import {
  EVENT_COLUMNS,
  eventParams,
  HOLDERS_SQLITE,
  holderReads,
  orderHolders,
  rowToEvent,
  withExactHolders,
} from './sql.js';
import { Checkpointer } from './sqlite-checkpointer.js';
import { SqliteReader } from './sqlite-reader.js';
import type { EventRow, InsertOutcome } from './types.js';

interface PendingInsert {
  projectId: string;
  rows: EventRow[];
  resolve: (outcomes: InsertOutcome[]) => void;
  reject: (error: unknown) => void;
}

/** An error about the rows written (a constraint, a value SQLite refuses), not about the database. */
function refusedRows(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return true; // thrown by our own code
  return /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code);
}
/**
 * The key secret kept beside the database: read, or created 0600. Written whole to a file of its own
 * first and then linked into place, which fails if the file exists: two processes opening a new
 * database at once agree on one secret, and neither can read a half-written one.
 */
function keySecretFile(databasePath: string): { secret: Buffer; created: boolean } {
  const file = `${databasePath}.key-secret`;
  let created = false;
  if (!existsSync(file)) {
    const text = newKeyHashSecret().toString('base64');
    const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
    writeFileSync(draft, text, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(draft, file);
      created = true;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EEXIST') {
        // Another process created it first: its secret is the one.
      } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV') {
        // A file system without hard links: an exclusive create, written at once.
        try {
          writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
          created = true;
        } catch (fallback) {
          if ((fallback as { code?: unknown }).code !== 'EEXIST') throw fallback;
        }
      } else throw error;
    } finally {
      unlinkSync(draft);
    }
  }
  const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (secret.length < 16)
    throw new Error(`The key secret in ${file} is shorter than 16 bytes; delete the file or restore it.`);
  return { secret, created };
}

/** Shared by every inserted row: nothing mutates an outcome. */
const INSERTED: InsertOutcome = Object.freeze({ inserted: true });

const INSERT_EVENT = `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (project_id, event_id) DO NOTHING`;
const SELECT_EVENT = 'SELECT * FROM events WHERE project_id = ? AND event_id = ?';

/** A value as better-sqlite3 binds it: a boolean as 0/1 (it binds none). */
const bindable = (value: unknown): unknown => (typeof value === 'boolean' ? (value ? 1 : 0) : value);
const EVENT_STORED = 'SELECT 1 AS found FROM events WHERE project_id = ? AND event_id = ?';
/** A link row carries its event's seq: holders are read oldest first by it (`HOLDERS_SQLITE`). */
const INSERT_LINK = `INSERT INTO call_links (project_id, link_key, event_id, source, event_seq)
  SELECT ?, ?, event_id, ?, seq FROM events WHERE project_id = ? AND event_id = ?
  ON CONFLICT (project_id, link_key, event_id) DO NOTHING`;
/** Spent last-resort (`under:`) links: each matches once. */
const UNLINK = 'DELETE FROM call_links WHERE project_id = ? AND link_key = ? AND event_id = ?';
/** Every last-resort link of a meter event whose call's span was found. */
const UNLINK_UNDER_OF = `DELETE FROM call_links WHERE project_id = ? AND event_id = ? AND link_key LIKE 'under:%'`;
const SUPERSEDE = `UPDATE events SET superseded_by = ? WHERE project_id = ? AND event_id = ? AND superseded_by IS NULL`;

/**
 * The embedded store: one SQLite file through better-sqlite3, WAL mode, prepared statements,
 * each batch of events inserted in one transaction. Integers are read as bigints (money never
 * passes through a double). The domain (domain.ts) runs synchronously here, each unit of work in one
 * call (`perform`), so a transaction never spans a turn of the event loop.
 */
export class SqliteStore extends SqlStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  #pendingInserts: PendingInsert[] = [];
  #insertTimer: ReturnType<typeof setImmediate> | undefined;
  #writeGroup: Database.Transaction<(calls: PendingInsert[]) => InsertOutcome[][]> | undefined;
  #writeOne: Database.Transaction<(projectId: string, rows: EventRow[]) => InsertOutcome[]> | undefined;
  readonly #path: string;
  #checkpointer: Checkpointer | undefined;
  #linkHoldersRead = 0;
  #reader: SqliteReader | undefined;
  #readerFailed = false;
  #transaction: Database.Transaction<(work: () => unknown) => unknown> | undefined;
  readonly keySecret: Uint8Array | undefined;
  /** True when this open created `<path>.key-secret` (a new database, or one whose file was lost). */
  readonly keySecretCreated: boolean = false;

  /**
   * `keySecret`: the secret API keys are hashed under; default, one kept in the file `<path>.key-secret`
   * (0600, created on first open), so a copy of the database alone is not enough to guess keys offline.
   */
  constructor(path: string, options: { keySecret?: Uint8Array | undefined } = {}) {
    super();
    if (path !== ':memory:') {
      // The ledger and key hashes are for this server's user alone: a new folder is 0700 and a new
      // database file 0600 (SQLite gives its -wal and -shm files the database file's mode).
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    }
    if (options.keySecret) this.keySecret = options.keySecret;
    else if (path === ':memory:') this.keySecret = newKeyHashSecret();
    else {
      const file = keySecretFile(path);
      this.keySecret = file.secret;
      this.keySecretCreated = file.created;
    }
    this.#path = path;
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    // Checkpoints run on a worker thread (Checkpointer); this connection checkpoints only should
    // the WAL pass 10,000 pages (~40 MiB) anyway.
    this.#db.pragma('wal_autocheckpoint = 10000');
  }

  /** Stored holders of call links read by the writes naming links so far (each write reads a bounded few). */
  get linkHoldersRead(): number {
    return this.#linkHoldersRead;
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (statement.reader) statement.safeIntegers(true);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #all(sql: string, ...params: unknown[]): Row[] {
    return this.#statement(sql).all(...params) as Row[];
  }

  #get(sql: string, ...params: unknown[]): Row | undefined {
    return this.#statement(sql).get(...params) as Row | undefined;
  }

  /**
   * A read that may scan much of the ledger: on the reader thread, so it never stalls the event loop;
   * on this connection only where no thread can be had (an in-memory database, a failed worker).
   */
  protected async readLedger(sql: string, params: unknown[]): Promise<Row[]> {
    if (!this.#reader && !this.#readerFailed && this.#path !== ':memory:' && this.#db.open) {
      try {
        this.#reader = new SqliteReader(this.#path);
      } catch {
        this.#readerFailed = true;
      }
    }
    if (this.#reader?.usable) return this.#reader.all(sql, params);
    return this.#all(sql, ...params);
  }

  readonly #execute = (step: Step): unknown => {
    // One connection, one writer: the write transaction holds the database's lock from its start.
    if (step.mode === 'lockProject') return undefined;
    const statement = this.#statement(sqlFor('sqlite', step.sql));
    const params = step.params.map(bindable);
    if (step.mode === 'forIds') {
      const rows: Row[] = [];
      for (const id of step.ids) {
        const row = statement.get(...params, id) as Row | undefined;
        if (row) rows.push(row);
      }
      return rows;
    }
    if (step.mode === 'all') return statement.all(...params);
    if (step.mode === 'one') return statement.get(...params);
    return statement.run(...params).changes;
  };

  /** The unit of work in one synchronous call: a write transaction is `BEGIN IMMEDIATE`, a read one deferred. */
  protected async perform<T>(mode: TransactionMode, work: Work<T>): Promise<T> {
    const drive = () => driveSync(work, this.#execute);
    if (mode === 'none') return drive();
    this.#transaction ??= this.#db.transaction((run: () => unknown) => run());
    return (mode === 'write' ? this.#transaction.immediate(drive) : this.#transaction.deferred(drive)) as T;
  }

  async migrate(): Promise<void> {
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
    );
    const apply = this.#db.transaction(() => {
      const applied = new Set(
        (this.#db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
          (r) => r.version,
        ),
      );
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        this.#db.exec(migration.sqlite);
        this.#db
          .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
          .run(migration.version, Date.now());
      }
    });
    apply.immediate();
  }

  async close(): Promise<void> {
    if (this.#insertTimer) {
      clearImmediate(this.#insertTimer);
      this.#commitInserts();
    }
    // The worker's connection first, so this one, closing last, checkpoints and removes the WAL.
    await this.#checkpointer?.stop();
    await this.#reader?.stop();
    if (this.#db.open) this.#db.close();
  }

  /**
   * Inserts the events, claiming each id. Calls made in the same turn of the event loop (concurrent
   * requests) are written in one transaction: one commit instead of one per request. Each caller's
   * promise settles after the commit.
   */
  insertEvents(projectId: string, rows: EventRow[]): Promise<InsertOutcome[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#pendingInserts.push({ projectId, rows, resolve, reject });
      this.#insertTimer ??= setImmediate(() => this.#commitInserts());
    });
  }

  #insertRows(projectId: string, rows: EventRow[]): InsertOutcome[] {
    if (rows.some((row) => row.links !== undefined && row.links.length > 0))
      return this.#insertLinkedRows(projectId, rows);
    const insert = this.#statement(INSERT_EVENT);
    const outcomes: InsertOutcome[] = new Array(rows.length);
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index] as EventRow;
      outcomes[index] =
        insert.run(eventParams(projectId, row)).changes === 1
          ? INSERTED
          : { inserted: false, existing: rowToEvent(this.#get(SELECT_EVENT, projectId, row.eventId) as Row) };
    }
    return outcomes;
  }

  /**
   * Rows naming their model call: what is stored of their ids and links is read, the write decided
   * (`planLinks`) and carried out, all in the write transaction, so no other write comes between.
   */
  #insertLinkedRows(projectId: string, rows: EventRow[]): InsertOutcome[] {
    const storedIds = new Set<string>();
    for (const row of rows) {
      if (row.links === undefined || row.links.length === 0) continue;
      if (this.#get(EVENT_STORED, projectId, row.eventId)) storedIds.add(row.eventId);
    }
    // Only the holders the decision can act on, each read an index range that stops at its limit.
    const reads = holderReads(rows);
    const found: Row[] = [];
    const holdersOf = (linkKey: string, source: 'meter' | 'span', standing: boolean, limit: number) => {
      if (limit === 0) return;
      for (const holder of this.#all(HOLDERS_SQLITE, projectId, linkKey, source, standing ? 1 : 0, limit))
        found.push(holder);
    };
    for (const linkKey of reads.exact) {
      holdersOf(linkKey, 'meter', true, 1);
      holdersOf(linkKey, 'span', true, -1);
      holdersOf(linkKey, 'span', false, 1);
    }
    for (const { linkKey, meters, spans } of withExactHolders(reads, orderHolders(found))) {
      holdersOf(linkKey, 'meter', true, meters);
      holdersOf(linkKey, 'span', true, spans);
    }
    this.#linkHoldersRead += found.length;
    const plan = planLinks(rows, storedIds, orderHolders(found));
    const insert = this.#statement(INSERT_EVENT);
    const outcomes: InsertOutcome[] = new Array(rows.length);
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index] as EventRow;
      const decision = plan.decisions[index];
      if (decision?.kind === 'linked') {
        outcomes[index] = { inserted: false, status: 'linked', existing: decision.existing };
        continue;
      }
      outcomes[index] =
        decision?.kind === 'insert' &&
        insert.run(eventParams(projectId, row, decision.supersededBy)).changes === 1
          ? INSERTED
          : { inserted: false, existing: rowToEvent(this.#get(SELECT_EVENT, projectId, row.eventId) as Row) };
    }
    const link = this.#statement(INSERT_LINK);
    for (const { linkKey, eventId, source } of plan.links)
      link.run(projectId, linkKey, source, projectId, eventId);
    const unlink = this.#statement(UNLINK);
    for (const { linkKey, eventId } of plan.unlink) unlink.run(projectId, linkKey, eventId);
    const unlinkUnder = this.#statement(UNLINK_UNDER_OF);
    for (const eventId of plan.unlinkUnderOf) unlinkUnder.run(projectId, eventId);
    const supersede = this.#statement(SUPERSEDE);
    for (const { eventId, by } of plan.supersede) supersede.run(by, projectId, eventId);
    return outcomes;
  }

  #commitInserts(): void {
    this.#insertTimer = undefined;
    const group = this.#pendingInserts;
    this.#pendingInserts = [];
    if (group.length === 0) return;
    if (!this.#checkpointer && this.#path !== ':memory:' && this.#db.open) {
      try {
        this.#checkpointer = new Checkpointer(this.#path);
      } catch {
        // No worker threads here: this connection's own checkpoints bound the WAL.
      }
    }
    this.#writeGroup ??= this.#db.transaction((calls: PendingInsert[]) =>
      calls.map((call) => this.#insertRows(call.projectId, call.rows)),
    );
    this.#writeOne ??= this.#db.transaction((projectId: string, rows: EventRow[]) =>
      this.#insertRows(projectId, rows),
    );
    let outcomes: InsertOutcome[][];
    try {
      outcomes = this.#writeGroup.immediate(group);
    } catch (error) {
      // The whole group rolled back. When a call's own rows were refused (a constraint), each call is
      // written again on its own, so only that call fails; when the database itself failed (busy,
      // I/O, full), all of them fail: nothing was recorded.
      if (group.length === 1 || !refusedRows(error)) {
        for (const call of group) call.reject(error);
        return;
      }
      for (const call of group) {
        try {
          call.resolve(this.#writeOne.immediate(call.projectId, call.rows));
        } catch (callError) {
          call.reject(callError);
        }
      }
      return;
    }
    for (const [index, call] of group.entries()) {
      call.resolve(outcomes[index] as InsertOutcome[]);
    }
  }
}
