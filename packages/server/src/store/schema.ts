/**
 * The schema, as ordered migrations per dialect. Migration N runs once, in a transaction, and is
 * recorded in schema_migrations; replicas starting together serialize on a lock (PostgreSQL:
 * an advisory lock; SQLite: BEGIN IMMEDIATE).
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

const columns = (money: string, int: string, big: string) => `
  project_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  ts ${big} NOT NULL,
  received_at ${big} NOT NULL,
  agent_id TEXT NOT NULL,
  action TEXT NOT NULL,
  customer_id TEXT,
  model TEXT,
  provider TEXT,
  tokens_input ${int} NOT NULL,
  tokens_output ${int} NOT NULL,
  tokens_cached_input ${int} NOT NULL,
  tokens_cache_write ${int} NOT NULL,
  tokens_reasoning ${int} NOT NULL,
  tier_id TEXT NOT NULL,
  tier_version ${int} NOT NULL,
  currency TEXT NOT NULL,
  base_amount ${money} NOT NULL,
  token_amount ${money} NOT NULL,
  outcome_amount ${money} NOT NULL,
  outcome TEXT,
  outcome_state TEXT NOT NULL,
  pending_bonus ${money} NOT NULL,
  expires_at ${big},
  resolved_at ${big},
  resolution_amount ${money} NOT NULL DEFAULT 0,
  resolution_metadata TEXT,
  metadata TEXT,
  UNIQUE (project_id, event_id)`;

const tables = (big: string, int: string) => `
CREATE TABLE projects (
  project_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at ${big} NOT NULL,
  config_version ${int} NOT NULL DEFAULT 0
);
CREATE TABLE api_keys (
  key_id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (project_id),
  name TEXT,
  scope TEXT NOT NULL CHECK (scope IN ('ingest', 'admin')),
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at ${big} NOT NULL,
  revoked_at ${big}
);
CREATE INDEX api_keys_project ON api_keys (project_id);
CREATE TABLE tier_versions (
  project_id TEXT NOT NULL REFERENCES projects (project_id),
  tier_id TEXT NOT NULL,
  version ${int} NOT NULL,
  definition TEXT NOT NULL,
  created_at ${big} NOT NULL,
  PRIMARY KEY (project_id, tier_id, version)
);
CREATE TABLE tiers (
  project_id TEXT NOT NULL REFERENCES projects (project_id),
  tier_id TEXT NOT NULL,
  current_version ${int} NOT NULL,
  PRIMARY KEY (project_id, tier_id)
);
CREATE TABLE assignments (
  project_id TEXT NOT NULL REFERENCES projects (project_id),
  kind TEXT NOT NULL CHECK (kind IN ('customer', 'agent')),
  subject_id TEXT NOT NULL,
  tier_id TEXT,
  name TEXT,
  metadata TEXT,
  updated_at ${big} NOT NULL,
  PRIMARY KEY (project_id, kind, subject_id)
);`;

const indexes = `
CREATE INDEX events_project_ts ON events (project_id, ts);
CREATE INDEX events_project_customer_ts ON events (project_id, customer_id, ts);
CREATE INDEX events_project_resolved ON events (project_id, resolved_at) WHERE resolved_at IS NOT NULL;`;

// Unique per (project, link, event); read through the indexes of migration 7.
const callLinks = `CREATE TABLE call_links (
  project_id TEXT NOT NULL,
  link_key TEXT NOT NULL,
  event_id TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('meter', 'span')),
  PRIMARY KEY (project_id, link_key, event_id)
);`;

// Both cover what their reads use of call_links (no lookup of the row): SQLite would otherwise prefer
// the primary key's project range for deleting an event's links by key prefix.
const callLinkIndexes = `CREATE INDEX call_links_holders ON call_links (project_id, link_key, source, event_seq, event_id);
CREATE INDEX call_links_event ON call_links (project_id, event_id, link_key);`;

const separateUsage = [
  'tokens_audio_input',
  'tokens_audio_output',
  'tokens_cache_write_1h',
  'web_search_requests',
]
  .map((column) => `ALTER TABLE events ADD COLUMN ${column} INTEGER NOT NULL DEFAULT 0;`)
  .join('\n');

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sqlite: `${tables('INTEGER', 'INTEGER')}
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,${columns('INTEGER', 'INTEGER', 'INTEGER')}
);${indexes}`,
    postgres: `${tables('BIGINT', 'INTEGER')}
CREATE TABLE events (
  seq BIGSERIAL PRIMARY KEY,${columns('BIGINT', 'INTEGER', 'BIGINT')}
);${indexes}`,
  },
  {
    // Choosing an event's tier chooses its price: ingest keys no longer may unless created to.
    version: 2,
    name: 'per-key permission to set an event tier',
    sqlite: 'ALTER TABLE api_keys ADD COLUMN allow_tier_override INTEGER NOT NULL DEFAULT 0;',
    postgres: 'ALTER TABLE api_keys ADD COLUMN allow_tier_override BOOLEAN NOT NULL DEFAULT false;',
  },
  {
    // Facts about the whole server, such as which key secret its API key hashes were made under.
    version: 3,
    name: 'server settings',
    sqlite: 'CREATE TABLE server_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);',
    postgres: 'CREATE TABLE server_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);',
  },
  {
    // One charge per model call across /v1/meter and /v1/traces: each charge's links (the provider's
    // response id, the span of the call) are kept, so a span of a call metered already is not charged,
    // and a meter event arriving after its call's span replaces the span's charge (`superseded_by`),
    // which then leaves every total. The new columns have constant defaults: adding them rewrites no
    // rows (PostgreSQL 11+, SQLite). No index on events changes: superseded events are few, and every
    // read that sums or lists events already reads each row it keeps, where the extra test is free.
    version: 4,
    name: 'call links and superseded charges',
    sqlite: `${callLinks}
ALTER TABLE events ADD COLUMN usage_missing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN superseded_by TEXT;`,
    postgres: `${callLinks}
ALTER TABLE events ADD COLUMN usage_missing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN superseded_by TEXT;`,
  },
  {
    // Usage the providers bill at their own rates is kept apart: audio input and output tokens (parts of
    // the input and output totals), 1-hour cache writes (part of the cache writes) and web searches (a
    // count of requests). Events recorded before hold 0, which prices and sums as they always did. The
    // constant defaults rewrite no rows.
    version: 5,
    name: 'separately billed usage',
    sqlite: separateUsage,
    postgres: separateUsage,
  },
  {
    // Span charges recorded before call links existed hold no links, so a meter event naming such a span
    // after the upgrade was charged on top of it. Their ids say which span they charge
    // (`otel:<trace>:<span>`, lower-case hex, as /v1/traces has always written them), which is all the
    // span link is: each one not replaced already gets it, as /v1/traces gives it today. A span charge
    // recorded since holds the link already (nothing is written twice). Runs once, over every event.
    version: 6,
    name: 'span links of span charges recorded before call links',
    sqlite: `INSERT OR IGNORE INTO call_links (project_id, link_key, event_id, source)
SELECT project_id, 'span:' || substr(event_id, 6, 32) || ':' || substr(event_id, 39, 16), event_id, 'span'
FROM events
WHERE event_id GLOB 'otel:${'[0-9a-f]'.repeat(32)}:${'[0-9a-f]'.repeat(16)}' AND superseded_by IS NULL;`,
    postgres: `INSERT INTO call_links (project_id, link_key, event_id, source)
SELECT project_id, 'span:' || substr(event_id, 6, 32) || ':' || substr(event_id, 39, 16), event_id, 'span'
FROM events
WHERE event_id ~ '^otel:[0-9a-f]{32}:[0-9a-f]{16}$' AND superseded_by IS NULL
ON CONFLICT DO NOTHING;`,
  },
  {
    // A write naming links reads only the few holders of each that its decision can act on, oldest
    // first, where it read every holder: a caller's span is held by every call a wrapper metered under
    // it, a parent's last-resort key by every usage-less span under it, so each write grew with the
    // ledger. Each link row now carries its event's seq (set from the events it names, here for the rows
    // written before), and the holders index serves each read as a range that stops at its limit, with
    // no sort. The event index serves deleting an event's last-resort links (a meter event whose call's
    // span was found), which otherwise scanned the project's links.
    version: 7,
    name: 'call link holders read oldest first, bounded',
    sqlite: `ALTER TABLE call_links ADD COLUMN event_seq INTEGER;
UPDATE call_links SET event_seq = (SELECT e.seq FROM events e
  WHERE e.project_id = call_links.project_id AND e.event_id = call_links.event_id);
${callLinkIndexes}`,
    postgres: `ALTER TABLE call_links ADD COLUMN event_seq BIGINT;
UPDATE call_links l SET event_seq = e.seq FROM events e
  WHERE e.project_id = l.project_id AND e.event_id = l.event_id;
${callLinkIndexes}`,
  },
];
