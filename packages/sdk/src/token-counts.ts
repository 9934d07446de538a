import type { NormalizedUsage } from './usage.js';

/** One call's token counts as `NormalizedUsage` holds them: inclusive totals, and three subsets of them. */
export type TokenCounts = Pick<
  NormalizedUsage,
  'inputTokens' | 'outputTokens' | 'cachedInputTokens' | 'cacheWriteTokens' | 'reasoningTokens'
>;

/** A token count as the contract takes it: a non-negative safe integer. */
export function isTokenCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** `value` when it is a token count, else 0. */
export function tokenCount(value: unknown): number {
  return isTokenCount(value) ? value : 0;
}

/**
 * Keeps the subsets inside their totals: a total smaller than its own subsets was reported as the
 * disjoint remainder (cache reads outside the input total), so the subsets are added to it. Without
 * this, cached tokens would be billed as negative uncached ones.
 */
export function reconcileTokenCounts<Counts extends TokenCounts>(counts: Counts): Counts {
  const result = { ...counts };
  if (result.cachedInputTokens + result.cacheWriteTokens > result.inputTokens) {
    result.inputTokens += result.cachedInputTokens + result.cacheWriteTokens;
  }
  if (result.reasoningTokens > result.outputTokens) result.outputTokens += result.reasoningTokens;
  return result;
}
