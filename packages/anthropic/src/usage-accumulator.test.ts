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

  it('keeps 1-hour cache writes within all cache writes, and web searches as the last count reported', () => {
    const usage = new UsageAccumulator();
    usage.apply({
      input_tokens: 50,
      cache_creation_input_tokens: 1000,
      cache_creation: { ephemeral_5m_input_tokens: 400, ephemeral_1h_input_tokens: 600 },
      output_tokens: 1,
      server_tool_use: { web_search_requests: 0 },
    });
    // A later total of the writes (message_delta has no breakdown) keeps the 1-hour count.
    usage.apply({
      cache_creation_input_tokens: 1500,
      output_tokens: 90,
      server_tool_use: { web_search_requests: 2 },
    });
    usage.apply({ output_tokens: 120, server_tool_use: null });
    expect(usage.totals()).toEqual({
      inputTokens: 1550,
      outputTokens: 120,
      cachedInputTokens: 0,
      cacheWriteTokens: 1500,
      reasoningTokens: 0,
      cacheWrite1hTokens: 600,
      webSearchRequests: 2,
    });
  });

  it('takes the cache writes from their lifetimes when the total is missing, and never below the 1-hour ones', () => {
    const withoutTotal = new UsageAccumulator();
    withoutTotal.apply({
      input_tokens: 5,
      output_tokens: 1,
      cache_creation: { ephemeral_5m_input_tokens: 30, ephemeral_1h_input_tokens: 70 },
    });
    expect(withoutTotal.totals()).toMatchObject({
      inputTokens: 105,
      cacheWriteTokens: 100,
      cacheWrite1hTokens: 70,
    });
    const totalTooSmall = new UsageAccumulator();
    totalTooSmall.apply({
      input_tokens: 5,
      output_tokens: 1,
      cache_creation_input_tokens: 40,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 70 },
    });
    expect(totalTooSmall.totals()).toMatchObject({
      inputTokens: 75,
      cacheWriteTokens: 70,
      cacheWrite1hTokens: 70,
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
