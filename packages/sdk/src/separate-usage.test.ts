// The counts providers bill apart (1-hour cache writes, audio, web searches) reach the meter event
// only when there are some, and reconciled counts always make an event the server prices: no
// subset is ever left beyond its total.
import { tokenCounts } from '@agentmeter/pricing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NormalizedTokenCounts, reconcileTokenCounts } from './token-counts.js';
import { type NormalizedUsage, usageToEvent } from './usage.js';

const usage = (counts: Partial<NormalizedUsage>): NormalizedUsage => ({
  provider: 'openai',
  operation: 'chat',
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  complete: true,
  streamed: false,
  ...counts,
});

/** The event fields pricing reads, from reconciled counts. */
const eventCounts = (counts: NormalizedTokenCounts) => {
  const event = usageToEvent(usage(counts));
  return {
    tokens_input: event.tokens_input,
    tokens_output: event.tokens_output,
    tokens_cached_input: event.tokens_cached_input,
    tokens_cache_write: event.tokens_cache_write,
    tokens_reasoning: event.tokens_reasoning,
    tokens_cache_write_1h: event.tokens_cache_write_1h,
    tokens_audio_input: event.tokens_audio_input,
    tokens_audio_output: event.tokens_audio_output,
    web_search_requests: event.web_search_requests,
  };
};

describe('separately billed usage in the SDK', () => {
  it('writes each count to the event only when there is some', () => {
    const event = usageToEvent(
      usage({
        inputTokens: 1000,
        outputTokens: 500,
        cacheWriteTokens: 300,
        cacheWrite1hTokens: 200,
        audioInputTokens: 400,
        audioOutputTokens: 100,
        webSearchRequests: 2,
      }),
    );
    expect(event).toMatchObject({
      tokens_cache_write_1h: 200,
      tokens_audio_input: 400,
      tokens_audio_output: 100,
      web_search_requests: 2,
    });
    const none = usageToEvent(
      usage({ inputTokens: 10, cacheWrite1hTokens: 0, audioInputTokens: 0, webSearchRequests: 0 }),
    );
    for (const field of [
      'tokens_cache_write_1h',
      'tokens_audio_input',
      'tokens_audio_output',
      'web_search_requests',
    ])
      expect(none).not.toHaveProperty(field);
  });

  it('reads 1-hour writes beyond all cache writes as a 5-minute count given for the total', () => {
    // Anthropic's input_tokens 50, cache reads 0, 5-minute writes 300 taken as all writes, 1-hour writes 200.
    const counts = {
      inputTokens: 550,
      outputTokens: 5,
      cachedInputTokens: 0,
      cacheWriteTokens: 300,
      reasoningTokens: 0,
    };
    expect(reconcileTokenCounts({ ...counts, cacheWrite1hTokens: 200 })).toEqual({
      ...counts,
      cacheWrite1hTokens: 200,
    });
    expect(reconcileTokenCounts({ ...counts, cacheWrite1hTokens: 400 })).toEqual({
      ...counts,
      cacheWriteTokens: 700,
      // 300 + 400 writes no longer fit the 550 input: the input was the remainder.
      inputTokens: 1250,
      cacheWrite1hTokens: 400,
    });
  });

  it('cuts audio beyond what is left of its total (cached audio counted as audio too), never raising the totals', () => {
    const reconciled = reconcileTokenCounts({
      inputTokens: 1000,
      outputTokens: 300,
      cachedInputTokens: 900,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      audioInputTokens: 200,
      audioOutputTokens: 350,
    });
    expect(reconciled).toMatchObject({
      inputTokens: 1000,
      outputTokens: 300,
      audioInputTokens: 100,
      audioOutputTokens: 300,
    });
    // Counts it was not given stay absent.
    const plain = {
      inputTokens: 5,
      outputTokens: 1,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    };
    expect(reconcileTokenCounts(plain)).toEqual(plain);
  });

  it('always makes an event the server prices, whatever the counts', () => {
    const count = fc.integer({ min: 0, max: 50_000_000 });
    const optional = fc.option(count, { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          inputTokens: count,
          outputTokens: count,
          cachedInputTokens: count,
          cacheWriteTokens: count,
          reasoningTokens: count,
          cacheWrite1hTokens: optional,
          audioInputTokens: optional,
          audioOutputTokens: optional,
          webSearchRequests: optional,
        }),
        (counts) => {
          const reconciled = reconcileTokenCounts(counts);
          expect(() => tokenCounts(eventCounts(reconciled))).not.toThrow();
          // Totals only grow, and no count but audio ever shrinks.
          expect(reconciled.inputTokens).toBeGreaterThanOrEqual(counts.inputTokens);
          expect(reconciled.outputTokens).toBeGreaterThanOrEqual(counts.outputTokens);
          expect(reconciled.cacheWrite1hTokens).toBe(counts.cacheWrite1hTokens);
          expect(reconciled.webSearchRequests).toBe(counts.webSearchRequests);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
