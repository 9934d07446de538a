import { PricingError } from './errors.js';
import { divideRoundHalfEven, type Money } from './money.js';
import { type CompiledTier, outcomeBonus } from './tier.js';

export type OutcomeValue = 'pending' | 'success' | 'failure';

/** The parts of an event that have a price. Token counts default to 0. */
export interface UsageInput {
  action: string;
  tokens_input?: number;
  tokens_output?: number;
  /** Part of `tokens_input`. */
  tokens_cached_input?: number;
  /** Part of `tokens_input`: every cache write, whatever its lifetime. */
  tokens_cache_write?: number;
  /** Part of `tokens_cache_write`: the writes kept for an hour rather than five minutes. */
  tokens_cache_write_1h?: number;
  /** Part of `tokens_input`, apart from the cache reads and writes: uncached audio input. */
  tokens_audio_input?: number;
  /** Part of `tokens_output`. */
  tokens_reasoning?: number;
  /** Part of `tokens_output`. */
  tokens_audio_output?: number;
  /** Web searches the provider ran for the call (a count of requests, not tokens). */
  web_search_requests?: number;
  /** Absent: no outcome component. */
  outcome?: OutcomeValue;
}

/** What one event is charged, per component, exactly. */
export interface Price {
  base: Money;
  /** Every token at its kind's rate, plus the per-request fees of web searches. */
  tokens: Money;
  /** The bonus charged now (an event metered with `outcome: success`). */
  outcome: Money;
  total: Money;
  /** The bonus a later `success` resolution will charge (events metered with `outcome: pending`). */
  pendingBonus: Money;
}

export const MAX_TOKENS = 1_000_000_000;

function tokenCount(
  value: unknown,
  field: string,
  code: 'invalid_token_count' | 'invalid_count' = 'invalid_token_count',
): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TOKENS) {
    throw new PricingError(
      code,
      field,
      `Expected \`${field}\` to be an integer from 0 to ${MAX_TOKENS}, got ${JSON.stringify(value) ?? String(value)}.`,
    );
  }
  return value;
}

/** Validated token counts of an event, with the subset rules checked. */
export interface TokenCounts {
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite: number;
  reasoning: number;
  /** Part of `cacheWrite`. */
  cacheWrite1h: number;
  /** Part of `input`, disjoint from `cachedInput` and `cacheWrite`. */
  audioInput: number;
  /** Part of `output`. */
  audioOutput: number;
  /** A count of requests, not tokens. */
  webSearchRequests: number;
}

/**
 * Validates the counts: non-negative integers, and every subset within its total. A subset larger
 * than its total is refused (naming the subset), never clamped: it means the counts were not
 * understood, and any price for them would be a guess.
 */
export function tokenCounts(event: Omit<UsageInput, 'action'>): TokenCounts {
  const counts = {
    input: tokenCount(event.tokens_input, 'tokens_input'),
    output: tokenCount(event.tokens_output, 'tokens_output'),
    cachedInput: tokenCount(event.tokens_cached_input, 'tokens_cached_input'),
    cacheWrite: tokenCount(event.tokens_cache_write, 'tokens_cache_write'),
    reasoning: tokenCount(event.tokens_reasoning, 'tokens_reasoning'),
    cacheWrite1h: tokenCount(event.tokens_cache_write_1h, 'tokens_cache_write_1h'),
    audioInput: tokenCount(event.tokens_audio_input, 'tokens_audio_input'),
    audioOutput: tokenCount(event.tokens_audio_output, 'tokens_audio_output'),
    webSearchRequests: tokenCount(event.web_search_requests, 'web_search_requests', 'invalid_count'),
  };
  if (counts.cachedInput + counts.cacheWrite > counts.input) {
    const field = counts.cachedInput > counts.input ? 'tokens_cached_input' : 'tokens_cache_write';
    throw new PricingError(
      'token_subset_exceeds_total',
      field,
      `\`tokens_cached_input\` + \`tokens_cache_write\` (${counts.cachedInput + counts.cacheWrite}) cannot exceed \`tokens_input\` (${counts.input}); they are part of it.`,
    );
  }
  if (counts.reasoning > counts.output) {
    throw new PricingError(
      'token_subset_exceeds_total',
      'tokens_reasoning',
      `\`tokens_reasoning\` (${counts.reasoning}) cannot exceed \`tokens_output\` (${counts.output}); it is part of it.`,
    );
  }
  if (counts.cacheWrite1h > counts.cacheWrite) {
    throw new PricingError(
      'token_subset_exceeds_total',
      'tokens_cache_write_1h',
      `\`tokens_cache_write_1h\` (${counts.cacheWrite1h}) cannot exceed \`tokens_cache_write\` (${counts.cacheWrite}); it is part of it.`,
    );
  }
  // Audio input counted here is the uncached audio: cache reads and writes keep their own rates.
  if (counts.cachedInput + counts.cacheWrite + counts.audioInput > counts.input) {
    throw new PricingError(
      'token_subset_exceeds_total',
      'tokens_audio_input',
      `\`tokens_cached_input\` + \`tokens_cache_write\` + \`tokens_audio_input\` (${counts.cachedInput + counts.cacheWrite + counts.audioInput}) cannot exceed \`tokens_input\` (${counts.input}); they are separate parts of it.`,
    );
  }
  if (counts.audioOutput > counts.output) {
    throw new PricingError(
      'token_subset_exceeds_total',
      'tokens_audio_output',
      `\`tokens_audio_output\` (${counts.audioOutput}) cannot exceed \`tokens_output\` (${counts.output}); it is part of it.`,
    );
  }
  return counts;
}

/**
 * The token component. Every token is priced once, at the rate of the one kind it belongs to:
 * plain input, cache reads, 5-minute and 1-hour cache writes, uncached audio input, text output and
 * audio output, each at its rate per `tokenUnit`, summed exactly and rounded once (half to even) to
 * 12 fractional digits. Web searches add their exact per-request fee. Takes counts validated by
 * `tokenCounts` (subsets within their totals).
 */
export function tokenCharge(tier: CompiledTier, counts: TokenCounts): Money {
  const plainInput = BigInt(counts.input - counts.cachedInput - counts.cacheWrite - counts.audioInput);
  const cacheWrite5m = BigInt(counts.cacheWrite - counts.cacheWrite1h);
  const textOutput = BigInt(counts.output - counts.audioOutput);
  const numerator =
    plainInput * tier.tokenRateInput +
    BigInt(counts.cachedInput) * tier.tokenRateCachedInput +
    cacheWrite5m * tier.tokenRateCacheWrite +
    BigInt(counts.cacheWrite1h) * tier.tokenRateCacheWrite1h +
    BigInt(counts.audioInput) * tier.tokenRateAudioInput +
    textOutput * tier.tokenRateOutput +
    BigInt(counts.audioOutput) * tier.tokenRateAudioOutput;
  return (
    divideRoundHalfEven(numerator, BigInt(tier.tokenUnit)) +
    BigInt(counts.webSearchRequests) * tier.webSearchRequestFee
  );
}

/**
 * Prices one event under one tier: base fee + token fee + (for `outcome: success`) the outcome
 * bonus. `outcome: pending` charges base + tokens now and fixes the bonus a later success earns.
 */
export function priceEvent(tier: CompiledTier, event: UsageInput): Price {
  if (typeof event.action !== 'string' || event.action.length === 0) {
    throw new PricingError('invalid_action', 'action', 'Expected `action` to be a non-empty string.');
  }
  const counts = tokenCounts(event);
  const base = tier.baseFee;
  const tokens = tokenCharge(tier, counts);
  let outcome = 0n;
  let pendingBonus = 0n;
  switch (event.outcome) {
    case undefined:
    case 'failure':
      break;
    case 'success':
      outcome = outcomeBonus(tier, event.action);
      break;
    case 'pending':
      pendingBonus = outcomeBonus(tier, event.action);
      break;
    default:
      throw new PricingError(
        'invalid_outcome',
        'outcome',
        `Expected \`outcome\` to be "pending", "success" or "failure", got ${JSON.stringify(event.outcome)}.`,
      );
  }
  return { base, tokens, outcome, total: base + tokens + outcome, pendingBonus };
}

/** What resolving a pending outcome charges: its fixed bonus on success, nothing on failure. */
export function resolutionCharge(pendingBonus: Money, resolution: 'success' | 'failure'): Money {
  if (resolution === 'success') return pendingBonus;
  if (resolution === 'failure') return 0n;
  throw new PricingError(
    'invalid_outcome',
    'outcome',
    `Expected the resolution to be "success" or "failure", got ${JSON.stringify(resolution)}.`,
  );
}

/** Exact totals per component. */
export interface Amounts {
  base: Money;
  tokens: Money;
  outcome: Money;
  total: Money;
}

export const zeroAmounts = (): Amounts => ({ base: 0n, tokens: 0n, outcome: 0n, total: 0n });

/** Adds `price` into `into` (in place) and returns it. */
export function addPrice(into: Amounts, price: Pick<Amounts, 'base' | 'tokens' | 'outcome'>): Amounts {
  into.base += price.base;
  into.tokens += price.tokens;
  into.outcome += price.outcome;
  into.total += price.base + price.tokens + price.outcome;
  return into;
}
