import { parseCurrency } from './currencies.js';
import { PricingError } from './errors.js';
import { formatMoney, type Money, parseMoney } from './money.js';

export type TokenUnit = 1000 | 1000000;

/**
 * @deprecated since 0.2 — use `CompiledTier`; removed in 1.0. `Tier` is the API's tier, as
 * `@agentmeter/client` exports it.
 */
export type Tier = CompiledTier;

/**
 * @deprecated since 0.2 — use `TierConfig`; removed in 1.0. `TierInput` is the API's request body,
 * as `@agentmeter/client` exports it.
 */
export type TierInput = TierConfig;

/**
 * A tier compiled for the engine (`compileTier()`): every component exact, any of them zero. Not the
 * API's tier (`Tier` in `@agentmeter/client`, what `GET /v1/tiers` returns).
 */
export interface CompiledTier {
  readonly description: string | null;
  /** Charged once per call. */
  readonly baseFee: Money;
  /** Per `tokenUnit` input tokens that were neither read from nor written to a cache. */
  readonly tokenRateInput: Money;
  /** Per `tokenUnit` output tokens (reasoning included). */
  readonly tokenRateOutput: Money;
  /** Per `tokenUnit` cache-read input tokens. */
  readonly tokenRateCachedInput: Money;
  /** Per `tokenUnit` cache-write input tokens kept for the provider's short (5-minute) lifetime. */
  readonly tokenRateCacheWrite: Money;
  /** Per `tokenUnit` cache-write input tokens kept for an hour (Anthropic bills these at 2× input). */
  readonly tokenRateCacheWrite1h: Money;
  /** Per `tokenUnit` uncached audio input tokens. */
  readonly tokenRateAudioInput: Money;
  /** Per `tokenUnit` audio output tokens. */
  readonly tokenRateAudioOutput: Money;
  /** Per server-side web search the provider ran for the call (a fee per request, not per token). */
  readonly webSearchRequestFee: Money;
  readonly tokenUnit: TokenUnit;
  /** Charged once per success, unless the action has its own bonus. */
  readonly outcomeBonus: Money;
  readonly outcomeBonusByAction: ReadonlyMap<string, Money>;
  readonly currency: string;
}

/**
 * A tier's definition as JSON, what `compileTier()` takes (the API's `TierInput`, money as numbers
 * or decimal strings).
 */
export interface TierConfig {
  description?: string | null;
  base_fee?: number | string;
  token_rate_input?: number | string;
  token_rate_output?: number | string;
  token_rate_cached_input?: number | string;
  token_rate_cache_write?: number | string;
  /** Default: `token_rate_cache_write`. */
  token_rate_cache_write_1h?: number | string;
  /** Default: `token_rate_input`. */
  token_rate_audio_input?: number | string;
  /** Default: `token_rate_output`. */
  token_rate_audio_output?: number | string;
  /** Default: 0 (searches not charged apart from the tokens). */
  web_search_request_fee?: number | string;
  token_unit?: number;
  outcome_bonus?: number | string;
  outcome_bonus_by_action?: Record<string, number | string>;
  currency?: string;
}

/**
 * The canonical JSON form of a tier: money as exact decimal strings, every original rate resolved.
 * The rates for separately billed usage (1-hour cache writes, audio, web searches) appear only when
 * they differ from what their absence means, so a tier that does not use them keeps exactly the
 * JSON it had before they existed (the same stored definition, no new version on re-save).
 */
export interface TierJson {
  description: string | null;
  base_fee: string;
  token_rate_input: string;
  token_rate_output: string;
  token_rate_cached_input: string;
  token_rate_cache_write: string;
  token_rate_cache_write_1h?: string;
  token_rate_audio_input?: string;
  token_rate_audio_output?: string;
  web_search_request_fee?: string;
  token_unit: TokenUnit;
  outcome_bonus: string;
  outcome_bonus_by_action: Record<string, string>;
  currency: string;
}

const KNOWN_FIELDS = new Set([
  'description',
  'base_fee',
  'token_rate_input',
  'token_rate_output',
  'token_rate_cached_input',
  'token_rate_cache_write',
  'token_rate_cache_write_1h',
  'token_rate_audio_input',
  'token_rate_audio_output',
  'web_search_request_fee',
  'token_unit',
  'outcome_bonus',
  'outcome_bonus_by_action',
  'currency',
]);

const optionalMoney = (value: unknown, field: string): Money | undefined =>
  value === undefined ? undefined : parseMoney(value, field);

/**
 * Validates a tier definition and returns the engine's exact form. Refuses, with a
 * `PricingError` naming the field, anything it cannot price exactly: unknown fields, negative or
 * non-decimal money, more than 12 fractional digits, a token unit other than 1,000 or 1,000,000,
 * an unknown currency.
 */
export function compileTier(input: unknown): CompiledTier {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PricingError('invalid_tier', '', 'Expected a tier to be an object.');
  }
  const source = input as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (!KNOWN_FIELDS.has(key))
      throw new PricingError('unknown_field', key, `Unknown tier field \`${key}\`.`);
  }
  const tokenUnit = source['token_unit'] ?? 1000;
  if (tokenUnit !== 1000 && tokenUnit !== 1000000) {
    throw new PricingError(
      'invalid_token_unit',
      'token_unit',
      `Expected \`token_unit\` to be 1000 or 1000000, got ${JSON.stringify(tokenUnit)}.`,
    );
  }
  const description = source['description'] ?? null;
  if (description !== null && (typeof description !== 'string' || description.length > 500)) {
    throw new PricingError(
      'invalid_tier',
      'description',
      'Expected `description` to be a string of at most 500 characters.',
    );
  }
  const byActionSource = source['outcome_bonus_by_action'] ?? {};
  if (typeof byActionSource !== 'object' || byActionSource === null || Array.isArray(byActionSource)) {
    throw new PricingError(
      'invalid_tier',
      'outcome_bonus_by_action',
      'Expected `outcome_bonus_by_action` to be an object mapping actions to amounts.',
    );
  }
  const outcomeBonusByAction = new Map<string, Money>();
  for (const [action, amount] of Object.entries(byActionSource)) {
    outcomeBonusByAction.set(action, parseMoney(amount, `outcome_bonus_by_action.${action}`));
  }
  const tokenRateInput = optionalMoney(source['token_rate_input'], 'token_rate_input') ?? 0n;
  const tokenRateOutput = optionalMoney(source['token_rate_output'], 'token_rate_output') ?? 0n;
  const tokenRateCacheWrite =
    optionalMoney(source['token_rate_cache_write'], 'token_rate_cache_write') ?? tokenRateInput;
  return {
    description,
    baseFee: optionalMoney(source['base_fee'], 'base_fee') ?? 0n,
    tokenRateInput,
    tokenRateOutput,
    tokenRateCachedInput:
      optionalMoney(source['token_rate_cached_input'], 'token_rate_cached_input') ?? tokenRateInput,
    tokenRateCacheWrite,
    // Each separately billed kind defaults to the rate it was folded into before, so a tier that
    // does not name it prices every event exactly as it always did.
    tokenRateCacheWrite1h:
      optionalMoney(source['token_rate_cache_write_1h'], 'token_rate_cache_write_1h') ?? tokenRateCacheWrite,
    tokenRateAudioInput:
      optionalMoney(source['token_rate_audio_input'], 'token_rate_audio_input') ?? tokenRateInput,
    tokenRateAudioOutput:
      optionalMoney(source['token_rate_audio_output'], 'token_rate_audio_output') ?? tokenRateOutput,
    webSearchRequestFee: optionalMoney(source['web_search_request_fee'], 'web_search_request_fee') ?? 0n,
    tokenUnit,
    outcomeBonus: optionalMoney(source['outcome_bonus'], 'outcome_bonus') ?? 0n,
    outcomeBonusByAction,
    currency: parseCurrency(source['currency'] ?? 'USD'),
  };
}

/** The canonical JSON of a tier; `compileTier(tierToJson(t))` equals `t`. */
export function tierToJson(tier: CompiledTier): TierJson {
  // Actions are the caller's strings: on a plain object the action `__proto__` would set the
  // prototype instead of a key (and its bonus vanish from the stored tier), so no prototype at all.
  const byAction: Record<string, string> = Object.create(null);
  for (const [action, amount] of [...tier.outcomeBonusByAction].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    byAction[action] = formatMoney(amount);
  }
  return {
    description: tier.description,
    base_fee: formatMoney(tier.baseFee),
    token_rate_input: formatMoney(tier.tokenRateInput),
    token_rate_output: formatMoney(tier.tokenRateOutput),
    token_rate_cached_input: formatMoney(tier.tokenRateCachedInput),
    token_rate_cache_write: formatMoney(tier.tokenRateCacheWrite),
    ...(tier.tokenRateCacheWrite1h !== tier.tokenRateCacheWrite && {
      token_rate_cache_write_1h: formatMoney(tier.tokenRateCacheWrite1h),
    }),
    ...(tier.tokenRateAudioInput !== tier.tokenRateInput && {
      token_rate_audio_input: formatMoney(tier.tokenRateAudioInput),
    }),
    ...(tier.tokenRateAudioOutput !== tier.tokenRateOutput && {
      token_rate_audio_output: formatMoney(tier.tokenRateAudioOutput),
    }),
    ...(tier.webSearchRequestFee !== 0n && { web_search_request_fee: formatMoney(tier.webSearchRequestFee) }),
    token_unit: tier.tokenUnit,
    outcome_bonus: formatMoney(tier.outcomeBonus),
    outcome_bonus_by_action: byAction,
    currency: tier.currency,
  };
}

/** The bonus a success of `action` earns under `tier`. */
export function outcomeBonus(tier: CompiledTier, action: string): Money {
  return tier.outcomeBonusByAction.get(action) ?? tier.outcomeBonus;
}
