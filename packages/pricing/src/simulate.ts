import { PricingError } from './errors.js';
import { divideRoundHalfEven, MONEY_ONE, type Money, parseDecimal } from './money.js';
import { type Amounts, addPrice, priceEvent, type TokenCounts, tokenCounts, zeroAmounts } from './price.js';
import { type CompiledTier, compileTier, outcomeBonus, type TierConfig } from './tier.js';

/** A workload described by averages: how many calls, the tokens of an average call, how many succeed. */
export interface Workload {
  calls: number;
  avg_tokens_input?: number;
  avg_tokens_output?: number;
  /** Part of `avg_tokens_input`. */
  avg_tokens_cached_input?: number;
  /** Part of `avg_tokens_input`. */
  avg_tokens_cache_write?: number;
  /** Part of `avg_tokens_cache_write`. */
  avg_tokens_cache_write_1h?: number;
  /** Uncached audio input: part of `avg_tokens_input`, apart from cache reads and writes. */
  avg_tokens_audio_input?: number;
  /** Part of `avg_tokens_output`. */
  avg_tokens_audio_output?: number;
  /** Web searches per call. */
  avg_web_search_requests?: number;
  /** Share of calls that succeed, 0 to 1, as a number or a decimal string. */
  success_rate?: number | string;
  /** Successful calls; overrides `success_rate`. */
  successes?: number;
  /** The action, for per-action outcome bonuses. */
  action?: string;
}

export interface Candidate {
  name: string;
  tier: CompiledTier;
  /** The stored tier version, when the candidate is a saved tier. */
  version?: number | null;
}

export interface SimulationResult {
  name: string;
  tierVersion: number | null;
  currency: string;
  calls: number;
  successes: number;
  /** Successes per call, in units of 10^-12. */
  successRate: bigint;
  revenue: Amounts;
  revenuePerCall: Money;
  revenuePerSuccess: Money | null;
}

export interface Simulation {
  calls: number;
  successes: number;
  tokens: TokenCounts;
  results: SimulationResult[];
}

/**
 * Four reference pricing models, as tiers: per token, per call, per outcome (a small fee per call
 * plus a bonus per success) and a hybrid of all three. The simulator compares them when given
 * nothing else.
 */
export const REFERENCE_MODELS: Readonly<Record<'per_token' | 'per_call' | 'outcome' | 'hybrid', TierConfig>> =
  {
    /** "$0.003 per 1K tokens": 2,000 + 800 tokens cost 0.0084. */
    per_token: {
      description: 'Per-token: $0.003 per 1K tokens',
      token_rate_input: '0.003',
      token_rate_output: '0.003',
    },
    /** "$0.05 per call": ten calls cost 0.50. */
    per_call: { description: 'Per-call: $0.05 per call', base_fee: '0.05' },
    /** "$0.01 base per call + $5.00 per success": 1,000 calls with 15 successes cost 85.00. */
    outcome: {
      description: 'Outcome-based: $0.01 per call + $5.00 per success',
      base_fee: '0.01',
      outcome_bonus: '5.00',
    },
    /** A successful call with 2,800 input tokens is priced {base 0.01, tokens 0.00035, outcome 5.00}. */
    hybrid: {
      description: 'Hybrid: $0.01 per call + $0.125 per 1M input tokens + $5.00 per success',
      base_fee: '0.01',
      token_rate_input: '0.125',
      token_unit: 1000000,
      outcome_bonus: '5.00',
    },
  };

/** The four reference models as simulation candidates, named by their key (`per_token`, …). */
export function referenceCandidates(): Candidate[] {
  return Object.entries(REFERENCE_MODELS).map(([name, input]) => ({ name, tier: compileTier(input) }));
}

/** @deprecated since 0.2 — use REFERENCE_MODELS; removed in 1.0 */
export const GUIDE_PRESETS = REFERENCE_MODELS;
/** @deprecated since 0.2 — use referenceCandidates; removed in 1.0 */
export const guideCandidates = referenceCandidates;

function count(value: unknown, field: string, fallback = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1_000_000_000) {
    throw new PricingError(
      'invalid_workload',
      field,
      `Expected \`${field}\` to be an integer from 0 to 1000000000.`,
    );
  }
  return value;
}

function finish(candidate: Candidate, revenue: Amounts, calls: number, successes: number): SimulationResult {
  return {
    name: candidate.name,
    tierVersion: candidate.version ?? null,
    currency: candidate.tier.currency,
    calls,
    successes,
    successRate: calls === 0 ? 0n : divideRoundHalfEven(BigInt(successes) * MONEY_ONE, BigInt(calls)),
    revenue,
    revenuePerCall: calls === 0 ? 0n : divideRoundHalfEven(revenue.total, BigInt(calls)),
    revenuePerSuccess: successes === 0 ? null : divideRoundHalfEven(revenue.total, BigInt(successes)),
  };
}

/**
 * Prices a described workload under each candidate, side by side. Every call is priced as one
 * event (so revenue is exactly `calls` × the per-call price plus `successes` × the bonus, the same
 * sum the server's ledger would hold); successes are `success_rate × calls` rounded half to even.
 */
export function simulateWorkload(workload: Workload, candidates: readonly Candidate[]): Simulation {
  if (typeof workload !== 'object' || workload === null) {
    throw new PricingError('invalid_workload', 'workload', 'Expected `workload` to be an object.');
  }
  const calls = count(workload.calls, 'calls', -1);
  if (calls < 0) throw new PricingError('invalid_workload', 'calls', 'Expected `calls` to be given.');
  const perCall = {
    tokens_input: count(workload.avg_tokens_input, 'avg_tokens_input'),
    tokens_output: count(workload.avg_tokens_output, 'avg_tokens_output'),
    tokens_cached_input: count(workload.avg_tokens_cached_input, 'avg_tokens_cached_input'),
    tokens_cache_write: count(workload.avg_tokens_cache_write, 'avg_tokens_cache_write'),
    tokens_cache_write_1h: count(workload.avg_tokens_cache_write_1h, 'avg_tokens_cache_write_1h'),
    tokens_audio_input: count(workload.avg_tokens_audio_input, 'avg_tokens_audio_input'),
    tokens_audio_output: count(workload.avg_tokens_audio_output, 'avg_tokens_audio_output'),
    web_search_requests: count(workload.avg_web_search_requests, 'avg_web_search_requests'),
  };
  let counts: TokenCounts;
  try {
    counts = tokenCounts(perCall);
  } catch (error) {
    // The per-call counts are the workload's averages: name the field the caller wrote.
    if (PricingError.isInstance(error))
      throw new PricingError(error.code, `avg_${error.field}`, error.message.replaceAll('`t', '`avg_t'));
    throw error;
  }
  let successes: number;
  if (workload.successes !== undefined) {
    successes = count(workload.successes, 'successes');
    if (successes > calls) {
      throw new PricingError(
        'invalid_workload',
        'successes',
        `\`successes\` (${successes}) cannot exceed \`calls\` (${calls}).`,
      );
    }
  } else {
    const rate = parseDecimal(workload.success_rate ?? 0, 'success_rate');
    if (rate > MONEY_ONE) {
      throw new PricingError(
        'invalid_workload',
        'success_rate',
        'Expected `success_rate` to be between 0 and 1.',
      );
    }
    successes = Number(divideRoundHalfEven(BigInt(calls) * rate, MONEY_ONE));
  }
  const action = workload.action ?? 'simulated';
  const results = candidates.map((candidate) => {
    const price = priceEvent(candidate.tier, { action, ...perCall });
    const n = BigInt(calls);
    const revenue = addPrice(zeroAmounts(), {
      base: price.base * n,
      tokens: price.tokens * n,
      outcome: outcomeBonus(candidate.tier, action) * BigInt(successes),
    });
    return finish(candidate, revenue, calls, successes);
  });
  return {
    calls,
    successes,
    tokens: {
      input: counts.input * calls,
      output: counts.output * calls,
      cachedInput: counts.cachedInput * calls,
      cacheWrite: counts.cacheWrite * calls,
      reasoning: 0,
      cacheWrite1h: counts.cacheWrite1h * calls,
      audioInput: counts.audioInput * calls,
      audioOutput: counts.audioOutput * calls,
      webSearchRequests: counts.webSearchRequests * calls,
    },
    results,
  };
}

/** A past event as the repricer needs it: its usage, and whether its outcome ended in success. */
export interface HistoricalEvent {
  action: string;
  tokens_input?: number;
  tokens_output?: number;
  tokens_cached_input?: number;
  tokens_cache_write?: number;
  tokens_reasoning?: number;
  tokens_cache_write_1h?: number;
  tokens_audio_input?: number;
  tokens_audio_output?: number;
  web_search_requests?: number;
  succeeded: boolean;
}

/**
 * Reprices real past events under candidate tiers, one event at a time (stream them in with
 * `add`; memory stays constant). Each event is priced exactly as the server would have priced it
 * under that tier, so the result is what the period would have earned.
 */
export function createRepricer(candidates: readonly Candidate[]) {
  const revenues = candidates.map(() => zeroAmounts());
  const tokens: TokenCounts = {
    input: 0,
    output: 0,
    cachedInput: 0,
    cacheWrite: 0,
    reasoning: 0,
    cacheWrite1h: 0,
    audioInput: 0,
    audioOutput: 0,
    webSearchRequests: 0,
  };
  let calls = 0;
  let successes = 0;
  return {
    add(event: HistoricalEvent): void {
      const counts = tokenCounts(event);
      calls += 1;
      if (event.succeeded) successes += 1;
      tokens.input += counts.input;
      tokens.output += counts.output;
      tokens.cachedInput += counts.cachedInput;
      tokens.cacheWrite += counts.cacheWrite;
      tokens.reasoning += counts.reasoning;
      tokens.cacheWrite1h += counts.cacheWrite1h;
      tokens.audioInput += counts.audioInput;
      tokens.audioOutput += counts.audioOutput;
      tokens.webSearchRequests += counts.webSearchRequests;
      candidates.forEach((candidate, index) => {
        const price = priceEvent(candidate.tier, {
          ...event,
          outcome: event.succeeded ? 'success' : undefined,
        });
        addPrice(revenues[index] as Amounts, price);
      });
    },
    result(): Simulation {
      return {
        calls,
        successes,
        tokens: { ...tokens },
        results: candidates.map((candidate, index) =>
          finish(candidate, revenues[index] as Amounts, calls, successes),
        ),
      };
    },
  };
}
