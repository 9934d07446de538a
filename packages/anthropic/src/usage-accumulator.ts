/**
 * Anthropic usage, accumulated the way the API defines it. Every counter in `message_start` and
 * `message_delta` is a cumulative whole-message total, so a counter is overwritten whenever an event
 * carries it as a number and never added up; a missing or `null` counter keeps the last value
 * (`MessageDeltaUsage` allows `null` input and cache counters). Input and cache counters therefore
 * come from whichever of `message_start` / `message_delta` last had them.
 */

/** The usage fields this package reads; everything else on `Usage` / `MessageDeltaUsage` is ignored. */
export interface AnthropicUsageLike {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/** The token counts of one call, in the provider's own buckets (`undefined` = never reported). */
export interface TokenCounts {
  input: number | undefined;
  output: number | undefined;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
  thinking: number | undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export class UsageAccumulator {
  readonly counts: TokenCounts = {
    input: undefined,
    output: undefined,
    cacheRead: undefined,
    cacheWrite: undefined,
    thinking: undefined,
  };
  /** True once any usage object was seen. */
  sawUsage = false;

  /** Overwrites each counter `usage` carries as a number; keeps the others. */
  apply(usage: AnthropicUsageLike | null | undefined): void {
    if (typeof usage !== 'object' || usage === null) return;
    this.sawUsage = true;
    const { counts } = this;
    counts.input = count(usage.input_tokens) ?? counts.input;
    counts.output = count(usage.output_tokens) ?? counts.output;
    counts.cacheRead = count(usage.cache_read_input_tokens) ?? counts.cacheRead;
    counts.cacheWrite = count(usage.cache_creation_input_tokens) ?? counts.cacheWrite;
    const details = usage.output_tokens_details;
    if (typeof details === 'object' && details !== null) {
      counts.thinking = count(details.thinking_tokens) ?? counts.thinking;
    }
  }

  /** The agentmeter totals: input includes cache reads and writes; cached and reasoning are subsets. */
  totals(): {
    inputTokens: number;
    outputTokens: number;
    cachedInputTokens: number;
    cacheWriteTokens: number;
    reasoningTokens: number;
  } {
    const { input = 0, output = 0, cacheRead = 0, cacheWrite = 0, thinking = 0 } = this.counts;
    return {
      inputTokens: input + cacheRead + cacheWrite,
      outputTokens: output,
      cachedInputTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
      // A subset of the output; never more than it, whatever a malformed response says.
      reasoningTokens: Math.min(thinking, output),
    };
  }
}
