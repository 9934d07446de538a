// Requests for every operation of openapi.yaml: valid ones generated from the schemas, and hostile
// ones (mutated bodies, raw non-JSON bodies, hostile path and query values, unknown and repeated
// parameters, odd headers and keys).
import fc from 'fast-check';
import {
  HOSTILE,
  type Mutation,
  mutate,
  mutationArbitrary,
  rawBodyArbitrary,
  serializeBody,
} from './mutations.js';
import { type Overrides, valueArbitrary } from './schema-arbitrary.js';
import { type Operation, operations, type Parameter } from './spec.js';

export interface Pools {
  tiers: string[];
  customers: string[];
  agents: string[];
  eventIds: string[];
  outcomeIds: string[];
  /** Ids of keys the fuzzer may revoke (never the key it sends). */
  keyIds: string[];
}

export type KeyChoice = 'admin' | 'ingest' | 'none' | 'garbage';

export interface FuzzRequest {
  operation: Operation;
  method: string;
  /** Path and query, percent-encoded. */
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  key: KeyChoice;
  /** What was made hostile, for failure reports. */
  hostile: string[];
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Percent-encodes the UTF-8 bytes of `value` (a lone surrogate becomes U+FFFD, as on the wire). */
export function percentEncode(value: string): string {
  if (!LONE_SURROGATE.test(value))
    return encodeURIComponent(value).replace(
      /[!'()*]/g,
      (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const HOSTILE_TEXT = fc.oneof(
  fc.constantFrom(
    '',
    '..',
    '%2F',
    'a/b',
    "' OR '1'='1",
    '1; DROP TABLE events; --',
    '%00',
    '%ZZ',
    '-1',
    '1e3',
    '1.5',
    '99999999999999999999',
    'true',
    'null',
    '[]',
  ),
  HOSTILE['unicode'] as fc.Arbitrary<string>,
  HOSTILE['invalidDate'] as fc.Arbitrary<string>,
  fc.constantFrom(129, 205, 5000, 70_000).map((length) => 'x'.repeat(length)),
  fc.string({ maxLength: 30, unit: 'binary' }),
);

function overrides(pools: Pools, now: number): Overrides {
  const pick = (values: string[]) => fc.constantFrom(...values);
  return {
    agent_id: pick(pools.agents),
    customer_id: pick(pools.customers),
    tier: pick(pools.tiers),
    tiers: fc.array(pick(pools.tiers), { maxLength: 3 }),
    event_id: fc.oneof(pick(pools.eventIds), fc.uuid()),
    outcome_id: pick(pools.outcomeIds),
    action: fc.constantFrom('search', 'book', 'summarize'),
    currency: fc.constantFrom('USD', 'EUR', 'JPY'),
    timestamp: fc.integer({ min: now - 3_600_000, max: now }).map((ms) => new Date(ms).toISOString()),
    expires_at: fc
      .integer({ min: now + 3_600_000, max: now + 30 * 86_400_000 })
      .map((ms) => new Date(ms).toISOString()),
    tokens_input: fc.integer({ min: 0, max: 50_000 }),
    tokens_output: fc.integer({ min: 0, max: 50_000 }),
    tokens_cached_input: fc.integer({ min: 0, max: 100 }),
    tokens_cache_write: fc.integer({ min: 0, max: 100 }),
    tokens_reasoning: fc.integer({ min: 0, max: 100 }),
    tokens_cache_write_1h: fc.integer({ min: 0, max: 100 }),
    tokens_audio_input: fc.integer({ min: 0, max: 100 }),
    tokens_audio_output: fc.integer({ min: 0, max: 100 }),
    web_search_requests: fc.integer({ min: 0, max: 5 }),
  };
}

/**
 * Applies the rules the contract states in words rather than in the schema (so most valid requests
 * are accepted and reach the ledger): `expires_at` only with `outcome: pending`, token subsets within
 * their totals, exactly one of `workload` and `history`.
 */
export function repair(operationId: string, value: any): unknown {
  const event = (item: any) => {
    if (!item || typeof item !== 'object') return;
    if (item.outcome !== 'pending') delete item.expires_at;
    if (item.tokens_cache_write_1h !== undefined)
      item.tokens_cache_write = Math.max(item.tokens_cache_write ?? 0, item.tokens_cache_write_1h);
    if (
      item.tokens_cached_input !== undefined ||
      item.tokens_cache_write !== undefined ||
      item.tokens_audio_input !== undefined
    )
      item.tokens_input = Math.max(
        item.tokens_input ?? 0,
        (item.tokens_cached_input ?? 0) + (item.tokens_cache_write ?? 0) + (item.tokens_audio_input ?? 0),
      );
    if (item.tokens_reasoning !== undefined || item.tokens_audio_output !== undefined)
      item.tokens_output = Math.max(
        item.tokens_output ?? 0,
        item.tokens_reasoning ?? 0,
        item.tokens_audio_output ?? 0,
      );
    // A call seen without usage carries no token counts (nor web searches).
    if (item.usage_missing === true)
      for (const field of Object.keys(item))
        if (field.startsWith('tokens_') || field === 'web_search_requests') delete item[field];
    // A call's span is named by both of its ids, or not at all.
    if (
      item.call &&
      typeof item.call === 'object' &&
      (item.call.trace_id === undefined) !== (item.call.span_id === undefined)
    ) {
      delete item.call.trace_id;
      delete item.call.span_id;
    }
  };
  if (operationId === 'meterEvent') event(value);
  if (operationId === 'meterBatch') for (const item of value?.events ?? []) event(item);
  if (operationId === 'simulate' && value && typeof value === 'object') {
    if (value.workload && value.history) delete value.history;
    if (!value.workload && !value.history) value.workload = { calls: 10 };
  }
  return value;
}

const POOL_OF: Record<string, keyof Pools> = {
  tier_id: 'tiers',
  customer_id: 'customers',
  agent_id: 'agents',
  outcome_id: 'outcomeIds',
  key_id: 'keyIds',
};

function parameterValue(parameter: Parameter, pools: Pools, now: number) {
  const pool = POOL_OF[parameter.name];
  const valid = fc.oneof(
    valueArbitrary(parameter.schema, { now }).map(String),
    ...(pool && pools[pool].length > 0 ? [fc.constantFrom(...pools[pool])] : []),
  );
  return fc.oneof(
    { weight: 4, arbitrary: valid.map((value) => ({ value, hostile: false })) },
    { weight: 1, arbitrary: HOSTILE_TEXT.map((value) => ({ value, hostile: true })) },
  );
}

function operationRequest(operation: Operation, pools: Pools, now: number): fc.Arbitrary<FuzzRequest> {
  const path = fc.tuple(
    ...operation.parameters
      .filter((parameter) => parameter.in === 'path')
      .map((parameter) => parameterValue(parameter, pools, now).map((value) => ({ parameter, ...value }))),
  );
  const query = fc.tuple(
    ...operation.parameters
      .filter((parameter) => parameter.in === 'query')
      .map((parameter) =>
        fc.option(
          parameterValue(parameter, pools, now).map((value) => ({ parameter, ...value })),
          {
            freq: parameter.required ? 8 : 2,
          },
        ),
      ),
  );
  const extraQuery = fc.oneof(
    { weight: 7, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom('unknown', 'limit', 'from', 'customer_id', 'x[]', ''),
        HOSTILE_TEXT,
      ),
    },
  );
  const idempotency = operation.parameters.some((parameter) => parameter.in === 'header')
    ? fc.option(
        fc.oneof(
          { weight: 4, arbitrary: fc.uuid().map((value) => ({ value, hostile: false })) },
          {
            weight: 1,
            arbitrary: HOSTILE_TEXT
              // What a header can carry at all: visible Latin-1 and spaces.
              .filter((text) => /^[\t\x20-\x7e\x80-\xff]*$/.test(text))
              .map((value) => ({ value, hostile: true })),
          },
        ),
        { freq: 3 },
      )
    : fc.constant(null);
  const body: fc.Arbitrary<{ body: string | Uint8Array | undefined; hostile: string[]; eventId?: unknown }> =
    operation.body
      ? fc.oneof(
          {
            weight: 9,
            arbitrary: fc
              .tuple(
                valueArbitrary(operation.body, { now, overrides: overrides(pools, now) }),
                fc.constantFrom(true, true, true, false),
                fc.oneof(fc.constant([]), fc.array(mutationArbitrary, { minLength: 1, maxLength: 2 })),
              )
              .map(([value, repaired, mutations]: [unknown, boolean, readonly Mutation[]]) => {
                const final = mutations.reduce(
                  (out, mutation) => mutate(out, mutation),
                  repaired ? repair(operation.operationId, value) : value,
                );
                return {
                  body: serializeBody(final),
                  hostile: mutations.map((mutation) => `body:${mutation.kind}`),
                  eventId: (final as { event_id?: unknown } | null)?.event_id,
                };
              }),
          },
          { weight: 1, arbitrary: rawBodyArbitrary.map((raw) => ({ body: raw, hostile: ['body:raw'] })) },
        )
      : fc.constant({ body: undefined, hostile: [] });
  const key = fc.constantFrom<KeyChoice>(...Array(17).fill('admin'), 'ingest', 'ingest', 'none', 'garbage');
  const contentType = fc.constantFrom(
    ...Array(10).fill('application/json'),
    'text/plain',
    'application/json; charset=utf-16',
    '',
  );
  return fc
    .record({ path, query, extraQuery, idempotency, body, key, contentType })
    .map(({ path, query, extraQuery, idempotency, body, key, contentType }) => {
      let url = operation.path;
      const hostile = [...body.hostile];
      for (const { parameter, value, hostile: bad } of path) {
        url = url.replace(`{${parameter.name}}`, percentEncode(value));
        if (bad) hostile.push(`path:${parameter.name}`);
      }
      const pairs: string[] = [];
      for (const item of query) {
        if (!item) continue;
        pairs.push(`${item.parameter.name}=${percentEncode(item.value)}`);
        if (item.hostile) hostile.push(`query:${item.parameter.name}`);
      }
      if (extraQuery) {
        pairs.push(`${percentEncode(extraQuery[0])}=${percentEncode(extraQuery[1])}`);
        hostile.push(`query:extra ${extraQuery[0]}`);
      }
      const headers: Record<string, string> = {};
      if (contentType) headers['content-type'] = contentType;
      if (idempotency !== null) {
        // A valid header repeats the body's event_id, as the contract asks.
        const paired =
          !idempotency.hostile && typeof body.eventId === 'string' && /^[\x20-\x7e]+$/.test(body.eventId);
        headers['idempotency-key'] = paired ? (body.eventId as string) : idempotency.value;
        if (idempotency.hostile) hostile.push('header:Idempotency-Key');
      }
      return {
        operation,
        method: operation.method,
        url: pairs.length > 0 ? `${url}?${pairs.join('&')}` : url,
        headers,
        body: body.body,
        key,
        hostile,
      };
    });
}

/** Weights: the metering routes carry the money, so they get most of the requests. */
const WEIGHT: Record<string, number> = {
  meterEvent: 8,
  meterBatch: 6,
  resolveOutcome: 4,
  exportTraces: 2,
  putTier: 3,
  simulate: 2,
};

export function requestArbitrary(pools: Pools, now: number): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    ...operations.map((operation) => ({
      weight: WEIGHT[operation.operationId] ?? 1,
      arbitrary: operationRequest(operation, pools, now),
    })),
  );
}
