/**
 * The storage seam: one interface, two implementations (SQLite embedded, PostgreSQL for
 * scale-out), one test suite. Every invariant that must hold across replicas — one charge per
 * event id, one charge per resolved outcome — is enforced here by the database (a unique key,
 * a conditional update), never by application memory.
 *
 * Where things are: the domain, both dialects' (domain.ts), run through a small query layer
 * (query.ts); the statements and row mappings they share (sql.ts); each dialect's own part — opening,
 * migrating, transactions and locks, the event insert, where ledger reads run — in sqlite.ts and
 * postgres.ts; the schema per dialect (schema.ts).
 *
 * Times are epoch milliseconds. Money is bigint units of 10^-12 (see @agentmeter/pricing).
 */

export type Scope = 'ingest' | 'admin';
export type OutcomeState = 'none' | 'pending' | 'success' | 'failure';

export interface KeyRow {
  keyId: string;
  projectId: string;
  name: string | null;
  scope: Scope;
  /**
   * An ingest key that may choose an event's tier (`tier` on an event). Admin keys always may.
   * Absent: false.
   */
  allowTierOverride?: boolean;
  prefix: string;
  keyHash: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface AuthRow {
  keyId: string;
  projectId: string;
  scope: Scope;
  /** The key may set `tier` on events (see KeyRow). */
  allowTierOverride: boolean;
  keyHash: string;
  revokedAt: number | null;
  configVersion: number;
}

/** What revoking a key did: revoked it (or found it revoked), found no such key, or kept the last admin key. */
export interface RevokeResult {
  status: 'revoked' | 'not_found' | 'last_admin';
  key?: KeyRow;
}

export interface TierVersionRow {
  tierId: string;
  version: number;
  /** The canonical tier JSON (TierJson of @agentmeter/pricing). */
  definition: string;
  createdAt: number;
}

/** Who an assignment gives a tier to. */
export type SubjectKind = 'customer' | 'agent';

export interface AssignmentRow {
  kind: SubjectKind;
  subjectId: string;
  tierId: string | null;
  name: string | null;
  metadata: string | null;
  updatedAt: number;
}

/** The pricing configuration of a project at one `config_version`. */
export interface PricingConfigRead {
  version: number;
  /** Null when not asked for. */
  tiers: TierVersionRow[] | null;
  /** Only those found: a customer or agent without a row has no assignment. */
  assignments: AssignmentRow[];
}

export interface EventRow {
  eventId: string;
  bodyHash: string;
  timestamp: number;
  receivedAt: number;
  agentId: string;
  action: string;
  customerId: string | null;
  model: string | null;
  provider: string | null;
  tokensInput: number;
  tokensOutput: number;
  tokensCachedInput: number;
  tokensCacheWrite: number;
  tokensReasoning: number;
  /** Part of `tokensCacheWrite`: the writes kept for an hour. Absent: 0. */
  tokensCacheWrite1h?: number;
  /** Part of `tokensInput`, apart from the cache reads and writes: uncached audio. Absent: 0. */
  tokensAudioInput?: number;
  /** Part of `tokensOutput`. Absent: 0. */
  tokensAudioOutput?: number;
  /** Web searches the provider ran for the call (requests, not tokens). Absent: 0. */
  webSearchRequests?: number;
  tierId: string;
  tierVersion: number;
  currency: string;
  baseAmount: bigint;
  tokenAmount: bigint;
  /** The outcome bonus charged with the event (`outcome: success`). */
  outcomeAmount: bigint;
  /** The outcome as sent: null (none), pending, success or failure. */
  outcome: 'pending' | 'success' | 'failure' | null;
  /** The outcome now: none, pending, success or failure (expiry is derived from expiresAt). */
  outcomeState: OutcomeState;
  /** The bonus a success resolution charges (pending outcomes). */
  pendingBonus: bigint;
  expiresAt: number | null;
  resolvedAt: number | null;
  /** What the resolution charged. */
  resolutionAmount: bigint;
  resolutionMetadata: string | null;
  metadata: string | null;
  /** The call was seen but reported no token counts: priced by the base fee alone. Absent: false. */
  usageMissing?: boolean;
  /**
   * The links naming the model call this event charges (`id:<response id>`, `span:<trace>:<span>`;
   * see call-links.ts). Written only with the event; never read back.
   */
  links?: readonly string[];
  /** Where the event came from: `/v1/meter` (the default) or a span on `/v1/traces`. */
  source?: 'meter' | 'span';
}

export type StoredEvent = EventRow & {
  seq: number;
  usageMissing: boolean;
  tokensCacheWrite1h: number;
  tokensAudioInput: number;
  tokensAudioOutput: number;
  webSearchRequests: number;
  /**
   * The meter event that charges this span's call instead (a meter event naming the same call arrived
   * after it): the event stays in the ledger but leaves every total. Null: it counts.
   */
  supersededBy: string | null;
};

/**
 * What became of one row of `insertEvents`: written; or its id was taken, with the stored original;
 * or its id was taken and the original could not be read back (`existing: null`: the store failed
 * after the request's other rows were committed, so the request cannot fail as a whole); or (a span
 * row only) not written because the call it names is charged already, by the event `existing`.
 */
export type InsertOutcome =
  | { inserted: true }
  | { inserted: false; existing: StoredEvent }
  | { inserted: false; existing: null }
  | { inserted: false; status: 'linked'; existing: string };

export interface ResolveInput {
  eventId: string;
  resolution: 'success' | 'failure';
  /** What the resolution charges, computed by @agentmeter/pricing from the stored pending bonus. */
  amount: bigint;
  now: number;
  metadata: string | null;
}

export type ResolveResult =
  | { status: 'resolved'; event: StoredEvent }
  | { status: 'not_found' }
  | { status: 'not_pending'; event: StoredEvent };

export interface EventFilters {
  customerId?: string | undefined;
  agentId?: string | undefined;
  action?: string | undefined;
  from: number;
  to: number;
}

export type UsageDimension = 'customer_id' | 'agent_id' | 'action' | 'day';

/** One aggregated row of usage; amounts exact. */
export interface UsageRow {
  customerId?: string | null;
  agentId?: string;
  action?: string;
  day?: string;
  currency: string;
  calls: number;
  tokensInput: number;
  tokensOutput: number;
  tokensCachedInput: number;
  tokensCacheWrite: number;
  tokensReasoning: number;
  tokensCacheWrite1h: number;
  tokensAudioInput: number;
  tokensAudioOutput: number;
  webSearchRequests: number;
  pending: number;
  success: number;
  failure: number;
  expired: number;
  /** Charged events marked `usageMissing` (counted in `calls` too). */
  usageMissing: number;
  baseAmount: bigint;
  tokenAmount: bigint;
  outcomeAmount: bigint;
}

export interface InvoiceRow {
  tierId: string;
  tierVersion: number;
  currency: string;
  calls: number;
  tokens: number;
  /** Web searches, whose fees are in `tokenAmount`. */
  webSearchRequests: number;
  successes: number;
  baseAmount: bigint;
  tokenAmount: bigint;
  outcomeAmount: bigint;
}

/*
 * The store, split by concern: each part is what one kind of caller needs, so a route or a service
 * depends on the part it uses (a test double implements that part alone). `Store` is all of them.
 */

/** Opening, upgrading and closing the database. */
export interface StoreLifecycle {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema. Safe to run from several replicas at once. */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Projects, and the server-wide settings beside them. */
export interface ProjectStore {
  countProjects(): Promise<number>;
  createProject(project: { projectId: string; name: string; createdAt: number }): Promise<void>;
  /** A server-wide setting, or null. */
  getSetting(name: string): Promise<string | null>;
  /** Sets a server-wide setting; with `onlyIfAbsent`, only when it has none yet. Returns the value now stored. */
  putSetting(name: string, value: string, onlyIfAbsent?: boolean): Promise<string>;
}

/** API keys: authentication, and managing a project's keys. */
export interface KeyStore {
  /**
   * The secret API keys are hashed under (HMAC), kept outside the database: a file beside an SQLite
   * database, `keySecret` (AGENTMETER_KEY_SECRET) for PostgreSQL. Undefined: plain SHA-256.
   */
  readonly keySecret: Uint8Array | undefined;
  findKeyByHash(keyHash: string): Promise<AuthRow | null>;
  /** Replaces a key's stored hash (a plain SHA-256 upgraded to the keyed hash), if it is still `fromHash`. */
  rehashKey(keyId: string, fromHash: string, toHash: string): Promise<void>;
  /** Sets whether an ingest key may choose its events' tier; the key as it is now, or null when unknown. */
  setKeyTierOverride(projectId: string, keyId: string, allow: boolean): Promise<KeyRow | null>;
  insertKey(key: KeyRow): Promise<void>;
  listKeys(projectId: string): Promise<KeyRow[]>;
  /** Revokes a key unless it is the last active admin key (then `last_admin`). */
  revokeKey(projectId: string, keyId: string, now: number): Promise<RevokeResult>;
}

/** Tiers, their versions, and the customers' and agents' tier assignments: a project's pricing configuration. */
export interface PricingStore {
  getConfigVersion(projectId: string): Promise<number>;
  /** Publishes a tier version unless the definition equals the current one. */
  putTier(
    projectId: string,
    tierId: string,
    definition: string,
    now: number,
  ): Promise<{ row: TierVersionRow; created: boolean }>;
  getTier(projectId: string, tierId: string, version?: number): Promise<TierVersionRow | null>;
  listTiers(projectId: string): Promise<TierVersionRow[]>;
  getAssignment(projectId: string, kind: SubjectKind, subjectId: string): Promise<AssignmentRow | null>;
  /** The assignments among `subjectIds`, each once, by subject id. */
  getAssignments(projectId: string, kind: SubjectKind, subjectIds: string[]): Promise<AssignmentRow[]>;
  putAssignment(projectId: string, row: AssignmentRow): Promise<AssignmentRow>;
  /**
   * What pricing needs, read as of one moment (one snapshot, one statement on PostgreSQL): the
   * project's `config_version`, the current version of every tier (when `tiers`), and the
   * assignments among these customers and agents, each once (customers, then agents, each by subject
   * id). Every configuration change moves the version in the same transaction, so the rows returned
   * are exactly those of `version`.
   */
  readPricingConfig(
    projectId: string,
    request: { tiers: boolean; customers: string[]; agents: string[] },
  ): Promise<PricingConfigRead>;
}

/** Writing events (`/v1/meter`, spans on `/v1/traces`), with the call links that charge each call once. */
export interface IngestStore {
  /**
   * Inserts events in one transaction. `(project, event_id)` is unique: an id already stored is
   * not written again, and its stored row is returned instead. Results are in input order.
   *
   * Rows with `links` are one charge per call (see call-links.ts `planLinks`), row after row: a new
   * meter row is written with its links and replaces (`supersededBy`) every span charge holding one of
   * them; a span row whose links an event holds already is not written (`status: 'linked'`).
   */
  insertEvents(projectId: string, rows: EventRow[]): Promise<InsertOutcome[]>;
  /**
   * Stored holders of call links read by the writes naming links, since the store opened. A write reads
   * a few per link it names (see sql.ts `holderReads`), not every event holding it.
   */
  readonly linkHoldersRead: number;
}

/** One event by id. */
export interface EventLookup {
  /** One event, superseded or not. */
  getEvent(projectId: string, eventId: string): Promise<StoredEvent | null>;
}

/** Pending outcomes and their resolution. */
export interface OutcomeStore extends EventLookup {
  /** Resolves a pending outcome with one conditional update: only a pending, unexpired outcome changes. */
  resolveOutcome(projectId: string, input: ResolveInput): Promise<ResolveResult>;
}

/** The ledger read: usage, invoices, the event list and the history scan repricing pages through. */
export interface LedgerReadStore extends EventLookup {
  usage(
    projectId: string,
    filters: EventFilters,
    groupBy: UsageDimension[],
    now: number,
  ): Promise<UsageRow[]>;
  invoice(projectId: string, customerId: string, from: number, to: number): Promise<InvoiceRow[]>;
  /**
   * The ledger, newest first: events with seq below `beforeSeq`. Superseded events are left out of it,
   * as they are of `usage`, `invoice` and `scanEvents`: only `getEvent` reads them.
   */
  listEvents(
    projectId: string,
    filters: EventFilters,
    beforeSeq: number | null,
    limit: number,
  ): Promise<StoredEvent[]>;
  /** Events oldest first with seq above `afterSeq` (for repricing history page by page). */
  scanEvents(
    projectId: string,
    filters: EventFilters,
    afterSeq: number,
    limit: number,
  ): Promise<StoredEvent[]>;
}

export interface Store
  extends StoreLifecycle,
    ProjectStore,
    KeyStore,
    PricingStore,
    IngestStore,
    OutcomeStore,
    LedgerReadStore {}
