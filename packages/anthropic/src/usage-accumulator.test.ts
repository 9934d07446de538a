import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageAccumulator } from './usage-accumulator.js';

describe('UsageAccumulator', () => {
  it('overwrites cumulative counters and keeps the last non-null value of each', () => {
    const usage = new UsageAccumulator();
    usage.apply({
      input_tokens: 10,
      cache_read_input_tokens: 500,
      cache_creation_input_tokens: 20,
      output_tokens: 1,
    });
    usage.apply({
      input_tokens: null,
      cache_read_input_tokens: null,
      cache_creation_input_tokens: null,
      output_tokens: 7,
    });
    usage.apply({ input_tokens: 12, output_tokens: 19, output_tokens_details: { thinking_tokens: 11 } });

    expect(usage.totals()).toEqual({
      inputTokens: 532,
      outputTokens: 19,
      cachedInputTokens: 500,
      cacheWriteTokens: 20,
      reasoningTokens: 11,
    });
  });

  it('ignores counters that are not non-negative integers, and never reports reasoning above the output', () => {
    const usage = new UsageAccumulator();
    usage.apply({ input_tokens: 4, output_tokens: 3 });
    usage.apply({
      input_tokens: -1,
      output_tokens: 2.5,
      cache_read_input_tokens: Number.NaN,
      output_tokens_details: { thinking_tokens: 9 },
    } as never);

    expect(usage.totals()).toEqual({
      inputTokens: 4,
      outputTokens: 3,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 3,
    });
  });

  it('reports zero and no usage seen before any usage arrives', () => {
    const usage = new UsageAccumulator();
    usage.apply(null);
    usage.apply(undefined);
    expect(usage.sawUsage).toBe(false);
    expect(usage.totals()).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('for any sequence of events, equals the last reported value of each counter (never a sum)', () => {
    const counter = fc.option(fc.nat({ max: 1_000_000 }), { nil: null });
    const event = fc.record(
      {
        input_tokens: counter,
        output_tokens: fc.nat({ max: 1_000_000 }),
        cache_read_input_tokens: counter,
        cache_creation_input_tokens: counter,
      },
      { requiredKeys: ['output_tokens'] },
    );
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 12 }), (events) => {
        const usage = new UsageAccumulator();
        for (const item of events) usage.apply(item);
        const last = (key: 'input_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens') =>
          events.reduce<number>((value, item) => item[key] ?? value, 0);
        const totals = usage.totals();
        expect(totals.outputTokens).toBe(events.at(-1)?.output_tokens);
        expect(totals.cachedInputTokens).toBe(last('cache_read_input_tokens'));
        expect(totals.cacheWriteTokens).toBe(last('cache_creation_input_tokens'));
        expect(totals.inputTokens).toBe(
          last('input_tokens') + last('cache_read_input_tokens') + last('cache_creation_input_tokens'),
        );
      }),
    );
  });
});
