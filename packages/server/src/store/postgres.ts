import { createHash } from 'node:crypto';
import pg from 'pg';
import { planLinks } from '../call-links.js';
import { SqlStore } from './domain.js';
import {
  driveAsync,
  numbered,
  type Row,
  type Step,
  sqlFor,
  type TransactionMode,
  type Work,
} from './query.js';
import { MIGRATIONS } from './schema.js';
import {
  EVENT_COLUMNS,
  eventParams,
  HOLDERS_POSTGRES,
  holderReads,
  orderHolders,
  rowToAssignment,
  rowToEvent,
  rowToTier,
} from './sql.js';
import type { EventRow, InsertOutcome, PricingConfigRead, StoredEvent } from './types.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  connectionString: string;
  /** A schema to use instead of `public` (created when missing); tests use one per suite. */
  schema?: string;
  /** Pool size. Default 10. */
  maxConnections?: number;
  /**
   * The longest a statement may run or wait for a lock (PostgreSQL `statement_timeout`), in ms; past
   * it the statement fails as a transient store error (a 503). Default: the database's own setting.
   */
  statementTimeoutMs?: number;
  /**
   * Where connection failures outside any query are reported: an idle pooled connection that drops, a
   * connection lost while a transaction holds it. Default: `console.error`.
   */
  onError?: (error: unknown) => void;
  /**
   * The secret API keys are hashed under (AGENTMETER_KEY_SECRET), the same on every replica. Without
   * it keys are stored as plain SHA-256: safe for generated keys, while an operator-chosen admin key
   * must pass `adminKeyWeakness`.
   */
  keySecret?: Uint8Array | undefined;
}

const MIGRATION_LOCK = 7_340_113; // any constant; all replicas take the same advisory lock

// The SQL type of each events column, in EVENT_COLUMNS order, for the unnest() bulk insert.
const COLUMN_TYPES: Record<(typeof EVENT_COLUMNS)[number], string> = {
  project_id: 'text',
  event_id: 'text',
  body_hash: 'text',
  ts: 'bigint',
  received_at: 'bigint',
  agent_id: 'text',
  action: 'text',
  customer_id: 'text',
  model: 'text',
  provider: 'text',
  tokens_input: 'integer',
  tokens_output: 'integer',
  tokens_cached_input: 'integer',
  tokens_cache_write: 'integer',
  tokens_reasoning: 'integer',
  tier_id: 'text',
  tier_version: 'integer',
  currency: 'text',
  base_amount: 'bigint',
  token_amount: 'bigint',
  outcome_amount: 'bigint',
  outcome: 'text',
  outcome_state: 'text',
  pending_bonus: 'bigint',
  expires_at: 'bigint',
  resolved_at: 'bigint',
  resolution_amount: 'bigint',
  resolution_metadata: 'text',
  metadata: 'text',
  usage_missing: 'integer',
  superseded_by: 'text',
  tokens_cache_write_1h: 'integer',
  tokens_audio_input: 'integer',
  tokens_audio_output: 'integer',
  web_search_requests: 'integer',
};

const INSERT_EVENTS = `INSERT INTO events (${EVENT_COLUMNS.join(', ')})
  SELECT * FROM unnest(${EVENT_COLUMNS.map((column, index) => `$${index + 1}::${COLUMN_TYPES[column]}[]`).join(', ')})
  ON CONFLICT (project_id, event_id) DO NOTHING RETURNING event_id`;

/** Spent last-resort (`under:`) links: each matches once. */
const UNLINK = `DELETE FROM call_links WHERE project_id = $1
  AND (link_key, event_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))`;
/** Every last-resort link of some meter events whose call's span was found. */
const UNLINK_UNDER_OF = `DELETE FROM call_links WHERE project_id = $1 AND event_id = ANY($2::text[])
  AND link_key LIKE 'under:%'`;
/** A link row carries its event's seq: holders are read oldest first by it (`HOLDERS_POSTGRES`). */
const INSERT_LINKS = `INSERT INTO call_links (project_id, link_key, event_id, source, event_seq)
  SELECT $1, v.link_key, v.event_id, v.source, e.seq
  FROM unnest($2::text[], $3::text[], $4::text[]) AS v(link_key, event_id, source)
  JOIN events e ON e.project_id = $1 AND e.event_id = v.event_id
  ON CONFLICT (project_id, link_key, event_id) DO NOTHING`;

const SUPERSEDE = `UPDATE events e SET superseded_by = v.superseder
  FROM unnest($2::text[], $3::text[]) AS v(event_id, superseder)
  WHERE e.project_id = $1 AND e.event_id = v.event_id AND e.superseded_by IS NULL`;

/**
 * A write naming more links than this locks buckets of links (exclusively) instead of each link, so
 * one transaction never holds more than 2 × LINK_LOCKS advisory locks: they share PostgreSQL's lock
 * table (`max_locks_per_transaction` × connections, 6,400 by default) with every other lock, and a
 * batch of 1,000 events naming 2,000 links, a few at once, would exhaust it.
 */
const LINK_LOCKS = 64;
/** Buckets per project: a write locks at most this many buckets, whatever it names. */
const LINK_BUCKETS = 64n;

/** A 64-bit advisory lock key for `text` (the first 8 bytes of its SHA-256, signed as PostgreSQL's bigint). */
function lockKey(text: string): bigint {
  return createHash('sha256').update(text).digest().readBigInt64BE(0);
}

/**
 * Serializes the writes naming the same links, across connections and replicas, for the rest of the
 * transaction: each link's key exclusively (with a shared lock on its bucket), or, past `LINK_LOCKS`
 * links, their buckets exclusively. Buckets are always taken before links, each kind in ascending
 * order, so two writes never wait for each other in a cycle.
 */
async function lockLinks(client: pg.PoolClient, projectId: string, links: Iterable<string>): Promise<void> {
  const linkKeys = new Set<bigint>();
  for (const link of links) linkKeys.add(lockKey(`call-link\u0000${projectId}\u0000${link}`));
  const buckets = new Set<bigint>();
  for (const key of linkKeys)
    buckets.add(lockKey(`call-link-bucket\u0000${projectId}\u0000${BigInt.asUintN(64, key) % LINK_BUCKETS}`));
  const ascending = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
  const perLink = linkKeys.size <= LINK_LOCKS;
  const keys = [...[...buckets].sort(ascending), ...(perLink ? [...linkKeys].sort(ascending) : [])];
  const shared = keys.map((_key, index) => perLink && index < buckets.size);
  // One statement, taking the locks in the arrays' order.
  await client.query(
    `SELECT CASE WHEN l.shared THEN pg_advisory_xact_lock_shared(l.key) ELSE pg_advisory_xact_lock(l.key) END
     FROM unnest($1::bigint[], $2::boolean[]) AS l(key, shared)`,
    [keys.map(String), shared],
  );
}

const PRICING_CONFIG = `SELECT p.config_version,
  CASE WHEN $2::boolean THEN (
    SELECT COALESCE(json_agg(v ORDER BY v.tier_id COLLATE "C"), '[]'::json) FROM tiers t JOIN tier_versions v
      ON v.project_id = t.project_id AND v.tier_id = t.tier_id AND v.version = t.current_version
    WHERE t.project_id = p.project_id) END AS tiers,
  (SELECT COALESCE(json_agg(a ORDER BY a.kind DESC, a.subject_id COLLATE "C"), '[]'::json) FROM assignments a
    WHERE a.project_id = p.project_id
      AND ((a.kind = 'customer' AND a.subject_id = ANY($3::text[]))
        OR (a.kind = 'agent' AND a.subject_id = ANY($4::text[])))) AS assignments
  FROM projects p WHERE p.project_id = $1`;

/**
 * The scale-out store: PostgreSQL through a `pg` pool. Any number of stateless server replicas can
 * share it: event ids are unique by constraint, outcomes resolve by conditional update, and
 * configuration changes serialize on the project row.
 */
export class PostgresStore extends SqlStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #schema: string | undefined;
  readonly #onError: (error: unknown) => void;
  readonly keySecret: Uint8Array | undefined;
  #linkHoldersRead = 0;

  constructor(options: PostgresStoreOptions) {
    super();
    const { connectionString, schema, maxConnections = 10 } = options;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new TypeError(
        `Expected \`schema\` to be a lower-case SQL identifier, got ${JSON.stringify(schema)}.`,
      );
    }
    this.#schema = schema;
    this.keySecret = options.keySecret;
    this.#onError = options.onError ?? ((error) => console.error(error));
    this.#pool = new pg.Pool({
      connectionString,
      max: maxConnections,
      // A request waiting for a connection (the pool exhausted, the database unreachable) gives up
      // after 10 s with a 503, instead of waiting for ever while its client times out.
      connectionTimeoutMillis: 10_000,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
      ...(options.statementTimeoutMs !== undefined ? { statement_timeout: options.statementTimeoutMs } : {}),
    });
    // An idle client that loses its connection must not crash the process (the pool replaces it), nor
    // go unnoticed: a database restarting or dropping connections shows in the log.
    this.#pool.on('error', (error) => this.#onError(error));
  }

  /** Stored holders of call links read by the writes naming links so far (each write reads a bounded few). */
  get linkHoldersRead(): number {
    return this.#linkHoldersRead;
  }

  async #query(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.#pool.query(sql, params)).rows as Row[];
  }

  async #execute(client: pg.Pool | pg.PoolClient, step: Step): Promise<unknown> {
    if (step.mode === 'lockProject') {
      // Configuration changes of a project serialize on its row, across replicas.
      await client.query('SELECT 1 FROM projects WHERE project_id = $1 FOR UPDATE', [step.projectId]);
      return undefined;
    }
    const params = step.mode === 'forIds' ? [...step.params, step.ids] : step.params;
    const result = await client.query(numbered(sqlFor('postgres', step.sql)), params);
    if (step.mode === 'forIds' || step.mode === 'all') return result.rows;
    if (step.mode === 'one') return result.rows[0];
    return result.rowCount ?? 0;
  }

  /**
   * The unit of work statement by statement: on any pooled connection, or on one connection in a
   * transaction (a read one is a snapshot: repeatable read).
   */
  protected perform<T>(mode: TransactionMode, work: Work<T>): Promise<T> {
    if (mode === 'none') return driveAsync(work, (step) => this.#execute(this.#pool, step));
    return this.#transaction(
      (client) => driveAsync(work, (step) => this.#execute(client, step)),
      mode === 'read' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY' : 'BEGIN',
    );
  }

  protected readLedger(sql: string, params: unknown[]): Promise<Row[]> {
    return this.#query(sql, params);
  }

  async #transaction<T>(fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const client = await this.#pool.connect();
    // The pool listens for errors on idle clients only. A connection lost while this transaction holds
    // the client is an `error` event on it, which with no listener would crash the process; the
    // failed query rejects as well, so the request still fails (and is reported) on its own.
    const onClientError = (error: Error) => this.#onError(error);
    client.on('error', onClientError);
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.removeListener('error', onClientError);
      // A client that could not even roll back is discarded, not handed to the next request.
      client.release(broken);
    }
  }

  async migrate(): Promise<void> {
    if (this.#schema) await this.#query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`).catch(() => {});
    await this.#transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      const applied = new Set(
        (await client.query('SELECT version FROM schema_migrations')).rows.map((row) => Number(row.version)),
      );
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.postgres);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
          migration.version,
          Date.now(),
        ]);
      }
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** The domain's read as one statement: one snapshot in one round trip, where a transaction would take four. */
  override async readPricingConfig(
    projectId: string,
    request: { tiers: boolean; customers: string[]; agents: string[] },
  ): Promise<PricingConfigRead> {
    // One statement, so one snapshot: the version, the tiers and the assignments read together.
    const [row] = await this.#query(PRICING_CONFIG, [
      projectId,
      request.tiers,
      request.customers,
      request.agents,
    ]);
    return {
      version: Number(row?.['config_version'] ?? 0),
      tiers: request.tiers ? ((row?.['tiers'] ?? []) as Row[]).map(rowToTier) : null,
      assignments: ((row?.['assignments'] ?? []) as Row[]).map(rowToAssignment),
    };
  }

  async insertEvents(projectId: string, rows: EventRow[]): Promise<InsertOutcome[]> {
    if (rows.length === 0) return [];
    if (rows.some((row) => row.links !== undefined && row.links.length > 0))
      return this.#insertLinked(projectId, rows);
    // Column-wise arrays for one unnest() insert: the whole batch is one statement, one transaction.
    const columns: unknown[][] = EVENT_COLUMNS.map(() => []);
    const firstIndex = new Map<string, number>();
    rows.forEach((row, index) => {
      if (firstIndex.has(row.eventId)) return;
      firstIndex.set(row.eventId, index);
      eventParams(projectId, row).forEach((value, column) => {
        (columns[column] as unknown[]).push(value);
      });
    });
    const inserted = new Set(
      (await this.#query(INSERT_EVENTS, columns)).map((row) => String(row['event_id'])),
    );
    const missing = rows.filter(
      (row, index) => !(inserted.has(row.eventId) && firstIndex.get(row.eventId) === index),
    );
    const existing = new Map<string, StoredEvent>();
    if (missing.length > 0) {
      // The insert is committed: from here on a failure must not fail the rows it wrote (a client
      // retrying a batch of server-minted ids would record them twice). Only the rows whose stored
      // original cannot be read are answered as unavailable, each on its own.
      try {
        const found = await this.#query(
          'SELECT * FROM events WHERE project_id = $1 AND event_id = ANY($2::text[])',
          [projectId, [...new Set(missing.map((row) => row.eventId))]],
        );
        for (const row of found) existing.set(String(row['event_id']), rowToEvent(row));
      } catch (error) {
        this.#onError(error);
      }
    }
    return rows.map((row, index): InsertOutcome => {
      if (inserted.has(row.eventId) && firstIndex.get(row.eventId) === index) return { inserted: true };
      return { inserted: false, existing: existing.get(row.eventId) ?? null };
    });
  }

  /**
   * Rows naming their model call, in one transaction: the links locked first (`lockLinks`), then what is
   * stored of the rows' ids and links read, the write decided (`planLinks`) and carried out. A failure
   * anywhere rolls all of it back: nothing was recorded, and the request may be sent again.
   */
  async #insertLinked(projectId: string, rows: EventRow[]): Promise<InsertOutcome[]> {
    return this.#transaction(async (client) => {
      const links = new Set<string>();
      const linkedIds = new Set<string>();
      for (const row of rows) {
        if (row.links === undefined || row.links.length === 0) continue;
        linkedIds.add(row.eventId);
        for (const link of row.links) links.add(link);
      }
      await lockLinks(client, projectId, links);
      const stored = new Set(
        (
          await client.query(
            'SELECT event_id FROM events WHERE project_id = $1 AND event_id = ANY($2::text[])',
            [projectId, [...linkedIds]],
          )
        ).rows.map((row) => String(row.event_id)),
      );
      // Only the holders the decision can act on, in one statement: index ranges that stop at their limits.
      const reads = holderReads(rows);
      const found = (
        await client.query(HOLDERS_POSTGRES, [
          projectId,
          reads.exact,
          reads.under.map((read) => read.linkKey),
          reads.under.map((read) => read.meters),
          reads.under.map((read) => read.spans),
        ])
      ).rows as Row[];
      this.#linkHoldersRead += found.length;
      const plan = planLinks(rows, stored, orderHolders(found));

      const columns: unknown[][] = EVENT_COLUMNS.map(() => []);
      const planned = new Set<string>();
      rows.forEach((row, index) => {
        const decision = plan.decisions[index];
        if (decision?.kind !== 'insert') return;
        planned.add(row.eventId);
        eventParams(projectId, row, decision.supersededBy).forEach((value, column) => {
          (columns[column] as unknown[]).push(value);
        });
      });
      const inserted = new Set(
        planned.size === 0
          ? []
          : (await client.query(INSERT_EVENTS, columns)).rows.map((row) => String(row.event_id)),
      );
      // A row planned but not written took an id another write stored meanwhile (a row without links,
      // which locks nothing): it is answered as that id's original, and its links are not kept.
      const linkRows = plan.links.filter((link) => !planned.has(link.eventId) || inserted.has(link.eventId));
      if (linkRows.length > 0) {
        await client.query(INSERT_LINKS, [
          projectId,
          linkRows.map((link) => link.linkKey),
          linkRows.map((link) => link.eventId),
          linkRows.map((link) => link.source),
        ]);
      }
      if (plan.unlink.length > 0) {
        await client.query(UNLINK, [
          projectId,
          plan.unlink.map((link) => link.linkKey),
          plan.unlink.map((link) => link.eventId),
        ]);
      }
      if (plan.unlinkUnderOf.length > 0) await client.query(UNLINK_UNDER_OF, [projectId, plan.unlinkUnderOf]);
      const supersede = plan.supersede.filter((change) => inserted.has(change.by));
      if (supersede.length > 0) {
        await client.query(SUPERSEDE, [
          projectId,
          supersede.map((change) => change.eventId),
          supersede.map((change) => change.by),
        ]);
      }
      const taken = rows.filter(
        (row, index) =>
          plan.decisions[index]?.kind === 'taken' || (planned.has(row.eventId) && !inserted.has(row.eventId)),
      );
      const originals = new Map<string, StoredEvent>();
      if (taken.length > 0) {
        const found = await client.query(
          'SELECT * FROM events WHERE project_id = $1 AND event_id = ANY($2::text[])',
          [projectId, [...new Set(taken.map((row) => row.eventId))]],
        );
        for (const row of found.rows) originals.set(String(row.event_id), rowToEvent(row));
      }
      return rows.map((row, index): InsertOutcome => {
        const decision = plan.decisions[index];
        if (decision?.kind === 'linked')
          return { inserted: false, status: 'linked', existing: decision.existing };
        if (decision?.kind === 'insert' && inserted.has(row.eventId)) return { inserted: true };
        return { inserted: false, existing: originals.get(row.eventId) ?? null };
      });
    });
  }
}
