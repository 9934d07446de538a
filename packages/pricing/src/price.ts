import { PricingError } from './errors.js';
import { divideRoundHalfEven, type Money } from './money.js';
import { outcomeBonus, type Tier } from './tier.js';

export type OutcomeValue = 'pending' | 'success' | 'failure';

/** The parts of an event that have a price. Token counts default to 0. */
export interface UsageInput {
  action: string;
  tokens_input?: number;
  tokens_output?: number;
  /** Part of `tokens_input`. */
  tokens_cached_input?: number;
  /** Part of `tokens_input`. */
  tokens_cache_write?: number;
  /** Part of `tokens_output`. */
  tokens_reasoning?: number;
  /** Absent: no outcome component. */
  outcome?: OutcomeValue;
}

/** What one event is charged, per component, exactly. */
export interface Price {
  base: Money;
  tokens: Money;
  /** The bonus charged now (an event metered with `outcome: success`). */
  outcome: Money;
  total: Money;
  /** The bonus a later `success` resolution will charge (events metered with `outcome: pending`). */
  pendingBonus: Money;
}

export const MAX_TOKENS = 1_000_000_000;

function tokenCount(value: unknown, field: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TOKENS) {
    throw new PricingError(
      'invalid_token_count',
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
}

/** Validates the token counts: non-negative integers, and cache/reasoning counts within their totals. */
export function tokenCounts(event: Omit<UsageInput, 'action'>): TokenCounts {
  const counts = {
    input: tokenCount(event.tokens_input, 'tokens_input'),
    output: tokenCount(event.tokens_output, 'tokens_output'),
    cachedInput: tokenCount(event.tokens_cached_input, 'tokens_cached_input'),
    cacheWrite: tokenCount(event.tokens_cache_write, 'tokens_cache_write'),
    reasoning: tokenCount(event.tokens_reasoning, 'tokens_reasoning'),
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
  return counts;
}

/**
 * The token component: uncached input, cache reads, cache writes and output each at their rate per
 * `tokenUnit`, summed exactly and rounded once (half to even) to 12 fractional digits.
 */
export function tokenCharge(tier: Tier, counts: TokenCounts): Money {
  const uncached = BigInt(counts.input - counts.cachedInput - counts.cacheWrite);
  const numerator =
    uncached * tier.tokenRateInput +
    BigInt(counts.cachedInput) * tier.tokenRateCachedInput +
    BigInt(counts.cacheWrite) * tier.tokenRateCacheWrite +
    BigInt(counts.output) * tier.tokenRateOutput;
  return divideRoundHalfEven(numerator, BigInt(tier.tokenUnit));
}

/**
 * Prices one event under one tier: base fee + token fee + (for `outcome: success`) the outcome
 * bonus. `outcome: pending` charges base + tokens now and fixes the bonus a later success earns.
 */
export function priceEvent(tier: Tier, event: UsageInput): Price {
  if (typeof event.action !== 'string' || event.action.length === 0) {
    throw new PricingError('invalid_outcome', 'action', 'Expected `action` to be a non-empty string.');
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
