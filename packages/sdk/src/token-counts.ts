import type { NormalizedUsage } from './usage.js';

/**
 * One call's token counts as `NormalizedUsage` holds them: inclusive totals, three subsets of them,
 * and the optional counts providers bill apart (1-hour cache writes, audio, web searches).
 */
export type NormalizedTokenCounts = Pick<
  NormalizedUsage,
  | 'inputTokens'
  | 'outputTokens'
  | 'cachedInputTokens'
  | 'cacheWriteTokens'
  | 'reasoningTokens'
  | 'cacheWrite1hTokens'
  | 'audioInputTokens'
  | 'audioOutputTokens'
  | 'webSearchRequests'
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
 * Keeps every subset inside its total, as the server requires (it refuses an event whose subset
 * exceeds its total). Cache and reasoning counts: a total smaller than its own subsets was reported
 * as the disjoint remainder (Anthropic's input excludes cache reads and writes; a 5-minute count
 * taken for all cache writes), so the subsets are added to it. Without this, cached tokens would be
 * billed as negative uncached ones. Audio counts: every provider reports them inside its totals, so
 * audio beyond what is left is an overlap (cached audio counted as audio too) and is cut to what is
 * left: the provider's totals are never raised for it.
 */
export function reconcileTokenCounts<Counts extends NormalizedTokenCounts>(counts: Counts): Counts {
  const result = { ...counts };
  if ((result.cacheWrite1hTokens ?? 0) > result.cacheWriteTokens) {
    result.cacheWriteTokens += result.cacheWrite1hTokens ?? 0;
  }
  if (result.cachedInputTokens + result.cacheWriteTokens > result.inputTokens) {
    result.inputTokens += result.cachedInputTokens + result.cacheWriteTokens;
  }
  if (result.reasoningTokens > result.outputTokens) result.outputTokens += result.reasoningTokens;
  const uncached = result.inputTokens - result.cachedInputTokens - result.cacheWriteTokens;
  if ((result.audioInputTokens ?? 0) > uncached) result.audioInputTokens = uncached;
  if ((result.audioOutputTokens ?? 0) > result.outputTokens) result.audioOutputTokens = result.outputTokens;
  return result;
}
