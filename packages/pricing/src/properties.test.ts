import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addPrice,
  compileTier,
  createRepricer,
  formatMoney,
  moneyToNumber,
  parseMoney,
  priceEvent,
  simulateWorkload,
  zeroAmounts,
} from './index.js';

// An independent oracle: exact rationals built straight from the decimal strings, rounded to
// 12 fractional digits half to even by its own code. It shares nothing with the engine.
interface Rational {
  n: bigint;
  d: bigint;
}
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
const rational = (n: bigint, d: bigint): Rational => {
  const g = gcd(n < 0n ? -n : n, d) || 1n;
  return { n: n / g, d: d / g };
};
const add = (a: Rational, b: Rational): Rational => rational(a.n * b.d + b.n * a.d, a.d * b.d);
const times = (a: Rational, k: bigint): Rational => rational(a.n * k, a.d);
function fromDecimalString(text: string): Rational {
  const [whole, fraction = ''] = text.split('.');
  return rational(BigInt(`${whole}${fraction}`), 10n ** BigInt(fraction.length));
}
/** Rounds to 12 fractional digits, half to even, and renders it the way a person writes money. */
function oracleRound(value: Rational): bigint {
  const scaled = rational(value.n * 10n ** 12n, value.d);
  const floor = scaled.n / scaled.d;
  const remainder = scaled.n - floor * scaled.d;
  const comparison = remainder * 2n - scaled.d;
  if (comparison > 0n || (comparison === 0n && floor % 2n === 1n)) return floor + 1n;
  return floor;
}

const decimalString = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.integer({ min: 0, max: 12 }))
  .map(([mantissa, scale]) => {
    const digits = mantissa.toString().padStart(scale + 1, '0');
    return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  });

const tierArbitrary = fc.record({
  base_fee: decimalString,
  token_rate_input: decimalString,
  token_rate_output: decimalString,
  token_rate_cached_input: decimalString,
  token_rate_cache_write: decimalString,
  outcome_bonus: decimalString,
  token_unit: fc.constantFrom(1000, 1000000),
});

const eventArbitrary = fc
  .record({
    input: fc.integer({ min: 0, max: 1_000_000_000 }),
    output: fc.integer({ min: 0, max: 1_000_000_000 }),
    cachedShare: fc.double({ min: 0, max: 1, noNaN: true }),
    writeShare: fc.double({ min: 0, max: 1, noNaN: true }),
    reasoningShare: fc.double({ min: 0, max: 1, noNaN: true }),
    succeeded: fc.boolean(),
  })
  .map(({ input, output, cachedShare, writeShare, reasoningShare, succeeded }) => {
    const cached = Math.floor(input * cachedShare);
    const write = Math.floor((input - cached) * writeShare);
    return {
      action: 'act',
      tokens_input: input,
      tokens_output: output,
      tokens_cached_input: cached,
      tokens_cache_write: write,
      tokens_reasoning: Math.floor(output * reasoningShare),
      succeeded,
    };
  });

describe('pricing properties', () => {
  it('agrees with an independent exact rational computation, component by component', () => {
    fc.assert(
      fc.property(tierArbitrary, eventArbitrary, (tierInput, event) => {
        const tier = compileTier(tierInput);
        const price = priceEvent(tier, { ...event, outcome: event.succeeded ? 'success' : undefined });
        const unit = BigInt(tierInput.token_unit);
        const uncached = BigInt(event.tokens_input - event.tokens_cached_input - event.tokens_cache_write);
        let tokens = times(fromDecimalString(tierInput.token_rate_input), uncached);
        tokens = add(
          tokens,
          times(fromDecimalString(tierInput.token_rate_cached_input), BigInt(event.tokens_cached_input)),
        );
        tokens = add(
          tokens,
          times(fromDecimalString(tierInput.token_rate_cache_write), BigInt(event.tokens_cache_write)),
        );
        tokens = add(
          tokens,
          times(fromDecimalString(tierInput.token_rate_output), BigInt(event.tokens_output)),
        );
        tokens = rational(tokens.n, tokens.d * unit);
        expect(price.tokens).toBe(oracleRound(tokens));
        expect(price.base).toBe(oracleRound(fromDecimalString(tierInput.base_fee)));
        const bonus = event.succeeded ? oracleRound(fromDecimalString(tierInput.outcome_bonus)) : 0n;
        expect(price.outcome).toBe(bonus);
        expect(price.total).toBe(price.base + price.tokens + price.outcome);
      }),
      { numRuns: 2000 },
    );
  });

  it('the sum of N event prices equals the aggregate to the last digit', () => {
    fc.assert(
      fc.property(
        tierArbitrary,
        fc.array(eventArbitrary, { minLength: 0, maxLength: 60 }),
        (tierInput, events) => {
          const tier = compileTier(tierInput);
          const sum = zeroAmounts();
          for (const event of events)
            addPrice(sum, priceEvent(tier, { ...event, outcome: event.succeeded ? 'success' : undefined }));
          const repricer = createRepricer([{ name: 't', tier }]);
          for (const event of events) repricer.add(event);
          const [aggregate] = repricer.result().results;
          expect(aggregate!.revenue).toEqual(sum);
          expect(formatMoney(aggregate!.revenue.total)).toBe(formatMoney(sum.total));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a described workload is exactly calls × the per-call price plus successes × the bonus', () => {
    fc.assert(
      fc.property(
        tierArbitrary,
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 1000 }),
        (tierInput, calls, input, output, perMille) => {
          const tier = compileTier(tierInput);
          const successes = Math.min(calls, Math.round((calls * perMille) / 1000));
          const simulated = simulateWorkload(
            { calls, avg_tokens_input: input, avg_tokens_output: output, successes },
            [{ name: 't', tier }],
          );
          const sum = zeroAmounts();
          const one = priceEvent(tier, { action: 'simulated', tokens_input: input, tokens_output: output });
          for (let call = 0; call < calls; call++) addPrice(sum, one);
          addPrice(sum, { base: 0n, tokens: 0n, outcome: tier.outcomeBonus * BigInt(successes) });
          expect(simulated.results[0]!.revenue).toEqual(sum);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('money survives formatting, and the JSON number is the nearest double to the exact decimal', () => {
    fc.assert(
      fc.property(decimalString, (text) => {
        const units = parseMoney(text, 'x');
        expect(parseMoney(formatMoney(units), 'x')).toBe(units);
        expect(moneyToNumber(units)).toBe(Number(text));
      }),
      { numRuns: 2000 },
    );
  });
});
