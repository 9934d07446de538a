// What the chaos workload must cost, computed here from the tier definitions with BigInt, without
// @agentmeter/pricing: an independent check of the server's prices and sums.
import { AGENT_TIERS, type ChaosEvent, CUSTOMER_TIERS, TIERS, type TierDefinition } from './workload.mjs';

const SCALE = 12;
const ONE = 10n ** BigInt(SCALE);

/** A decimal string ("0.0025") in units of 10^-12. */
export function units(decimal: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{0,12}))?$/.exec(decimal);
  if (!match) throw new Error(`not an exact decimal with at most 12 digits: ${decimal}`);
  const value = BigInt(match[2] as string) * ONE + BigInt((match[3] ?? '').padEnd(SCALE, '0') || '0');
  return match[1] ? -value : value;
}

/** Units of 10^-12 as a decimal string with 12 fractional digits (for messages). */
export function decimal(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  return `${sign}${abs / ONE}.${(abs % ONE).toString().padStart(SCALE, '0')}`;
}

function halfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder2 = (numerator % denominator) * 2n;
  if (remainder2 > denominator || (remainder2 === denominator && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

function tierOf(event: ChaosEvent): TierDefinition {
  const id = event.tier ?? CUSTOMER_TIERS[event.customer_id] ?? AGENT_TIERS[event.agent_id] ?? 'default';
  const tier = TIERS[id];
  if (!tier) throw new Error(`no tier ${id}`);
  return tier;
}

const rate = (value: string | undefined) => (value === undefined ? 0n : units(value));

function bonus(tier: TierDefinition, action: string): bigint {
  return rate(tier.outcome_bonus_by_action?.[action] ?? tier.outcome_bonus);
}

export interface ExpectedCharge {
  /** Charged when the event is metered: base + tokens (+ the bonus for `outcome: success`). */
  atMeter: bigint;
  /** Charged by the resolution of a pending outcome. */
  atResolution: bigint;
  /** The outcome status the ledger must show. */
  status: 'none' | 'pending' | 'success' | 'failure';
}

/** The exact charge of one workload event and its resolution. */
export function expectedCharge(event: ChaosEvent, resolution: 'success' | 'failure' | null): ExpectedCharge {
  const tier = tierOf(event);
  const cached = BigInt(event.tokens_cached_input ?? 0);
  const cacheWrite = BigInt(event.tokens_cache_write ?? 0);
  const uncached = BigInt(event.tokens_input) - cached - cacheWrite;
  const inputRate = rate(tier.token_rate_input);
  const numerator =
    uncached * inputRate +
    cached * (tier.token_rate_cached_input === undefined ? inputRate : rate(tier.token_rate_cached_input)) +
    cacheWrite * (tier.token_rate_cache_write === undefined ? inputRate : rate(tier.token_rate_cache_write)) +
    BigInt(event.tokens_output) * rate(tier.token_rate_output);
  const tokens = halfEven(numerator, BigInt(tier.token_unit));
  const base = rate(tier.base_fee);
  const outcomeNow = event.outcome === 'success' ? bonus(tier, event.action) : 0n;
  const atResolution =
    event.outcome === 'pending' && resolution === 'success' ? bonus(tier, event.action) : 0n;
  const status =
    event.outcome === undefined
      ? 'none'
      : event.outcome === 'pending'
        ? (resolution ?? 'pending')
        : event.outcome;
  return { atMeter: base + tokens + outcomeNow, atResolution, status };
}
