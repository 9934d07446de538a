import * as nodeCrypto from 'node:crypto';
import {
  type CompiledTier,
  PricingError,
  priceEvent,
  type TokenCounts,
  tokenCounts,
} from '@agentmeter/pricing';
import { linkKeys } from './call-links.js';
import type { ConfigCache, PricingConfig } from './config-cache.js';
import { openapi, schemaValidator, toFieldErrors } from './contract.js';
import type { Schemas } from './contract-types.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { ApiError } from './problem.js';
import { problemForError } from './store/errors.js';
import type { EventRow, Store, StoredEvent } from './store/types.js';

export const DAY_MS = 86_400_000;
/** How far back an event's timestamp may be (as Stripe meter events). */
export const MAX_PAST_MS = 35 * DAY_MS;
/** How far ahead an event's timestamp may be (clock skew). */
export const MAX_FUTURE_MS = 5 * 60_000;
export const DEFAULT_EXPIRY_MS = 7 * DAY_MS;
export const MAX_EXPIRY_MS = 90 * DAY_MS;
export const MAX_METADATA_BYTES = 8192;
/** A single component of a single event may charge at most 1,000,000 (in units of 10^-12). */
export const MAX_COMPONENT = 1_000_000n * 1_000_000_000_000n;

/**
 * The count that drives an event's token charge: the one whose share of it is the largest. Every kind
 * of token is charged at its own rate (and web searches by a fee per request), so the field to correct
 * in a charge that is too large is not always `tokens_input`: a million web searches at a fee of 10, or
 * audio output at its own rate, can overflow with few input tokens. Shares are compared exactly; a tie
 * goes to the first field in this order.
 */
function largestTokenShare(tier: CompiledTier, counts: TokenCounts): string {
  const unit = BigInt(tier.tokenUnit);
  // The same split of the counts as the pricing package's token charge, each part times its rate
  // (per token unit; the fee per search is scaled to the same unit).
  const shares: Array<[string, bigint]> = [
    [
      'tokens_input',
      BigInt(counts.input - counts.cachedInput - counts.cacheWrite - counts.audioInput) * tier.tokenRateInput,
    ],
    ['tokens_output', BigInt(counts.output - counts.audioOutput) * tier.tokenRateOutput],
    ['tokens_cached_input', BigInt(counts.cachedInput) * tier.tokenRateCachedInput],
    ['tokens_cache_write', BigInt(counts.cacheWrite - counts.cacheWrite1h) * tier.tokenRateCacheWrite],
    ['tokens_cache_write_1h', BigInt(counts.cacheWrite1h) * tier.tokenRateCacheWrite1h],
    ['tokens_audio_input', BigInt(counts.audioInput) * tier.tokenRateAudioInput],
    ['tokens_audio_output', BigInt(counts.audioOutput) * tier.tokenRateAudioOutput],
    ['web_search_requests', BigInt(counts.webSearchRequests) * tier.webSearchRequestFee * unit],
  ];
  let [field, largest] = shares[0] as [string, bigint];
  for (const [name, share] of shares) {
    if (share > largest) [field, largest] = [name, share];
  }
  return field;
}

/**
 * The field to name when one component of an event's charge is too large: for tokens, the count that
 * drives it; for the outcome bonus, `outcome` (the event asks for the bonus); the base fee is the
 * tier's alone, so no field of the event.
 */
function overflowField(
  component: 'base' | 'tokens' | 'outcome',
  tier: CompiledTier,
  body: EventBody,
): string | null {
  if (component === 'tokens') return `/${largestTokenShare(tier, tokenCounts(body))}`;
  if (component === 'outcome') return '/outcome';
  return null;
}

/** Why one item of a request was refused, as a batch result carries it. */
export type ItemError = Schemas['ItemError'];

export type IngestResult =
  | { status: 'accepted' | 'duplicate'; eventId: string; event: EventRow }
  | { status: 'rejected'; eventId: string | null; error: ItemError }
  /** A span's event not recorded: the call it names is charged already, by the event `existing`. */
  | { status: 'linked'; eventId: string; existing: string };

export interface IngestContext {
  store: Store;
  config: ConfigCache;
  projectId: string;
  configVersion: number;
  now: number;
  /**
   * Events may choose their own `tier` (admin keys, and ingest keys created with
   * `allow_tier_override`). Absent: they may not; an event with `tier` is rejected.
   */
  tierOverride?: boolean;
  /** Where the events come from: `/v1/meter` (the default), or spans received on `/v1/traces`. */
  source?: 'meter' | 'span';
}

type Prepared =
  | { index: number; eventId: string; row: EventRow; body: EventBody }
  | { index: number; result: IngestResult };

const validateEvent = schemaValidator('MeterEvent');

const reject = (
  eventId: string | null,
  code: string,
  field: string | null,
  message: string,
  retryable = false,
): IngestResult => ({
  status: 'rejected',
  eventId,
  error: { code, message, field, retryable },
});

/** JSON with object keys sorted, so the same body always hashes the same whatever its key order. */
export function canonicalJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index++) {
      if (index > 0) out += ',';
      out += canonicalJson(value[index]);
    }
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  let out = '{';
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    if (index > 0) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`;
  }
  return `${out}}`;
}

/** The contract's event fields, sorted: a validated event has no others. */
const EVENT_FIELDS = Object.keys(
  (openapi.components.schemas['MeterEvent'] as { properties: Record<string, unknown> }).properties,
).sort();

/**
 * `canonicalJson` of a validated event, walking the sorted contract fields instead of sorting its
 * keys. `eventId` replaces the body's `event_id` (a string), or drops it (null).
 */
function eventCanonicalJson(body: unknown, eventId?: string | null): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return canonicalJson(eventId === undefined ? body : withEventId(body, eventId));
  let out = '{';
  let count = 0;
  let own = 0;
  for (const field of EVENT_FIELDS) {
    let value = (body as Record<string, unknown>)[field];
    if (value !== undefined) own++;
    if (field === 'event_id' && eventId !== undefined) value = eventId ?? undefined;
    if (value === undefined) continue;
    // Field names are plain identifiers (no escaping); numbers print as JSON does.
    out += `${count === 0 ? '"' : ',"'}${field}":${typeof value === 'number' ? String(value) : canonicalJson(value)}`;
    count++;
  }
  // A field outside the contract cannot pass validation; were one ever there, sort as usual.
  if (own === Object.keys(body).length) return `${out}}`;
  return canonicalJson(eventId === undefined ? body : withEventId(body, eventId));
}

function withEventId(body: unknown, eventId: string | null): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { event_id: _dropped, ...rest } = body as Record<string, unknown>;
  return eventId === null ? rest : { ...rest, event_id: eventId };
}

// One-shot `crypto.hash` (Node >= 20.12) avoids a Hash object per event; older Node 20 lines lack it.
const oneShotHash = (
  nodeCrypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }
).hash;

/**
 * SHA-256 (base64url) of the event's canonical JSON. Events are stored with `eventId` given: the
 * hash then covers the id the event was recorded under, whether it came as `event_id`, as the
 * `Idempotency-Key` header or derived from a batch's key, so a replay matches however it names the
 * id. (Events recorded before hashed the body as sent: without `event_id` when the id came from a
 * header; `null` gives that form, which a replay also accepts.)
 */
export function bodyHash(body: unknown, eventId?: string | null): string {
  const text = eventCanonicalJson(body, eventId);
  return oneShotHash
    ? oneShotHash('sha256', text, 'base64url')
    : nodeCrypto.createHash('sha256').update(text).digest('base64url');
}

function parseTime(value: string): number {
  return Date.parse(value);
}

/** An event as the contract takes it (validated against it before any of this reads it). */
type EventBody = Schemas['MeterEvent'];

const TOKEN_FIELDS = [
  'tokens_input',
  'tokens_output',
  'tokens_cached_input',
  'tokens_cache_write',
  'tokens_reasoning',
  'tokens_cache_write_1h',
  'tokens_audio_input',
  'tokens_audio_output',
  // Not tokens, but usage all the same: a call that reported none ran no search it can be charged for.
  'web_search_requests',
] as const;

/**
 * Validates, prices and records events. Never all-or-nothing: each event gets its own result.
 * The event id is claimed and the event written in one insert (one transaction per batch), so a
 * failed write never leaves an id claimed; an id seen before returns the stored original.
 */
export async function ingestEvents(
  context: IngestContext,
  events: readonly unknown[],
  idFor: (index: number, body: EventBody) => string,
): Promise<IngestResult[]> {
  const { projectId, configVersion } = context;
  // Only the customers and agents of valid events are looked up: an id the contract refuses (a NUL,
  // 10,000 characters) never reaches the database.
  const valid = events.map((event) => validateEvent(event));
  const customers = new Set<string>();
  const agents = new Set<string>();
  for (const [index, event] of events.entries()) {
    if (!valid[index]) continue;
    const { customer_id, agent_id } = event as EventBody;
    if (customer_id !== undefined) customers.add(customer_id);
    agents.add(agent_id);
  }
  // One configuration for the whole request, kept to the end whatever changes meanwhile.
  const pricing = await context.config.resolve(projectId, configVersion, customers, agents);

  const prepared: Prepared[] = events.map((event, index) =>
    prepare(context, pricing, event, index, idFor, valid[index] === true),
  );

  // The same id twice in one request: the first is written, the rest compare against it.
  const firstById = new Map<string, { hash: string; index: number }>();
  const rows: EventRow[] = [];
  const rowIndexes: number[] = [];
  const rowBodies: EventBody[] = [];
  const results: IngestResult[] = new Array(events.length);
  const sameAs = new Map<number, number>();
  for (const item of prepared) {
    if ('result' in item) {
      results[item.index] = item.result;
      continue;
    }
    const first = firstById.get(item.eventId);
    if (first) {
      if (first.hash === item.row.bodyHash) sameAs.set(item.index, first.index);
      else results[item.index] = reusedKey(item.eventId);
      continue;
    }
    firstById.set(item.eventId, { hash: item.row.bodyHash, index: item.index });
    rows.push(item.row);
    rowIndexes.push(item.index);
    rowBodies.push(item.body);
  }

  if (rows.length > 0) {
    let outcomes: Awaited<ReturnType<Store['insertEvents']>>;
    try {
      outcomes = await context.store.insertEvents(projectId, rows);
    } catch (cause) {
      // The write rolled back. A busy, full or unreachable database is worth a retry (503); a fault
      // of ours (a missing column, a constraint bug) is not (500). The app reports the cause.
      throw problemForError(cause, {
        transient: 'The event store did not accept the write; nothing was recorded. Retry.',
        permanent: 'The event store refused the write; nothing was recorded. The error has been logged.',
      });
    }
    outcomes.forEach((outcome, position) => {
      const row = rows[position] as EventRow;
      const index = rowIndexes[position] as number;
      if (outcome.inserted) results[index] = { status: 'accepted', eventId: row.eventId, event: row };
      else if ('status' in outcome)
        results[index] = { status: 'linked', eventId: row.eventId, existing: outcome.existing };
      else if (outcome.existing === null)
        results[index] = reject(
          row.eventId,
          'store_unavailable',
          null,
          'This event id is already recorded, but the store could not read it back just now; retry this event.',
          true,
        );
      else results[index] = replayOf(outcome.existing, row, rowBodies[position] as EventBody);
    });
  }
  for (const [index, firstIndex] of sameAs) {
    const first = results[firstIndex] as IngestResult;
    results[index] =
      first.status === 'rejected' || first.status === 'linked' ? first : { ...first, status: 'duplicate' };
  }
  return results;
}

function reusedKey(eventId: string): IngestResult {
  return reject(
    eventId,
    'idempotency_key_reused',
    '/event_id',
    `The event id "${eventId}" was already used for a different event; a changed event needs a new id.`,
  );
}

function replayOf(existing: StoredEvent, attempted: EventRow, body: EventBody): IngestResult {
  // Rows stored before the hash covered the id lack it when the id came from a header.
  if (existing.bodyHash !== attempted.bodyHash && existing.bodyHash !== bodyHash(body, null))
    return reusedKey(existing.eventId);
  return { status: 'duplicate', eventId: existing.eventId, event: existing };
}

function prepare(
  context: IngestContext,
  pricing: PricingConfig,
  event: unknown,
  index: number,
  idFor: (index: number, body: EventBody) => string,
  valid: boolean,
): Prepared {
  const readableId =
    event && typeof event === 'object' && typeof (event as Record<string, unknown>)['event_id'] === 'string'
      ? ((event as Record<string, unknown>)['event_id'] as string)
      : null;
  if (!valid) {
    validateEvent(event); // again, for this event's errors
    const [first, ...rest] = toFieldErrors(validateEvent.errors);
    const message = [first, ...rest].map((error) => `${error?.field} ${error?.message}`).join('; ');
    return { index, result: reject(readableId, 'validation_error', first?.field ?? null, message) };
  }
  const body = event as EventBody;
  let eventId: string;
  try {
    eventId = idFor(index, body);
  } catch (error) {
    if (error instanceof ApiError)
      return {
        index,
        result: reject(readableId, error.code, error.errors?.[0]?.field ?? null, error.message),
      };
    throw error;
  }
  const fail = (code: string, field: string | null, message: string): Prepared => ({
    index,
    result: reject(eventId, code, field, message),
  });

  // The tier decides the price: a key that may only report usage must not pick the cheapest tier.
  if (body.tier !== undefined && context.tierOverride !== true) {
    return fail(
      'tier_override_forbidden',
      '/tier',
      "This API key may not choose the tier of an event: send it without `tier` (the customer's, the agent's or the default tier applies), or use an admin key or an ingest key created with `allow_tier_override: true`.",
    );
  }

  // PostgreSQL text cannot hold U+0000 (SQLite can): refused on both, so both stores agree.
  for (const field of ['model', 'provider'] as const) {
    if (body[field]?.includes('\u0000'))
      return fail(
        'validation_error',
        `/${field}`,
        `\`${field}\` must not contain the NUL character (U+0000).`,
      );
  }
  // A span is named by its trace id and its span id (or, for a layer that cannot see the call's own
  // span, the span the call started under): one alone names no span.
  if (body.call?.span_id !== undefined && body.call.trace_id === undefined)
    return fail('validation_error', '/call/trace_id', '`call.trace_id` is required with `call.span_id`.');
  if (body.call?.parent_span_id !== undefined && body.call.trace_id === undefined)
    return fail(
      'validation_error',
      '/call/trace_id',
      '`call.trace_id` is required with `call.parent_span_id`.',
    );
  if (
    body.call?.trace_id !== undefined &&
    body.call.span_id === undefined &&
    body.call.parent_span_id === undefined
  )
    return fail(
      'validation_error',
      '/call/span_id',
      '`call.span_id` (or `call.parent_span_id`) is required with `call.trace_id`.',
    );
  if (body.usage_missing === true) {
    for (const field of TOKEN_FIELDS) {
      if ((body[field] ?? 0) > 0)
        return fail(
          'validation_error',
          `/${field}`,
          `\`${field}\` must be 0 or absent when \`usage_missing\` is true (the call reported no token counts).`,
        );
    }
  }
  const timestamp = body.timestamp === undefined ? context.now : parseTime(body.timestamp);
  if (timestamp < context.now - MAX_PAST_MS) {
    return fail('timestamp_too_old', '/timestamp', 'The timestamp is more than 35 days in the past.');
  }
  if (timestamp > context.now + MAX_FUTURE_MS) {
    return fail('timestamp_in_future', '/timestamp', 'The timestamp is more than 5 minutes in the future.');
  }
  let expiresAt: number | null = null;
  if (body.expires_at !== undefined && body.outcome !== 'pending') {
    return fail(
      'expires_at_requires_pending',
      '/expires_at',
      '`expires_at` applies only to `outcome: "pending"`.',
    );
  }
  if (body.outcome === 'pending') {
    expiresAt = body.expires_at === undefined ? timestamp + DEFAULT_EXPIRY_MS : parseTime(body.expires_at);
    if (expiresAt <= timestamp)
      return fail('invalid_expires_at', '/expires_at', '`expires_at` must be after the event timestamp.');
    if (expiresAt > timestamp + MAX_EXPIRY_MS) {
      return fail(
        'invalid_expires_at',
        '/expires_at',
        '`expires_at` may be at most 90 days after the event timestamp.',
      );
    }
  }
  if (body.metadata !== undefined && nestsDeeperThan(body.metadata)) {
    return fail('validation_error', '/metadata', `\`metadata\` nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  const metadata = body.metadata === undefined ? null : JSON.stringify(body.metadata);
  if (metadata !== null && Buffer.byteLength(metadata) > MAX_METADATA_BYTES) {
    return fail(
      'metadata_too_large',
      '/metadata',
      `\`metadata\` is over ${MAX_METADATA_BYTES} bytes as JSON.`,
    );
  }

  const tierId =
    body.tier ??
    (body.customer_id === undefined ? null : pricing.assigned('customer', body.customer_id)) ??
    pricing.assigned('agent', body.agent_id) ??
    'default';
  const resolved = pricing.tiers.get(tierId);
  if (!resolved) {
    return body.tier !== undefined
      ? fail('unknown_tier', '/tier', `There is no tier "${body.tier}" in this project.`)
      : fail(
          'no_tier',
          null,
          'No tier applies to this event and the project has no "default" tier. Create one with PUT /v1/tiers/default.',
        );
  }

  let price: ReturnType<typeof priceEvent>;
  try {
    price = priceEvent(resolved.tier, body);
  } catch (error) {
    if (PricingError.isInstance(error)) return fail(error.code, `/${error.field}`, error.message);
    throw error;
  }
  for (const [component, amount] of [
    ['base', price.base],
    ['tokens', price.tokens],
    ['outcome', price.outcome + price.pendingBonus],
  ] as const) {
    if (amount > MAX_COMPONENT) {
      return fail(
        'charge_too_large',
        overflowField(component, resolved.tier, body),
        `The ${component} charge of one event may be at most 1000000.`,
      );
    }
  }

  return {
    index,
    eventId,
    body,
    row: {
      eventId,
      bodyHash: bodyHash(body, eventId),
      timestamp,
      receivedAt: context.now,
      agentId: body.agent_id,
      action: body.action,
      customerId: body.customer_id ?? null,
      model: body.model ?? null,
      provider: body.provider ?? null,
      tokensInput: body.tokens_input ?? 0,
      tokensOutput: body.tokens_output ?? 0,
      tokensCachedInput: body.tokens_cached_input ?? 0,
      tokensCacheWrite: body.tokens_cache_write ?? 0,
      tokensReasoning: body.tokens_reasoning ?? 0,
      tokensCacheWrite1h: body.tokens_cache_write_1h ?? 0,
      tokensAudioInput: body.tokens_audio_input ?? 0,
      tokensAudioOutput: body.tokens_audio_output ?? 0,
      webSearchRequests: body.web_search_requests ?? 0,
      tierId: resolved.tierId,
      tierVersion: resolved.version,
      currency: resolved.tier.currency,
      baseAmount: price.base,
      tokenAmount: price.tokens,
      outcomeAmount: price.outcome,
      outcome: body.outcome ?? null,
      outcomeState: body.outcome ?? 'none',
      pendingBonus: price.pendingBonus,
      expiresAt,
      resolvedAt: null,
      resolutionAmount: 0n,
      resolutionMetadata: null,
      metadata,
      usageMissing: body.usage_missing === true,
      links: linkKeys(body.call, {
        source: context.source ?? 'meter',
        provider: body.provider,
        tokensInput: body.tokens_input ?? 0,
        tokensOutput: body.tokens_output ?? 0,
        usageMissing: body.usage_missing === true,
      }),
      source: context.source ?? 'meter',
    },
  };
}

/** A fresh id for an event that came with none and no idempotency key (it cannot be deduplicated). */
export const mintEventId = () => `srv_${nodeCrypto.randomUUID()}`;
