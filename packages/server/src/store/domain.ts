import {
  all,
  type BothDialects,
  bothDialects,
  type DialectKind,
  forIds,
  lockProject,
  one,
  type Row,
  run,
  type TransactionMode,
  type Work,
} from './query.js';
import {
  allowsTierOverride,
  byCodePoint,
  eventsSelect,
  invoiceRowFrom,
  invoiceSelect,
  rowToAssignment,
  rowToEvent,
  rowToKey,
  rowToTier,
  usageRowFrom,
  usageSelect,
} from './sql.js';
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
  RevokeResult,
  Store,
  StoredEvent,
  SubjectKind,
  TierVersionRow,
  UsageDimension,
  UsageRow,
} from './types.js';

/*
 * The store's domain, written once for both databases: the rules (the last active admin key stays, a
 * tier publishes a new version only when its definition changed, every configuration change moves the
 * project's `config_version` in its own transaction) and the statements that keep them. Each unit of work
 * is a generator (see query.ts) that a dialect runs in the transaction it asks for.
 */

const PROJECT_VERSION = 'SELECT config_version FROM projects WHERE project_id = ?';
const BUMP_VERSION = 'UPDATE projects SET config_version = config_version + 1 WHERE project_id = ?';
const KEY = 'SELECT * FROM api_keys WHERE project_id = ? AND key_id = ?';
const CURRENT_TIERS = `SELECT v.* FROM tiers t JOIN tier_versions v
  ON v.project_id = t.project_id AND v.tier_id = t.tier_id AND v.version = t.current_version
  WHERE t.project_id = ?`;
const CURRENT_TIER = `${CURRENT_TIERS} AND t.tier_id = ?`;
const LIST_TIERS = bothDialects(
  (dialect) => `${CURRENT_TIERS} ORDER BY ${byCodePoint(dialect, 't.tier_id')}`,
);
/** Newest first; keys created in the same millisecond by id. */
const LIST_KEYS = bothDialects(
  (dialect) =>
    `SELECT * FROM api_keys WHERE project_id = ? ORDER BY created_at DESC, ${byCodePoint(dialect, 'key_id', 'DESC')}`,
);
const ASSIGNMENT = 'SELECT * FROM assignments WHERE project_id = ? AND kind = ? AND subject_id = ?';
/** Assignments among a list of subjects (`forIds`): one lookup per id on SQLite, one statement on PostgreSQL. */
const ASSIGNMENTS: BothDialects = {
  sqlite: ASSIGNMENT,
  postgres: 'SELECT * FROM assignments WHERE project_id = ? AND kind = ? AND subject_id = ANY(?::text[])',
};
const EVENT = 'SELECT * FROM events WHERE project_id = ? AND event_id = ?';

// Keys and authentication.

function* findKeyByHash(keyHash: string): Work<AuthRow | null> {
  const row = yield* one(
    `SELECT k.key_id, k.project_id, k.scope, k.allow_tier_override, k.key_hash, k.revoked_at, p.config_version
     FROM api_keys k JOIN projects p ON p.project_id = k.project_id WHERE k.key_hash = ?`,
    [keyHash],
  );
  if (!row) return null;
  return {
    keyId: String(row['key_id']),
    projectId: String(row['project_id']),
    scope: String(row['scope']) as AuthRow['scope'],
    allowTierOverride: allowsTierOverride(row),
    keyHash: String(row['key_hash']),
    revokedAt: row['revoked_at'] === null ? null : Number(row['revoked_at']),
    configVersion: Number(row['config_version']),
  };
}

function* setKeyTierOverride(projectId: string, keyId: string, allow: boolean): Work<KeyRow | null> {
  yield* run(
    'UPDATE api_keys SET allow_tier_override = ? WHERE project_id = ? AND key_id = ? AND revoked_at IS NULL',
    [allow, projectId, keyId],
  );
  const row = yield* one(KEY, [projectId, keyId]);
  return row ? rowToKey(row) : null;
}

function* insertKey(key: KeyRow): Work<void> {
  yield* run(
    `INSERT INTO api_keys (key_id, project_id, name, scope, allow_tier_override, prefix, key_hash, created_at, revoked_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      key.keyId,
      key.projectId,
      key.name,
      key.scope,
      key.allowTierOverride === true,
      key.prefix,
      key.keyHash,
      key.createdAt,
      key.revokedAt,
    ],
  );
}

/** Run in a write transaction: the count of active admin keys and the revocation see the same keys. */
function* revokeKey(projectId: string, keyId: string, now: number): Work<RevokeResult> {
  yield* lockProject(projectId);
  const row = yield* one(KEY, [projectId, keyId]);
  if (!row) return { status: 'not_found' };
  const key = rowToKey(row);
  if (key.revokedAt !== null) return { status: 'revoked', key };
  if (key.scope === 'admin') {
    const active = yield* one(
      "SELECT COUNT(*) AS n FROM api_keys WHERE project_id = ? AND scope = 'admin' AND revoked_at IS NULL",
      [projectId],
    );
    // A project keeps one active admin key: without it, nobody could administer it any more.
    if (Number(active?.['n'] ?? 0) <= 1) return { status: 'last_admin', key };
  }
  yield* run('UPDATE api_keys SET revoked_at = ? WHERE project_id = ? AND key_id = ?', [
    now,
    projectId,
    keyId,
  ]);
  return { status: 'revoked', key: { ...key, revokedAt: now } };
}

// Server settings.

function* getSetting(name: string): Work<string | null> {
  const row = yield* one('SELECT value FROM server_settings WHERE name = ?', [name]);
  return row ? String(row['value']) : null;
}

function* putSetting(name: string, value: string, onlyIfAbsent: boolean): Work<string> {
  yield* run(
    `INSERT INTO server_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO ${onlyIfAbsent ? 'NOTHING' : 'UPDATE SET value = excluded.value'}`,
    [name, value],
  );
  return (yield* getSetting(name)) ?? value;
}

// Tiers and assignments: every change moves the project's configuration version in its transaction.

/** Run in a write transaction: the current version read and the next one written under one lock. */
function* putTier(
  projectId: string,
  tierId: string,
  definition: string,
  now: number,
): Work<{ row: TierVersionRow; created: boolean }> {
  yield* lockProject(projectId);
  const current = yield* one(CURRENT_TIER, [projectId, tierId]);
  // The same definition again publishes nothing: the tier's current version stays, and so do prices.
  if (current && current['definition'] === definition) return { row: rowToTier(current), created: false };
  const version = current ? Number(current['version']) + 1 : 1;
  yield* run(
    'INSERT INTO tier_versions (project_id, tier_id, version, definition, created_at) VALUES (?, ?, ?, ?, ?)',
    [projectId, tierId, version, definition, now],
  );
  yield* run(
    `INSERT INTO tiers (project_id, tier_id, current_version) VALUES (?, ?, ?)
     ON CONFLICT (project_id, tier_id) DO UPDATE SET current_version = excluded.current_version`,
    [projectId, tierId, version],
  );
  yield* run(BUMP_VERSION, [projectId]);
  return { row: { tierId, version, definition, createdAt: now }, created: true };
}

function* getTier(projectId: string, tierId: string, version?: number): Work<TierVersionRow | null> {
  const row =
    version === undefined
      ? yield* one(CURRENT_TIER, [projectId, tierId])
      : yield* one('SELECT * FROM tier_versions WHERE project_id = ? AND tier_id = ? AND version = ?', [
          projectId,
          tierId,
          version,
        ]);
  return row ? rowToTier(row) : null;
}

function* listTiers(projectId: string): Work<TierVersionRow[]> {
  return (yield* all(LIST_TIERS, [projectId])).map(rowToTier);
}

/** Each assignment found among `subjectIds` once (an id asked for twice is one row), by subject id. */
function* getAssignments(
  projectId: string,
  kind: SubjectKind,
  subjectIds: readonly string[],
): Work<AssignmentRow[]> {
  if (subjectIds.length === 0) return [];
  const rows = yield* forIds(ASSIGNMENTS, [projectId, kind], [...new Set(subjectIds)]);
  return rows
    .map(rowToAssignment)
    .sort((a, b) => (a.subjectId < b.subjectId ? -1 : a.subjectId > b.subjectId ? 1 : 0));
}

/** Run in a write transaction, with the version's move. */
function* putAssignment(projectId: string, row: AssignmentRow): Work<AssignmentRow> {
  yield* lockProject(projectId);
  yield* run(
    `INSERT INTO assignments (project_id, kind, subject_id, tier_id, name, metadata, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (project_id, kind, subject_id) DO UPDATE SET
       tier_id = excluded.tier_id, name = excluded.name, metadata = excluded.metadata, updated_at = excluded.updated_at`,
    [projectId, row.kind, row.subjectId, row.tierId, row.name, row.metadata, row.updatedAt],
  );
  yield* run(BUMP_VERSION, [projectId]);
  return row;
}

function* getConfigVersion(projectId: string): Work<number> {
  return Number((yield* one(PROJECT_VERSION, [projectId]))?.['config_version'] ?? 0);
}

/** Run in a read transaction: the version, the tiers and the assignments of one snapshot. */
function* readPricingConfig(
  projectId: string,
  request: { tiers: boolean; customers: string[]; agents: string[] },
): Work<PricingConfigRead> {
  const version = yield* getConfigVersion(projectId);
  const tiers = request.tiers ? yield* listTiers(projectId) : null;
  const assignments = [
    ...(yield* getAssignments(projectId, 'customer', request.customers)),
    ...(yield* getAssignments(projectId, 'agent', request.agents)),
  ];
  return { version, tiers, assignments };
}

// Outcomes.

/**
 * One conditional update: only a pending, unexpired outcome changes, however many resolutions of it
 * race (across replicas too). What it answers when it did not change is the event as it is now.
 */
function* resolveOutcome(projectId: string, input: ResolveInput): Work<ResolveResult> {
  const updated = yield* one(
    `UPDATE events SET outcome_state = ?, resolution_amount = ?, resolved_at = ?, resolution_metadata = ?
     WHERE project_id = ? AND event_id = ? AND outcome_state = 'pending' AND expires_at > ? RETURNING *`,
    [input.resolution, input.amount, input.now, input.metadata, projectId, input.eventId, input.now],
  );
  if (updated) return { status: 'resolved', event: rowToEvent(updated) };
  const current = yield* one(EVENT, [projectId, input.eventId]);
  return current ? { status: 'not_pending', event: rowToEvent(current) } : { status: 'not_found' };
}

/**
 * The store both dialects are: the domain above, run by the dialect's `perform` (its driver, its
 * transactions, its locks). A dialect adds only what differs: opening and migrating its database, the
 * event insert (bulk and link-locking on PostgreSQL, grouped commits on SQLite), where ledger reads run,
 * and any read it can answer in fewer round trips.
 */
export abstract class SqlStore implements Store {
  abstract readonly kind: DialectKind;
  abstract readonly keySecret: Uint8Array | undefined;
  abstract readonly linkHoldersRead: number;
  abstract migrate(): Promise<void>;
  abstract close(): Promise<void>;
  abstract insertEvents(projectId: string, rows: EventRow[]): Promise<InsertOutcome[]>;

  /** Runs a unit of work to its end: on its own statements, or in one write or read transaction. */
  protected abstract perform<T>(mode: TransactionMode, work: Work<T>): Promise<T>;
  /** A read that may scan much of the ledger, SQL in the dialect's placeholders (built by sql.ts). */
  protected abstract readLedger(sql: string, params: unknown[]): Promise<Row[]>;

  async ping(): Promise<void> {
    await this.perform('none', one('SELECT 1 AS ok', []));
  }

  async countProjects(): Promise<number> {
    const row = await this.perform('none', one('SELECT COUNT(*) AS n FROM projects', []));
    return Number(row?.['n'] ?? 0);
  }

  async createProject(project: { projectId: string; name: string; createdAt: number }): Promise<void> {
    await this.perform(
      'none',
      run('INSERT INTO projects (project_id, name, created_at) VALUES (?, ?, ?)', [
        project.projectId,
        project.name,
        project.createdAt,
      ]),
    );
  }

  findKeyByHash(keyHash: string): Promise<AuthRow | null> {
    return this.perform('none', findKeyByHash(keyHash));
  }

  async rehashKey(keyId: string, fromHash: string, toHash: string): Promise<void> {
    await this.perform(
      'none',
      run('UPDATE api_keys SET key_hash = ? WHERE key_id = ? AND key_hash = ?', [toHash, keyId, fromHash]),
    );
  }

  setKeyTierOverride(projectId: string, keyId: string, allow: boolean): Promise<KeyRow | null> {
    return this.perform('none', setKeyTierOverride(projectId, keyId, allow));
  }

  getSetting(name: string): Promise<string | null> {
    return this.perform('none', getSetting(name));
  }

  putSetting(name: string, value: string, onlyIfAbsent = false): Promise<string> {
    return this.perform('none', putSetting(name, value, onlyIfAbsent));
  }

  insertKey(key: KeyRow): Promise<void> {
    return this.perform('none', insertKey(key));
  }

  async listKeys(projectId: string): Promise<KeyRow[]> {
    const rows = await this.perform('none', all(LIST_KEYS, [projectId]));
    return rows.map(rowToKey);
  }

  revokeKey(projectId: string, keyId: string, now: number): Promise<RevokeResult> {
    return this.perform('write', revokeKey(projectId, keyId, now));
  }

  getConfigVersion(projectId: string): Promise<number> {
    return this.perform('none', getConfigVersion(projectId));
  }

  putTier(
    projectId: string,
    tierId: string,
    definition: string,
    now: number,
  ): Promise<{ row: TierVersionRow; created: boolean }> {
    return this.perform('write', putTier(projectId, tierId, definition, now));
  }

  getTier(projectId: string, tierId: string, version?: number): Promise<TierVersionRow | null> {
    return this.perform('none', getTier(projectId, tierId, version));
  }

  listTiers(projectId: string): Promise<TierVersionRow[]> {
    return this.perform('none', listTiers(projectId));
  }

  async getAssignment(
    projectId: string,
    kind: SubjectKind,
    subjectId: string,
  ): Promise<AssignmentRow | null> {
    const row = await this.perform('none', one(ASSIGNMENT, [projectId, kind, subjectId]));
    return row ? rowToAssignment(row) : null;
  }

  getAssignments(projectId: string, kind: SubjectKind, subjectIds: string[]): Promise<AssignmentRow[]> {
    return this.perform('none', getAssignments(projectId, kind, subjectIds));
  }

  putAssignment(projectId: string, row: AssignmentRow): Promise<AssignmentRow> {
    return this.perform('write', putAssignment(projectId, row));
  }

  readPricingConfig(
    projectId: string,
    request: { tiers: boolean; customers: string[]; agents: string[] },
  ): Promise<PricingConfigRead> {
    return this.perform('read', readPricingConfig(projectId, request));
  }

  async getEvent(projectId: string, eventId: string): Promise<StoredEvent | null> {
    const row = await this.perform('none', one(EVENT, [projectId, eventId]));
    return row ? rowToEvent(row) : null;
  }

  resolveOutcome(projectId: string, input: ResolveInput): Promise<ResolveResult> {
    return this.perform('none', resolveOutcome(projectId, input));
  }

  async usage(
    projectId: string,
    filters: EventFilters,
    groupBy: UsageDimension[],
    now: number,
  ): Promise<UsageRow[]> {
    const { sql, params } = usageSelect(this.kind, projectId, filters, groupBy, now);
    return (await this.readLedger(sql, params)).map((row) => usageRowFrom(row, groupBy));
  }

  async invoice(projectId: string, customerId: string, from: number, to: number): Promise<InvoiceRow[]> {
    const { sql, params } = invoiceSelect(this.kind, projectId, customerId, from, to);
    return (await this.readLedger(sql, params)).map(invoiceRowFrom);
  }

  async listEvents(
    projectId: string,
    filters: EventFilters,
    beforeSeq: number | null,
    limit: number,
  ): Promise<StoredEvent[]> {
    const { sql, params } = eventsSelect(this.kind, projectId, filters, { beforeSeq }, limit);
    return (await this.readLedger(sql, params)).map(rowToEvent);
  }

  async scanEvents(
    projectId: string,
    filters: EventFilters,
    afterSeq: number,
    limit: number,
  ): Promise<StoredEvent[]> {
    const { sql, params } = eventsSelect(this.kind, projectId, filters, { afterSeq }, limit);
    return (await this.readLedger(sql, params)).map(rowToEvent);
  }
}
