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
import { MIGRATIONS } from './schema.js';
import {
  EVENT_COLUMNS,
  eventParams,
  eventsSelect,
  HOLDERS_SQLITE,
  holderReads,
  invoiceRowFrom,
  invoiceSelect,
  orderHolders,
  rowToAssignment,
  rowToEvent,
  rowToKey,
  rowToTier,
  usageRowFrom,
  usageSelect,
  withExactHolders,
} from './sql.js';
import { Checkpointer } from './sqlite-checkpointer.js';
import { SqliteReader } from './sqlite-reader.js';
import type {
  AssignmentRow,
  AuthRow,
  EventFilters,
  EventRow,
  InsertOutcome,
  InvoiceRow,
  KeyRow,
  PricingConfigRead,
  ResolveInput,
  ResolveResult,
  Store,
  StoredEvent,
  TierVersionRow,
  UsageDimension,
  UsageRow,
} from './types.js';

type Row = Record<string, unknown>;

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
 * passes through a double).
 */
export class SqliteStore implements Store {
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
  readonly keySecret: Uint8Array | undefined;
  /** True when this open created `<path>.key-secret` (a new database, or one whose file was lost). */
  readonly keySecretCreated: boolean = false;

  /**
   * `keySecret`: the secret API keys are hashed under; default, one kept in the file `<path>.key-secret`
   * (0600, created on first open), so a copy of the database alone is not enough to guess keys offline.
   */
  constructor(path: string, options: { keySecret?: Uint8Array | undefined } = {}) {
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
  async #read(sql: string, params: unknown[]): Promise<Row[]> {
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

  #run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.#statement(sql).run(...params);
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

  async ping(): Promise<void> {
    this.#get('SELECT 1 AS ok');
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

  async countProjects(): Promise<number> {
    return Number(this.#get('SELECT COUNT(*) AS n FROM projects')?.['n'] ?? 0);
  }

  async createProject(project: { projectId: string; name: string; createdAt: number }): Promise<void> {
    this.#run(
      'INSERT INTO projects (project_id, name, created_at) VALUES (?, ?, ?)',
      project.projectId,
      project.name,
      project.createdAt,
    );
  }

  async findKeyByHash(keyHash: string): Promise<AuthRow | null> {
    const row = this.#get(
      `SELECT k.key_id, k.project_id, k.scope, k.allow_tier_override, k.key_hash, k.revoked_at, p.config_version
       FROM api_keys k JOIN projects p ON p.project_id = k.project_id WHERE k.key_hash = ?`,
      keyHash,
    );
    if (!row) return null;
    return {
      keyId: String(row['key_id']),
      projectId: String(row['project_id']),
      scope: row['scope'] as AuthRow['scope'],
      allowTierOverride: Number(row['allow_tier_override']) === 1,
      keyHash: String(row['key_hash']),
      revokedAt: row['revoked_at'] === null ? null : Number(row['revoked_at']),
      configVersion: Number(row['config_version']),
    };
  }

  async setKeyTierOverride(projectId: string, keyId: string, allow: boolean): Promise<KeyRow | null> {
    this.#run(
      'UPDATE api_keys SET allow_tier_override = ? WHERE project_id = ? AND key_id = ? AND revoked_at IS NULL',
      allow ? 1 : 0,
      projectId,
      keyId,
    );
    const row = this.#get('SELECT * FROM api_keys WHERE project_id = ? AND key_id = ?', projectId, keyId);
    return row ? rowToKey(row) : null;
  }

  async getSetting(name: string): Promise<string | null> {
    const row = this.#get('SELECT value FROM server_settings WHERE name = ?', name);
    return row ? String(row['value']) : null;
  }

  async putSetting(name: string, value: string, onlyIfAbsent = false): Promise<string> {
    this.#run(
      `INSERT INTO server_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO ${onlyIfAbsent ? 'NOTHING' : 'UPDATE SET value = excluded.value'}`,
      name,
      value,
    );
    return (await this.getSetting(name)) ?? value;
  }

  async rehashKey(keyId: string, fromHash: string, toHash: string): Promise<void> {
    this.#run('UPDATE api_keys SET key_hash = ? WHERE key_id = ? AND key_hash = ?', toHash, keyId, fromHash);
  }

  async insertKey(key: KeyRow): Promise<void> {
    this.#run(
      `INSERT INTO api_keys (key_id, project_id, name, scope, allow_tier_override, prefix, key_hash, created_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      key.keyId,
      key.projectId,
      key.name,
      key.scope,
      key.allowTierOverride ? 1 : 0,
      key.prefix,
      key.keyHash,
      key.createdAt,
      key.revokedAt,
    );
  }

  async listKeys(projectId: string): Promise<KeyRow[]> {
    return this.#all(
      'SELECT * FROM api_keys WHERE project_id = ? ORDER BY created_at DESC, key_id DESC',
      projectId,
    ).map(rowToKey);
  }

  async revokeKey(projectId: string, keyId: string, now: number) {
    const revoke = this.#db.transaction(() => {
      const row = this.#get('SELECT * FROM api_keys WHERE project_id = ? AND key_id = ?', projectId, keyId);
      if (!row) return { status: 'not_found' as const };
      const key = rowToKey(row);
      if (key.revokedAt !== null) return { status: 'revoked' as const, key };
      if (key.scope === 'admin') {
        const active = this.#get(
          "SELECT COUNT(*) AS n FROM api_keys WHERE project_id = ? AND scope = 'admin' AND revoked_at IS NULL",
          projectId,
        );
        if (Number(active?.['n'] ?? 0) <= 1) return { status: 'last_admin' as const, key };
      }
      this.#run(
        'UPDATE api_keys SET revoked_at = ? WHERE project_id = ? AND key_id = ?',
        now,
        projectId,
        keyId,
      );
      return { status: 'revoked' as const, key: { ...key, revokedAt: now } };
    });
    return revoke.immediate();
  }

  async getConfigVersion(projectId: string): Promise<number> {
    return Number(
      this.#get('SELECT config_version FROM projects WHERE project_id = ?', projectId)?.['config_version'] ??
        0,
    );
  }

  async putTier(projectId: string, tierId: string, definition: string, now: number) {
    const put = this.#db.transaction(() => {
      const current = this.#get(
        `SELECT v.* FROM tiers t JOIN tier_versions v
           ON v.project_id = t.project_id AND v.tier_id = t.tier_id AND v.version = t.current_version
         WHERE t.project_id = ? AND t.tier_id = ?`,
        projectId,
        tierId,
      );
      if (current && current['definition'] === definition) return { row: rowToTier(current), created: false };
      const version = current ? Number(current['version']) + 1 : 1;
      this.#run(
        'INSERT INTO tier_versions (project_id, tier_id, version, definition, created_at) VALUES (?, ?, ?, ?, ?)',
        projectId,
        tierId,
        version,
        definition,
        now,
      );
      this.#run(
        `INSERT INTO tiers (project_id, tier_id, current_version) VALUES (?, ?, ?)
         ON CONFLICT (project_id, tier_id) DO UPDATE SET current_version = excluded.current_version`,
        projectId,
        tierId,
        version,
      );
      this.#run('UPDATE projects SET config_version = config_version + 1 WHERE project_id = ?', projectId);
      return { row: { tierId, version, definition, createdAt: now }, created: true };
    });
    return put.immediate();
  }

  async getTier(projectId: string, tierId: string, version?: number): Promise<TierVersionRow | null> {
    const row =
      version === undefined
        ? this.#get(
            `SELECT v.* FROM tiers t JOIN tier_versions v
               ON v.project_id = t.project_id AND v.tier_id = t.tier_id AND v.version = t.current_version
             WHERE t.project_id = ? AND t.tier_id = ?`,
            projectId,
            tierId,
          )
        : this.#get(
            'SELECT * FROM tier_versions WHERE project_id = ? AND tier_id = ? AND version = ?',
            projectId,
            tierId,
            version,
          );
    return row ? rowToTier(row) : null;
  }

  async listTiers(projectId: string): Promise<TierVersionRow[]> {
    return this.#all(
      `SELECT v.* FROM tiers t JOIN tier_versions v
         ON v.project_id = t.project_id AND v.tier_id = t.tier_id AND v.version = t.current_version
       WHERE t.project_id = ? ORDER BY t.tier_id`,
      projectId,
    ).map(rowToTier);
  }

  async getAssignment(
    projectId: string,
    kind: 'customer' | 'agent',
    subjectId: string,
  ): Promise<AssignmentRow | null> {
    const row = this.#get(
      'SELECT * FROM assignments WHERE project_id = ? AND kind = ? AND subject_id = ?',
      projectId,
      kind,
      subjectId,
    );
    return row ? rowToAssignment(row) : null;
  }

  async getAssignments(
    projectId: string,
    kind: 'customer' | 'agent',
    subjectIds: string[],
  ): Promise<AssignmentRow[]> {
    const found: AssignmentRow[] = [];
    for (const subjectId of subjectIds) {
      const row = this.#get(
        'SELECT * FROM assignments WHERE project_id = ? AND kind = ? AND subject_id = ?',
        projectId,
        kind,
        subjectId,
      );
      if (row) found.push(rowToAssignment(row));
    }
    return found;
  }

  async readPricingConfig(
    projectId: string,
    request: { tiers: boolean; customers: string[]; agents: string[] },
  ): Promise<PricingConfigRead> {
    // One read transaction: the version, the tiers and the assignments of one snapshot.
    const read = this.#db.transaction((): PricingConfigRead => {
      const project = this.#get('SELECT config_version FROM projects WHERE project_id = ?', projectId);
      const version = Number(project?.['config_version'] ?? 0);
      const tiers = request.tiers
        ? this.#all(
            `SELECT v.* FROM tiers t JOIN tier_versions v
               ON v.project_id = t.project_id AND v.tier_id = t.tier_id AND v.version = t.current_version
             WHERE t.project_id = ? ORDER BY t.tier_id`,
            projectId,
          ).map(rowToTier)
        : null;
      const assignments: AssignmentRow[] = [];
      for (const [kind, ids] of [
        ['customer', request.customers],
        ['agent', request.agents],
      ] as const) {
        for (const subjectId of ids) {
          const row = this.#get(
            'SELECT * FROM assignments WHERE project_id = ? AND kind = ? AND subject_id = ?',
            projectId,
            kind,
            subjectId,
          );
          if (row) assignments.push(rowToAssignment(row));
        }
      }
      return { version, tiers, assignments };
    });
    return read();
  }

  async putAssignment(projectId: string, row: AssignmentRow): Promise<AssignmentRow> {
    const put = this.#db.transaction(() => {
      this.#run(
        `INSERT INTO assignments (project_id, kind, subject_id, tier_id, name, metadata, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (project_id, kind, subject_id) DO UPDATE SET
           tier_id = excluded.tier_id, name = excluded.name, metadata = excluded.metadata, updated_at = excluded.updated_at`,
        projectId,
        row.kind,
        row.subjectId,
        row.tierId,
        row.name,
        row.metadata,
        row.updatedAt,
      );
      this.#run('UPDATE projects SET config_version = config_version + 1 WHERE project_id = ?', projectId);
    });
    put.immediate();
    return row;
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

  async getEvent(projectId: string, eventId: string): Promise<StoredEvent | null> {
    const row = this.#get('SELECT * FROM events WHERE project_id = ? AND event_id = ?', projectId, eventId);
    return row ? rowToEvent(row) : null;
  }

  async resolveOutcome(projectId: string, input: ResolveInput): Promise<ResolveResult> {
    const resolve = this.#db.transaction((): ResolveResult => {
      const changed = this.#run(
        `UPDATE events SET outcome_state = ?, resolution_amount = ?, resolved_at = ?, resolution_metadata = ?
         WHERE project_id = ? AND event_id = ? AND outcome_state = 'pending' AND expires_at > ?`,
        input.resolution,
        input.amount,
        input.now,
        input.metadata,
        projectId,
        input.eventId,
        input.now,
      ).changes;
      const row = this.#get(
        'SELECT * FROM events WHERE project_id = ? AND event_id = ?',
        projectId,
        input.eventId,
      );
      if (!row) return { status: 'not_found' };
      return changed === 1
        ? { status: 'resolved', event: rowToEvent(row) }
        : { status: 'not_pending', event: rowToEvent(row) };
    });
    return resolve.immediate();
  }

  async usage(
    projectId: string,
    filters: EventFilters,
    groupBy: UsageDimension[],
    now: number,
  ): Promise<UsageRow[]> {
    const { sql, params } = usageSelect('sqlite', projectId, filters, groupBy, now);
    return (await this.#read(sql, params)).map((row) => usageRowFrom(row, groupBy));
  }

  async invoice(projectId: string, customerId: string, from: number, to: number): Promise<InvoiceRow[]> {
    const { sql, params } = invoiceSelect('sqlite', projectId, customerId, from, to);
    return (await this.#read(sql, params)).map(invoiceRowFrom);
  }

  async listEvents(
    projectId: string,
    filters: EventFilters,
    beforeSeq: number | null,
    limit: number,
  ): Promise<StoredEvent[]> {
    const { sql, params } = eventsSelect('sqlite', projectId, filters, { beforeSeq }, limit);
    return (await this.#read(sql, params)).map(rowToEvent);
  }

  async scanEvents(
    projectId: string,
    filters: EventFilters,
    afterSeq: number,
    limit: number,
  ): Promise<StoredEvent[]> {
    const { sql, params } = eventsSelect('sqlite', projectId, filters, { afterSeq }, limit);
    return (await this.#read(sql, params)).map(rowToEvent);
  }
}
