// A model of what the server must charge, for the money property test: tiers as sent (decimal
// strings), their versions, assignments and outcomes, priced here with BigInt and without
// @agentmeter/pricing.
import fc from 'fast-check';
import { units } from '../chaos/expected.js';

export interface TierSpec {
  base_fee?: string;
  token_rate_input?: string;
  token_rate_output?: string;
  token_rate_cached_input?: string;
  token_rate_cache_write?: string;
  token_unit?: 1000 | 1000000;
  outcome_bonus?: string;
  outcome_bonus_by_action?: Record<string, string>;
  currency?: 'USD' | 'EUR';
}

export interface EventSpec {
  customer_id: string;
  agent_id: string;
  action: 'search' | 'book';
  tokens_input: number;
  tokens_output: number;
  tokens_cached_input?: number;
  tokens_cache_write?: number;
  tokens_reasoning?: number;
  outcome?: 'pending' | 'success' | 'failure';
  tier?: string;
}

export type Step =
  | { kind: 'tier'; tier: string; spec: TierSpec }
  | { kind: 'assign'; who: 'customer' | 'agent'; id: string; tier: string | null }
  | { kind: 'meter'; event: EventSpec }
  | { kind: 'batch'; events: EventSpec[] }
  | { kind: 'resolve'; pick: number; outcome: 'success' | 'failure' }
  | { kind: 'wait'; ms: number };

export const TIER_IDS = ['default', 'pro', 'flat'];
const CUSTOMERS = ['c1', 'c2', 'c3'];
const AGENTS = ['a1', 'a2'];

/** A decimal string with up to `digits` fractional digits, below `max`. */
const money = (max: number, digits: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: max - 1 }), fc.bigInt({ min: 0n, max: 10n ** BigInt(digits) - 1n }))
    .map(([whole, fraction]) => `${whole}.${fraction.toString().padStart(digits, '0')}`);
const rate = fc.oneof(money(3, 12), money(50, 6), fc.constant('0'));

export const tierSpec: fc.Arbitrary<TierSpec> = fc.record(
  {
    base_fee: fc.oneof(money(2, 12), fc.constant('0')),
    token_rate_input: rate,
    token_rate_output: rate,
    token_rate_cached_input: rate,
    token_rate_cache_write: rate,
    token_unit: fc.constantFrom(1000 as const, 1000000 as const),
    outcome_bonus: money(20, 12),
    outcome_bonus_by_action: fc.dictionary(fc.constantFrom('search', 'book'), money(20, 12), { maxKeys: 2 }),
    currency: fc.constantFrom('USD' as const, 'EUR' as const),
  },
  { requiredKeys: [] },
);

const eventSpec: fc.Arbitrary<EventSpec> = fc
  .record({
    customer_id: fc.constantFrom(...CUSTOMERS),
    agent_id: fc.constantFrom(...AGENTS),
    action: fc.constantFrom('search' as const, 'book' as const),
    tokens_input: fc.integer({ min: 0, max: 200_000 }),
    tokens_output: fc.integer({ min: 0, max: 50_000 }),
    cached: fc.double({ min: 0, max: 1, noNaN: true }),
    written: fc.double({ min: 0, max: 1, noNaN: true }),
    reasoning: fc.double({ min: 0, max: 1, noNaN: true }),
    outcome: fc.constantFrom(undefined, 'pending', 'pending', 'success', 'failure'),
    tier: fc.option(fc.constantFrom(...TIER_IDS), { freq: 4 }),
  })
  .map(({ cached, written, reasoning, outcome, tier, ...event }) => {
    const spec: EventSpec = { ...event };
    const cachedTokens = Math.floor(event.tokens_input * cached);
    const writtenTokens = Math.floor((event.tokens_input - cachedTokens) * written);
    if (cachedTokens > 0) spec.tokens_cached_input = cachedTokens;
    if (writtenTokens > 0) spec.tokens_cache_write = writtenTokens;
    if (reasoning > 0.5) spec.tokens_reasoning = Math.floor(event.tokens_output * reasoning);
    if (outcome) spec.outcome = outcome;
    if (tier) spec.tier = tier;
    return spec;
  });

export const steps: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('tier' as const),
        tier: fc.constantFrom(...TIER_IDS),
        spec: tierSpec,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.record({
          kind: fc.constant('assign' as const),
          who: fc.constant('customer' as const),
          id: fc.constantFrom(...CUSTOMERS),
          tier: fc.option(fc.constantFrom(...TIER_IDS)),
        }),
        fc.record({
          kind: fc.constant('assign' as const),
          who: fc.constant('agent' as const),
          id: fc.constantFrom(...AGENTS),
          tier: fc.option(fc.constantFrom(...TIER_IDS)),
        }),
      ),
    },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('meter' as const), event: eventSpec }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('batch' as const),
        events: fc.array(eventSpec, { minLength: 1, maxLength: 8 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('resolve' as const),
        pick: fc.nat(),
        outcome: fc.constantFrom('success' as const, 'failure' as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('wait' as const),
        ms: fc.integer({ min: 1, max: 3 * 86_400_000 }),
      }),
    },
  ),
  { minLength: 5, maxLength: 40 },
);

function halfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const twice = (numerator % denominator) * 2n;
  return twice > denominator || (twice === denominator && quotient % 2n === 1n) ? quotient + 1n : quotient;
}

const amount = (value: string | undefined) => (value === undefined ? 0n : units(value));

/** What `event` is charged under `tier` (as sent): at meter time, and the bonus a success would add. */
export function priceUnder(tier: TierSpec, event: EventSpec): { now: bigint; bonus: bigint } {
  const input = amount(tier.token_rate_input);
  const cached = BigInt(event.tokens_cached_input ?? 0);
  const written = BigInt(event.tokens_cache_write ?? 0);
  const numerator =
    (BigInt(event.tokens_input) - cached - written) * input +
    cached * (tier.token_rate_cached_input === undefined ? input : units(tier.token_rate_cached_input)) +
    written * (tier.token_rate_cache_write === undefined ? input : units(tier.token_rate_cache_write)) +
    BigInt(event.tokens_output) * amount(tier.token_rate_output);
  const tokens = halfEven(numerator, BigInt(tier.token_unit ?? 1000));
  const bonus = amount(tier.outcome_bonus_by_action?.[event.action] ?? tier.outcome_bonus);
  return { now: amount(tier.base_fee) + tokens + (event.outcome === 'success' ? bonus : 0n), bonus };
}
