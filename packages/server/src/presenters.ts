import { formatMoney, moneyToNumber, type TierJson } from '@agentmeter/pricing';
import type { Schemas } from './contract-types.js';
import type { EventRow, KeyRow, StoredEvent, TierVersionRow } from './store/types.js';

export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const parseJson = (text: string | null) =>
  text === null ? null : (JSON.parse(text) as Record<string, unknown>);

export const outcomeIdOf = (eventId: string) => `out_${eventId}`;

/** The outcome status a reader sees: a pending outcome past `expires_at` is expired, whether or not anything swept it. */
export function outcomeStatus(event: EventRow, now: number): Schemas['LedgerEvent']['outcome_status'] {
  if (event.outcomeState === 'pending' && event.expiresAt !== null && event.expiresAt <= now)
    return 'expired';
  return event.outcomeState;
}

/** The exact strings of amounts seen lately: a tier's base fee and zero recur on almost every event. */
const formatted = new Map<bigint, string>();
function formatCached(units: bigint): string {
  let text = formatted.get(units);
  if (text === undefined) {
    if (formatted.size >= 1024) formatted.clear();
    text = formatMoney(units);
    formatted.set(units, text);
  }
  return text;
}

/** The price charged with the event itself (not a later resolution), as numbers and exact strings. */
export function eventPrice(
  event: EventRow,
): Pick<Schemas['MeterResponse'], 'price_charged' | 'price_breakdown' | 'price'> {
  const { baseAmount: base, tokenAmount: tokens, outcomeAmount: outcome } = event;
  const total = base + tokens + outcome;
  return {
    price_charged: moneyToNumber(total),
    price_breakdown: {
      base: moneyToNumber(base),
      tokens: moneyToNumber(tokens),
      outcome: moneyToNumber(outcome),
    },
    price: {
      total: formatMoney(total),
      base: formatCached(base),
      tokens: formatMoney(tokens),
      outcome: formatCached(outcome),
    },
  };
}

/**
 * The `/v1/meter` response. For a replay it is the original response: the price and outcome
 * state as they were when the event was metered, with `replayed: true`.
 */
export function meterResponse(event: EventRow, replayed: boolean): Schemas['MeterResponse'] {
  const pending = event.outcome === 'pending';
  return {
    event_id: event.eventId,
    ...eventPrice(event),
    currency: event.currency,
    tier: event.tierId,
    tier_version: event.tierVersion,
    outcome_id: pending ? outcomeIdOf(event.eventId) : null,
    outcome_status: event.outcome ?? 'none',
    expires_at: isoOrNull(event.expiresAt),
    timestamp: iso(event.timestamp),
    replayed,
  };
}

/** One accepted or duplicate event of a `/v1/meter/batch` answer (what a batch result carries of the price). */
export function batchEventResult(
  index: number,
  event: EventRow,
  status: 'accepted' | 'duplicate',
): Schemas['BatchEventResult'] {
  const { price_charged, price_breakdown, price } = eventPrice(event);
  return {
    index,
    event_id: event.eventId,
    status,
    price_charged,
    price_breakdown,
    price,
    currency: event.currency,
    tier: event.tierId,
    tier_version: event.tierVersion,
    outcome_id: event.outcome === 'pending' ? outcomeIdOf(event.eventId) : null,
    outcome_status: event.outcome ?? 'none',
  };
}

export function outcomeView(event: EventRow, now: number): Schemas['Outcome'] {
  return {
    outcome_id: outcomeIdOf(event.eventId),
    event_id: event.eventId,
    status: outcomeStatus(event, now) as 'pending' | 'success' | 'failure' | 'expired',
    agent_id: event.agentId,
    action: event.action,
    customer_id: event.customerId,
    currency: event.currency,
    bonus: formatMoney(event.pendingBonus),
    charged: formatMoney(event.resolutionAmount),
    expires_at: iso(event.expiresAt ?? event.timestamp),
    resolved_at: isoOrNull(event.resolvedAt),
    created_at: iso(event.timestamp),
    metadata: parseJson(event.resolutionMetadata),
  };
}

export function resolveResponse(event: EventRow, replayed: boolean, now: number): Schemas['ResolveResponse'] {
  return {
    outcome_id: outcomeIdOf(event.eventId),
    event_id: event.eventId,
    status: event.outcomeState as 'success' | 'failure',
    price_charged: moneyToNumber(event.resolutionAmount),
    price_breakdown: { base: 0, tokens: 0, outcome: moneyToNumber(event.resolutionAmount) },
    price: {
      total: formatMoney(event.resolutionAmount),
      base: formatMoney(0n),
      tokens: formatMoney(0n),
      outcome: formatMoney(event.resolutionAmount),
    },
    currency: event.currency,
    replayed,
    outcome: outcomeView(event, now),
  };
}

export function ledgerEvent(event: StoredEvent, now: number): Schemas['LedgerEvent'] {
  return {
    event_id: event.eventId,
    timestamp: iso(event.timestamp),
    received_at: iso(event.receivedAt),
    agent_id: event.agentId,
    action: event.action,
    customer_id: event.customerId,
    model: event.model,
    provider: event.provider,
    tokens: {
      input: event.tokensInput,
      output: event.tokensOutput,
      cached_input: event.tokensCachedInput,
      cache_write: event.tokensCacheWrite,
      reasoning: event.tokensReasoning,
      cache_write_1h: event.tokensCacheWrite1h,
      audio_input: event.tokensAudioInput,
      audio_output: event.tokensAudioOutput,
      web_search_requests: event.webSearchRequests,
    },
    tier: event.tierId,
    tier_version: event.tierVersion,
    currency: event.currency,
    price: eventPrice(event).price,
    outcome_status: outcomeStatus(event, now),
    outcome_id: event.outcome === 'pending' ? outcomeIdOf(event.eventId) : null,
    expires_at: isoOrNull(event.expiresAt),
    resolved_at: isoOrNull(event.resolvedAt),
    outcome_charged: formatMoney(event.resolutionAmount),
    metadata: parseJson(event.metadata),
    usage_missing: event.usageMissing,
    superseded_by: event.supersededBy,
  };
}

export function tierView(row: TierVersionRow): Schemas['Tier'] {
  return {
    tier_id: row.tierId,
    version: row.version,
    // Stored as the pricing package wrote it (`tierToJson`): the contract's tier fields.
    ...(JSON.parse(row.definition) as TierJson),
    created_at: iso(row.createdAt),
  };
}

export function keyView(key: KeyRow): Schemas['ApiKey'] {
  return {
    key_id: key.keyId,
    name: key.name,
    scope: key.scope,
    allow_tier_override: key.scope === 'admin' || key.allowTierOverride === true,
    prefix: key.prefix,
    created_at: iso(key.createdAt),
    revoked_at: isoOrNull(key.revokedAt),
  };
}
