import { describe, expect, it } from 'vitest';
import { isTokenCount, reconcileTokenCounts, tokenCount } from './token-counts.js';

const counts = (inputTokens: number, outputTokens: number, cached = 0, cacheWrite = 0, reasoning = 0) => ({
  inputTokens,
  outputTokens,
  cachedInputTokens: cached,
  cacheWriteTokens: cacheWrite,
  reasoningTokens: reasoning,
});

describe('token counts', () => {
  it('takes non-negative safe integers only; anything else counts as 0', () => {
    expect([0, 7, Number.MAX_SAFE_INTEGER].map(isTokenCount)).toEqual([true, true, true]);
    expect([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3', null].map(isTokenCount)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect([12, -1, 1.5, '3', undefined].map(tokenCount)).toEqual([12, 0, 0, 0, 0]);
  });

  it('leaves inclusive totals alone', () => {
    expect(reconcileTokenCounts(counts(1000, 50, 800, 100, 20))).toEqual(counts(1000, 50, 800, 100, 20));
  });

  it('reads a total smaller than its subsets as the disjoint remainder, and keeps other fields', () => {
    // 200 uncached + 9000 cache reads + 3000 cache writes; 30 text + 120 reasoning.
    expect(reconcileTokenCounts({ ...counts(200, 30, 9000, 3000, 120), complete: false })).toEqual({
      ...counts(12_200, 150, 9000, 3000, 120),
      complete: false,
    });
  });
});
