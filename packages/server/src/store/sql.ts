import type { LinkHolder } from '../call-links.js';
import type {
  AssignmentRow,
  EventFilters,
  EventRow,
  InvoiceRow,
  KeyRow,
  StoredEvent,
  TierVersionRow,
  UsageDimension,
  UsageRow,
} from './types.js';

type Row = Record<string, unknown>;

/** Column order of `events` inserts, matched by `eventParams`. */
export const EVENT_COLUMNS = [
  'project_id',
  'event_id',
  'body_hash',
  'ts',
  'received_at',
  'agent_id',
  'action',
  'customer_id',
  'model',
  'provider',
  'tokens_input',
  'tokens_output',
  'tokens_cached_input',
  'tokens_cache_write',
  'tokens_reasoning',
  'tier_id',
  'tier_version',
  'currency',
  'base_amount',
  'token_amount',
  'outcome_amount',
  'outcome',
  'outcome_state',
  'pending_bonus',
  'expires_at',
  'resolved_at',
  'resolution_amount',
  'resolution_metadata',
  'metadata',
  'usage_missing',
  'superseded_by',
  'tokens_cache_write_1h',
  'tokens_audio_input',
  'tokens_audio_output',
  'web_search_requests',
] as const;

/** `supersededBy`: set when a later meter row of the same write replaces this span's charge. */
export function eventParams(projectId: string, row: EventRow, supersededBy: string | null = null): unknown[] {
  return [
    projectId,
    row.eventId,
    row.bodyHash,
    row.timestamp,
    row.receivedAt,
    row.agentId,
    row.action,
    row.customerId,
    row.model,
    row.provider,
    row.tokensInput,
    row.tokensOutput,
    row.tokensCachedInput,
    row.tokensCacheWrite,
    row.tokensReasoning,
    row.tierId,
    row.tierVersion,
    row.currency,
    row.baseAmount,
    row.tokenAmount,
    row.outcomeAmount,
    row.outcome,
    row.outcomeState,
    row.pendingBonus,
    row.expiresAt,
    row.resolvedAt,
    row.resolutionAmount,
    row.resolutionMetadata,
    row.metadata,
    row.usageMissing === true ? 1 : 0,
    supersededBy,
    row.tokensCacheWrite1h ?? 0,
    row.tokensAudioInput ?? 0,
    row.tokensAudioOutput ?? 0,
    row.webSearchRequests ?? 0,
  ];
}

const num = (value: unknown): number => Number(value);
const nullableNum = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
const nullableText = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
const money = (value: unknown): bigint => BigInt(value as bigint | string | number);

export function rowToEvent(row: Row): StoredEvent {
  return {
    seq: num(row['seq']),
    eventId: String(row['event_id']),
    bodyHash: String(row['body_hash']),
    timestamp: num(row['ts']),
    receivedAt: num(row['received_at']),
    agentId: String(row['agent_id']),
    action: String(row['action']),
    customerId: nullableText(row['customer_id']),
    model: nullableText(row['model']),
    provider: nullableText(row['provider']),
    tokensInput: num(row['tokens_input']),
    tokensOutput: num(row['tokens_output']),
    tokensCachedInput: num(row['tokens_cached_input']),
    tokensCacheWrite: num(row['tokens_cache_write']),
    tokensReasoning: num(row['tokens_reasoning']),
    tokensCacheWrite1h: num(row['tokens_cache_write_1h'] ?? 0),
    tokensAudioInput: num(row['tokens_audio_input'] ?? 0),
    tokensAudioOutput: num(row['tokens_audio_output'] ?? 0),
    webSearchRequests: num(row['web_search_requests'] ?? 0),
    tierId: String(row['tier_id']),
    tierVersion: num(row['tier_version']),
    currency: String(row['currency']),
    baseAmount: money(row['base_amount']),
    tokenAmount: money(row['token_amount']),
    outcomeAmount: money(row['outcome_amount']),
    outcome: nullableText(row['outcome']) as StoredEvent['outcome'],
    outcomeState: String(row['outcome_state']) as StoredEvent['outcomeState'],
    pendingBonus: money(row['pending_bonus']),
    expiresAt: nullableNum(row['expires_at']),
    resolvedAt: nullableNum(row['resolved_at']),
    resolutionAmount: money(row['resolution_amount']),
    resolutionMetadata: nullableText(row['resolution_metadata']),
    metadata: nullableText(row['metadata']),
    usageMissing: Number(row['usage_missing'] ?? 0) === 1,
    supersededBy: nullableText(row['superseded_by']),
  };
}

/** Only charges that count: a span's charge replaced by the meter event of its call is left out. */
const COUNTED = 'superseded_by IS NULL';

/**
 * What a write naming links reads of their stored holders: not every holder (a caller's span may be held
 * by every wrapped call under it, a parent's `under:` key by every usage-less span under it), only those
 * `planLinks` can act on, each class oldest event first (`event_seq`, the `call_links_holders` index:
 * a range read that stops at its limit, no sort):
 *
 * - an exact key (`id:`, `span:`): its oldest meter holder (a span naming the call is linked to it), every
 *   span charge not replaced (a meter event naming the call replaces them all; more than one holds a key
 *   only when spans of one call were exported under several ids) and its oldest replaced span charge
 *   (the meter event that replaced it charges a span naming the call, when nothing else does);
 * - an `under:` key, for each side only when a row of the other side carries it (the last resort matches
 *   a span row with a meter event, a meter row with a span charge not replaced, one for one): that side's
 *   oldest holders, as many as the write has rows of the other side carrying any `under:` key, plus as
 *   many as the exact keys' holders read (`withExactHolders`). Each row spends at most one holder by the
 *   last resort, and an exact match takes or replaces only holders read by an exact key, so the oldest
 *   holder still standing when a row looks is always among those read.
 */
export interface HolderReads {
  exact: string[];
  under: { linkKey: string; meters: number; spans: number }[];
}

/** `under:` keys: the last-resort links (see call-links.ts). */
const isUnder = (linkKey: string) => linkKey.startsWith('under:');

export function holderReads(rows: readonly EventRow[]): HolderReads {
  const exact = new Set<string>();
  const carriedBy = new Map<string, { meter: boolean; span: boolean }>();
  const rowsWithUnder = { meter: 0, span: 0 };
  for (const row of rows) {
    const source = row.source ?? 'meter';
    let under = false;
    for (const linkKey of row.links ?? []) {
      if (!isUnder(linkKey)) {
        exact.add(linkKey);
        continue;
      }
      under = true;
      let carried = carriedBy.get(linkKey);
      if (!carried) {
        carried = { meter: false, span: false };
        carriedBy.set(linkKey, carried);
      }
      carried[source] = true;
    }
    if (under) rowsWithUnder[source]++;
  }
  return {
    exact: [...exact],
    under: [...carriedBy].map(([linkKey, carried]) => ({
      linkKey,
      meters: carried.span ? rowsWithUnder.span : 0,
      spans: carried.meter ? rowsWithUnder.meter : 0,
    })),
  };
}

/**
 * The `under:` reads once the exact keys' holders are read: each limit grows by the holders of that side
 * an exact match can take (meter events a span is linked to, or that replaced a span charge) or replace
 * (span charges not replaced), which may hold the same `under:` key and are then gone from it.
 */
export function withExactHolders(
  reads: HolderReads,
  exactHolders: readonly LinkHolder[],
): HolderReads['under'] {
  const meters = new Set<string>();
  const spans = new Set<string>();
  for (const holder of exactHolders) {
    if (holder.source === 'meter') meters.add(holder.eventId);
    else if (holder.supersededBy === null) spans.add(holder.eventId);
    else meters.add(holder.supersededBy);
  }
  return reads.under.map((read) => ({
    linkKey: read.linkKey,
    meters: read.meters > 0 ? read.meters + meters.size : 0,
    spans: read.spans > 0 ? read.spans + spans.size : 0,
  }));
}

const HOLDER_COLUMNS = 'l.link_key, l.event_id, l.source, e.superseded_by, l.event_seq';

/**
 * One class of one link's holders, oldest first: `source`, span charges replaced or not (`standing`),
 * at most `limit` (SQLite: -1 for all). Placeholders: project, link, source, standing (1/0), limit.
 */
export const HOLDERS_SQLITE = `SELECT ${HOLDER_COLUMNS} FROM call_links l
  JOIN events e ON e.project_id = l.project_id AND e.event_id = l.event_id
  WHERE l.project_id = ? AND l.link_key = ? AND l.source = ? AND (e.superseded_by IS NULL) = ?
  ORDER BY l.event_seq, l.event_id LIMIT ?`;

const holdersOf = (key: string, source: 'meter' | 'span', standing: boolean, limit: string) =>
  `(SELECT ${HOLDER_COLUMNS} FROM call_links l
    JOIN events e ON e.project_id = l.project_id AND e.event_id = l.event_id
    WHERE l.project_id = $1 AND l.link_key = ${key} AND l.source = '${source}'
      AND e.superseded_by IS ${standing ? '' : 'NOT '}NULL
    ORDER BY l.event_seq, l.event_id${limit})`;

/**
 * Every read of `HolderReads` in one statement (one round trip): $2 the exact keys; $3, $4, $5 the
 * `under:` keys with their limits before `withExactHolders`, which the statement applies itself.
 */
export const HOLDERS_POSTGRES = `WITH exact AS (
  SELECT h.* FROM unnest($2::text[]) AS k(link_key)
  CROSS JOIN LATERAL (
    ${holdersOf('k.link_key', 'meter', true, ' LIMIT 1')}
    UNION ALL ${holdersOf('k.link_key', 'span', true, '')}
    UNION ALL ${holdersOf('k.link_key', 'span', false, ' LIMIT 1')}
  ) h
), grown AS (
  SELECT
    (SELECT count(*) FROM (SELECT event_id FROM exact WHERE source = 'meter'
      UNION SELECT superseded_by FROM exact WHERE superseded_by IS NOT NULL) m) AS meters,
    (SELECT count(DISTINCT event_id) FROM exact WHERE source = 'span' AND superseded_by IS NULL) AS spans
)
SELECT * FROM exact
UNION ALL
SELECT h.* FROM unnest($3::text[], $4::int[], $5::int[]) AS k(link_key, meters, spans)
CROSS JOIN grown g
CROSS JOIN LATERAL (
  ${holdersOf('k.link_key', 'meter', true, ' LIMIT CASE WHEN k.meters > 0 THEN k.meters + g.meters ELSE 0 END')}
  UNION ALL ${holdersOf('k.link_key', 'span', true, ' LIMIT CASE WHEN k.spans > 0 THEN k.spans + g.spans ELSE 0 END')}
) h`;

/** Holders as `planLinks` takes them: each key's oldest first, each (key, event) once. */
export function orderHolders(rows: readonly Row[]): LinkHolder[] {
  const seen = new Set<string>();
  const holders: LinkHolder[] = [];
  const sorted = [...rows].sort((a, b) => Number(a['event_seq']) - Number(b['event_seq']));
  for (const row of sorted) {
    const holder = rowToHolder(row);
    const pair = `${holder.linkKey}\u0000${holder.eventId}`;
    if (seen.has(pair)) continue;
    seen.add(pair);
    holders.push(holder);
  }
  return holders;
}

export function rowToHolder(row: Row): LinkHolder {
  return {
    linkKey: String(row['link_key']),
    eventId: String(row['event_id']),
    source: String(row['source']) as LinkHolder['source'],
    supersededBy: nullableText(row['superseded_by']),
  };
}

/** PostgreSQL answers a boolean, SQLite an integer (a bigint when read with safe integers). */
export const allowsTierOverride = (row: Row): boolean =>
  row['allow_tier_override'] === true || Number(row['allow_tier_override']) === 1;

export function rowToKey(row: Row): KeyRow {
  return {
    keyId: String(row['key_id']),
    projectId: String(row['project_id']),
    name: nullableText(row['name']),
    scope: String(row['scope']) as KeyRow['scope'],
    allowTierOverride: allowsTierOverride(row),
    prefix: String(row['prefix']),
    keyHash: String(row['key_hash']),
    createdAt: num(row['created_at']),
    revokedAt: nullableNum(row['revoked_at']),
  };
}

export function rowToTier(row: Row): TierVersionRow {
  return {
    tierId: String(row['tier_id']),
    version: num(row['version']),
    definition: String(row['definition']),
    createdAt: num(row['created_at']),
  };
}

/**
 * A text column ordered by code point, as SQLite's BINARY collation orders it: PostgreSQL would order it
 * by the database's collation, which in a linguistic one (en_US.UTF-8) puts `a` before `B` and orders
 * punctuation its own way. NULL comes where SQLite puts it, first going up and last going down
 * (PostgreSQL's own order puts it the other way round).
 */
export function byCodePoint(
  dialect: 'sqlite' | 'postgres',
  column: string,
  direction: 'ASC' | 'DESC' = 'ASC',
): string {
  if (dialect === 'sqlite') return direction === 'ASC' ? column : `${column} DESC`;
  return `${column} COLLATE "C" ${direction} NULLS ${direction === 'ASC' ? 'FIRST' : 'LAST'}`;
}

/** Builds SQL with `?` (SQLite) or `$n` (PostgreSQL) placeholders. */
export class Params {
  readonly values: unknown[] = [];
  constructor(readonly dialect: 'sqlite' | 'postgres') {}
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === 'sqlite' ? '?' : `$${this.values.length}`;
  }
}

export function filterSql(
  params: Params,
  projectId: string,
  filters: Omit<EventFilters, 'from' | 'to'>,
): string {
  const clauses = [`project_id = ${params.add(projectId)}`];
  if (filters.customerId !== undefined) clauses.push(`customer_id = ${params.add(filters.customerId)}`);
  if (filters.agentId !== undefined) clauses.push(`agent_id = ${params.add(filters.agentId)}`);
  if (filters.action !== undefined) clauses.push(`action = ${params.add(filters.action)}`);
  return clauses.join(' AND ');
}

/** Money summed in three exact parts, so no 64-bit sum can overflow (SQLite) and both dialects read the same. */
export const splitSumSql = (column: string) =>
  `SUM(${column} / 1000000000000) AS ${column}_hi, SUM((${column} / 1000000) % 1000000) AS ${column}_mid, SUM(${column} % 1000000) AS ${column}_lo`;

export function splitSum(row: Row, column: string): bigint {
  const part = (suffix: string) =>
    BigInt((row[`${column}_${suffix}`] as bigint | string | number | null) ?? 0);
  return part('hi') * 1_000_000_000_000n + part('mid') * 1_000_000n + part('lo');
}

const dayOf = (dialect: 'sqlite' | 'postgres', column: string) =>
  dialect === 'sqlite'
    ? `strftime('%Y-%m-%d', ${column} / 1000, 'unixepoch')`
    : `to_char(to_timestamp(${column} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;

/**
 * Usage as two streams of charges: the events in the window (calls, tokens, base and token
 * amounts, bonuses charged with the event) and the resolutions in the window (bonuses charged
 * later). Each stream counts at its own time, so a bonus lands in the period it was charged.
 */
export function usageSelect(
  dialect: 'sqlite' | 'postgres',
  projectId: string,
  filters: EventFilters,
  groupBy: UsageDimension[],
  now: number,
): { sql: string; params: unknown[] } {
  const params = new Params(dialect);
  // Values are added in the order their placeholders appear in the text (SQLite's `?` is positional).
  const nowA = params.add(now);
  const nowB = params.add(now);
  const eventsWhere = `${filterSql(params, projectId, filters)} AND ts >= ${params.add(filters.from)} AND ts < ${params.add(filters.to)} AND ${COUNTED}`;
  const resolvedWhere = `${filterSql(params, projectId, filters)} AND resolved_at >= ${params.add(filters.from)} AND resolved_at < ${params.add(filters.to)} AND outcome = 'pending' AND ${COUNTED}`;
  const dims = groupBy.map((dimension) => (dimension === 'day' ? 'day' : dimension));
  const sql = `WITH charges AS (
    SELECT customer_id, agent_id, action, ${dayOf(dialect, 'ts')} AS day, currency, 1 AS calls,
      tokens_input, tokens_output, tokens_cached_input, tokens_cache_write, tokens_reasoning,
      tokens_cache_write_1h, tokens_audio_input, tokens_audio_output, web_search_requests,
      CASE WHEN outcome_state = 'pending' AND expires_at > ${nowA} THEN 1 ELSE 0 END AS pending,
      CASE WHEN outcome_state = 'success' THEN 1 ELSE 0 END AS success,
      CASE WHEN outcome_state = 'failure' THEN 1 ELSE 0 END AS failure,
      CASE WHEN outcome_state = 'pending' AND expires_at <= ${nowB} THEN 1 ELSE 0 END AS expired,
      usage_missing, base_amount, token_amount, outcome_amount
    FROM events WHERE ${eventsWhere}
    UNION ALL
    SELECT customer_id, agent_id, action, ${dayOf(dialect, 'resolved_at')}, currency, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, resolution_amount
    FROM events WHERE ${resolvedWhere}
  )
  SELECT ${[...dims, 'currency'].join(', ')}, SUM(calls) AS calls,
    SUM(tokens_input) AS tokens_input, SUM(tokens_output) AS tokens_output, SUM(tokens_cached_input) AS tokens_cached_input,
    SUM(tokens_cache_write) AS tokens_cache_write, SUM(tokens_reasoning) AS tokens_reasoning,
    SUM(tokens_cache_write_1h) AS tokens_cache_write_1h, SUM(tokens_audio_input) AS tokens_audio_input,
    SUM(tokens_audio_output) AS tokens_audio_output, SUM(web_search_requests) AS web_search_requests,
    SUM(pending) AS pending, SUM(success) AS success, SUM(failure) AS failure, SUM(expired) AS expired,
    SUM(usage_missing) AS usage_missing, ${splitSumSql('base_amount')}, ${splitSumSql('token_amount')}, ${splitSumSql('outcome_amount')}
  FROM charges GROUP BY ${[...dims, 'currency'].join(', ')}
  ORDER BY ${[...dims, 'currency'].map((column) => byCodePoint(dialect, column)).join(', ')}`;
  return { sql, params: params.values };
}

/** Invoice lines per tier version and currency: the same two charge streams as usage, for one customer. */
export function invoiceSelect(
  dialect: 'sqlite' | 'postgres',
  projectId: string,
  customerId: string,
  from: number,
  to: number,
): { sql: string; params: unknown[] } {
  const params = new Params(dialect);
  const eventsWhere = `project_id = ${params.add(projectId)} AND customer_id = ${params.add(customerId)} AND ts >= ${params.add(from)} AND ts < ${params.add(to)} AND ${COUNTED}`;
  const resolvedWhere = `project_id = ${params.add(projectId)} AND customer_id = ${params.add(customerId)} AND resolved_at >= ${params.add(from)} AND resolved_at < ${params.add(to)} AND outcome = 'pending' AND ${COUNTED}`;
  const sql = `WITH charges AS (
    SELECT tier_id, tier_version, currency, 1 AS calls, tokens_input + tokens_output AS tokens, web_search_requests,
      CASE WHEN outcome = 'success' THEN 1 ELSE 0 END AS successes, base_amount, token_amount, outcome_amount
    FROM events WHERE ${eventsWhere}
    UNION ALL
    SELECT tier_id, tier_version, currency, 0, 0, 0, CASE WHEN outcome_state = 'success' THEN 1 ELSE 0 END, 0, 0, resolution_amount
    FROM events WHERE ${resolvedWhere}
  )
  SELECT tier_id, tier_version, currency, SUM(calls) AS calls, SUM(tokens) AS tokens,
    SUM(web_search_requests) AS web_search_requests, SUM(successes) AS successes,
    ${splitSumSql('base_amount')}, ${splitSumSql('token_amount')}, ${splitSumSql('outcome_amount')}
  FROM charges GROUP BY tier_id, tier_version, currency
  ORDER BY ${byCodePoint(dialect, 'tier_id')}, tier_version, ${byCodePoint(dialect, 'currency')}`;
  return { sql, params: params.values };
}

export function invoiceRowFrom(row: Row): InvoiceRow {
  return {
    tierId: String(row['tier_id']),
    tierVersion: Number(row['tier_version']),
    currency: String(row['currency']),
    calls: Number(row['calls']),
    tokens: Number(row['tokens']),
    webSearchRequests: Number(row['web_search_requests'] ?? 0),
    successes: Number(row['successes']),
    baseAmount: splitSum(row, 'base_amount'),
    tokenAmount: splitSum(row, 'token_amount'),
    outcomeAmount: splitSum(row, 'outcome_amount'),
  };
}

export function usageRowFrom(row: Row, groupBy: UsageDimension[]): UsageRow {
  const usage: UsageRow = {
    currency: String(row['currency']),
    calls: Number(row['calls']),
    tokensInput: Number(row['tokens_input']),
    tokensOutput: Number(row['tokens_output']),
    tokensCachedInput: Number(row['tokens_cached_input']),
    tokensCacheWrite: Number(row['tokens_cache_write']),
    tokensReasoning: Number(row['tokens_reasoning']),
    tokensCacheWrite1h: Number(row['tokens_cache_write_1h'] ?? 0),
    tokensAudioInput: Number(row['tokens_audio_input'] ?? 0),
    tokensAudioOutput: Number(row['tokens_audio_output'] ?? 0),
    webSearchRequests: Number(row['web_search_requests'] ?? 0),
    pending: Number(row['pending']),
    success: Number(row['success']),
    failure: Number(row['failure']),
    expired: Number(row['expired']),
    usageMissing: Number(row['usage_missing'] ?? 0),
    baseAmount: splitSum(row, 'base_amount'),
    tokenAmount: splitSum(row, 'token_amount'),
    outcomeAmount: splitSum(row, 'outcome_amount'),
  };
  if (groupBy.includes('customer_id')) usage.customerId = nullableText(row['customer_id']);
  if (groupBy.includes('agent_id')) usage.agentId = String(row['agent_id']);
  if (groupBy.includes('action')) usage.action = String(row['action']);
  if (groupBy.includes('day')) usage.day = String(row['day']);
  return usage;
}

/** The ledger page (newest first, seq below `beforeSeq`) or a history scan (oldest first, seq above `afterSeq`). */
export function eventsSelect(
  dialect: 'sqlite' | 'postgres',
  projectId: string,
  filters: EventFilters,
  page: { beforeSeq: number | null } | { afterSeq: number },
  limit: number,
): { sql: string; params: unknown[] } {
  const params = new Params(dialect);
  let where = `${filterSql(params, projectId, filters)} AND ts >= ${params.add(filters.from)} AND ts < ${params.add(filters.to)} AND ${COUNTED}`;
  let order = 'DESC';
  if ('afterSeq' in page) {
    where += ` AND seq > ${params.add(page.afterSeq)}`;
    order = 'ASC';
  } else if (page.beforeSeq !== null) {
    where += ` AND seq < ${params.add(page.beforeSeq)}`;
  }
  return {
    sql: `SELECT * FROM events WHERE ${where} ORDER BY seq ${order} LIMIT ${params.add(limit)}`,
    params: params.values,
  };
}

export function rowToAssignment(row: Row): AssignmentRow {
  return {
    kind: String(row['kind']) as AssignmentRow['kind'],
    subjectId: String(row['subject_id']),
    tierId: row['tier_id'] === null ? null : String(row['tier_id']),
    name: row['name'] === null ? null : String(row['name']),
    metadata: row['metadata'] === null ? null : String(row['metadata']),
    updatedAt: Number(row['updated_at']),
  };
}
