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
  tierToJson,
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

// Usage the providers bill apart from plain input and output: optional rates on the tier, and
// optional counts on the event, each drawn inside the total it is part of.
const separateRatesArbitrary = fc.record(
  {
    token_rate_cache_write_1h: decimalString,
    token_rate_audio_input: decimalString,
    token_rate_audio_output: decimalString,
    web_search_request_fee: decimalString,
  },
  { requiredKeys: [] },
);

type OracleTier = Record<string, string | number | undefined> & { token_unit: number };

interface OracleEvent {
  tokens_input: number;
  tokens_output: number;
  tokens_cached_input: number;
  tokens_cache_write: number;
  tokens_cache_write_1h?: number;
  tokens_audio_input?: number;
  tokens_audio_output?: number;
  web_search_requests?: number;
}

const separateEventArbitrary = eventArbitrary.chain((event) =>
  fc
    .record(
      {
        tokens_cache_write_1h: fc.integer({ min: 0, max: event.tokens_cache_write }),
        tokens_audio_input: fc.integer({
          min: 0,
          max: event.tokens_input - event.tokens_cached_input - event.tokens_cache_write,
        }),
        tokens_audio_output: fc.integer({ min: 0, max: event.tokens_output }),
        web_search_requests: fc.integer({ min: 0, max: 1_000_000_000 }),
      },
      { requiredKeys: [] },
    )
    .map((separate) => ({ ...event, ...separate })),
);

const rate = (tier: OracleTier, field: string): Rational => fromDecimalString(String(tier[field]));

/** The token amount as it was before any usage was billed separately: the new counts folded in, searches free. */
function foldedTokens(tier: OracleTier, event: OracleEvent): bigint {
  const uncached = BigInt(event.tokens_input - event.tokens_cached_input - event.tokens_cache_write);
  let sum = times(rate(tier, 'token_rate_input'), uncached);
  sum = add(sum, times(rate(tier, 'token_rate_cached_input'), BigInt(event.tokens_cached_input)));
  sum = add(sum, times(rate(tier, 'token_rate_cache_write'), BigInt(event.tokens_cache_write)));
  sum = add(sum, times(rate(tier, 'token_rate_output'), BigInt(event.tokens_output)));
  return oracleRound(rational(sum.n, sum.d * BigInt(tier.token_unit)));
}

/** The token amount with every kind at its own rate; an absent rate means the one it was folded into. */
function separateTokens(tier: OracleTier, event: OracleEvent): bigint {
  const resolved = (field: string, fallback: string) =>
    tier[field] === undefined ? rate(tier, fallback) : rate(tier, field);
  const audioInput = BigInt(event.tokens_audio_input ?? 0);
  const audioOutput = BigInt(event.tokens_audio_output ?? 0);
  const write1h = BigInt(event.tokens_cache_write_1h ?? 0);
  const plain =
    BigInt(event.tokens_input - event.tokens_cached_input - event.tokens_cache_write) - audioInput;
  let sum = times(rate(tier, 'token_rate_input'), plain);
  sum = add(sum, times(rate(tier, 'token_rate_cached_input'), BigInt(event.tokens_cached_input)));
  sum = add(sum, times(rate(tier, 'token_rate_cache_write'), BigInt(event.tokens_cache_write) - write1h));
  sum = add(sum, times(resolved('token_rate_cache_write_1h', 'token_rate_cache_write'), write1h));
  sum = add(sum, times(resolved('token_rate_audio_input', 'token_rate_input'), audioInput));
  sum = add(sum, times(rate(tier, 'token_rate_output'), BigInt(event.tokens_output) - audioOutput));
  sum = add(sum, times(resolved('token_rate_audio_output', 'token_rate_output'), audioOutput));
  const fee =
    tier['web_search_request_fee'] === undefined
      ? 0n
      : oracleRound(rate(tier, 'web_search_request_fee')) * BigInt(event.web_search_requests ?? 0);
  return oracleRound(rational(sum.n, sum.d * BigInt(tier.token_unit))) + fee;
}

describe('pricing properties of separately billed usage', () => {
  it('a tier without the new rates prices any event exactly as before they existed', () => {
    fc.assert(
      fc.property(tierArbitrary, separateEventArbitrary, (tierInput, event) => {
        const tier = compileTier(tierInput);
        const price = priceEvent(tier, event);
        expect(price.tokens).toBe(foldedTokens(tierInput, event));
        expect(price.total).toBe(price.base + price.tokens);
      }),
      { numRuns: 1000 },
    );
  });

  it('an event without the new counts prices exactly as before under any tier', () => {
    fc.assert(
      fc.property(tierArbitrary, separateRatesArbitrary, eventArbitrary, (tierInput, separate, event) => {
        const withRates = compileTier({ ...tierInput, ...separate });
        const without = compileTier(tierInput);
        const usage = { ...event, outcome: event.succeeded ? ('success' as const) : undefined };
        expect(priceEvent(withRates, usage)).toEqual(priceEvent(without, usage));
        expect(priceEvent(withRates, usage).tokens).toBe(foldedTokens(tierInput, event));
      }),
      { numRuns: 1000 },
    );
  });

  it('every kind at its own rate agrees with the independent rational computation', () => {
    fc.assert(
      fc.property(
        tierArbitrary,
        separateRatesArbitrary,
        separateEventArbitrary,
        (tierInput, separate, event) => {
          const tierSource = { ...tierInput, ...separate };
          const price = priceEvent(compileTier(tierSource), event);
          expect(price.tokens).toBe(separateTokens(tierSource, event));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('history replays price the new counts exactly as the events were priced one by one', () => {
    fc.assert(
      fc.property(
        tierArbitrary,
        separateRatesArbitrary,
        fc.array(separateEventArbitrary, { maxLength: 40 }),
        (tierInput, separate, events) => {
          const tier = compileTier({ ...tierInput, ...separate });
          const sum = zeroAmounts();
          for (const event of events)
            addPrice(sum, priceEvent(tier, { ...event, outcome: event.succeeded ? 'success' : undefined }));
          const repricer = createRepricer([{ name: 't', tier }]);
          for (const event of events) repricer.add(event);
          const replay = repricer.result();
          expect(replay.results[0]!.revenue).toEqual(sum);
          const total = (field: keyof OracleEvent) => events.reduce((n, e) => n + (e[field] ?? 0), 0);
          expect(replay.tokens).toMatchObject({
            cacheWrite1h: total('tokens_cache_write_1h'),
            audioInput: total('tokens_audio_input'),
            audioOutput: total('tokens_audio_output'),
            webSearchRequests: total('web_search_requests'),
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a tier survives its canonical JSON, which names a new rate only when it is not the default', () => {
    const before = [
      'description',
      'base_fee',
      'token_rate_input',
      'token_rate_output',
      'token_rate_cached_input',
      'token_rate_cache_write',
      'token_unit',
      'outcome_bonus',
      'outcome_bonus_by_action',
      'currency',
    ];
    fc.assert(
      fc.property(tierArbitrary, separateRatesArbitrary, (tierInput, separate) => {
        const tier = compileTier({ ...tierInput, ...separate });
        expect(compileTier(tierToJson(tier))).toEqual(tier);
        expect(Object.keys(tierToJson(compileTier(tierInput)))).toEqual(before);
      }),
      { numRuns: 500 },
    );
  });
});
