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
  /** The cache writes by lifetime (`Usage` only: `message_start` and whole messages carry it). */
  cache_creation?: {
    ephemeral_5m_input_tokens?: number | null;
    ephemeral_1h_input_tokens?: number | null;
  } | null;
  /** Server-side tool requests (web fetches are billed as tokens only, so they are not read). */
  server_tool_use?: { web_search_requests?: number | null } | null;
}

/** The token counts of one call, in the provider's own buckets (`undefined` = never reported). */
export interface UsageCounts {
  input: number | undefined;
  output: number | undefined;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
  thinking: number | undefined;
  /** `cache_creation.ephemeral_5m_input_tokens` / `ephemeral_1h_input_tokens`. */
  cacheWrite5m: number | undefined;
  cacheWrite1h: number | undefined;
  /** `server_tool_use.web_search_requests`. */
  webSearches: number | undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export class UsageAccumulator {
  readonly counts: UsageCounts = {
    input: undefined,
    output: undefined,
    cacheRead: undefined,
    cacheWrite: undefined,
    thinking: undefined,
    cacheWrite5m: undefined,
    cacheWrite1h: undefined,
    webSearches: undefined,
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
    const lifetimes = usage.cache_creation;
    if (typeof lifetimes === 'object' && lifetimes !== null) {
      counts.cacheWrite5m = count(lifetimes.ephemeral_5m_input_tokens) ?? counts.cacheWrite5m;
      counts.cacheWrite1h = count(lifetimes.ephemeral_1h_input_tokens) ?? counts.cacheWrite1h;
    }
    const serverTools = usage.server_tool_use;
    if (typeof serverTools === 'object' && serverTools !== null) {
      counts.webSearches = count(serverTools.web_search_requests) ?? counts.webSearches;
    }
  }

  /**
   * The agentmeter totals: input includes cache reads and writes; cached and reasoning are subsets,
   * and so are the 1-hour cache writes (of all cache writes). Web searches are a count of their own.
   * The 1-hour writes and web searches are only present when above zero.
   */
  totals(): {
    inputTokens: number;
    outputTokens: number;
    cachedInputTokens: number;
    cacheWriteTokens: number;
    reasoningTokens: number;
    cacheWrite1hTokens?: number;
    webSearchRequests?: number;
  } {
    const { input = 0, output = 0, cacheRead = 0, thinking = 0, cacheWrite1h = 0 } = this.counts;
    // `cache_creation_input_tokens` counts every cache write; without it, the lifetimes add up to it.
    // A 1-hour count above it raises it: the writes are at least the 1-hour ones (the streamed total
    // may be updated by `message_delta`, which carries no breakdown, so the start's 1-hour count stays).
    const reportedWrites =
      this.counts.cacheWrite ?? (this.counts.cacheWrite5m ?? 0) + (this.counts.cacheWrite1h ?? 0);
    const cacheWrite = Math.max(reportedWrites, cacheWrite1h);
    const totals: ReturnType<UsageAccumulator['totals']> = {
      inputTokens: input + cacheRead + cacheWrite,
      outputTokens: output,
      cachedInputTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
      // A subset of the output; never more than it, whatever a malformed response says.
      reasoningTokens: Math.min(thinking, output),
    };
    if (cacheWrite1h > 0) totals.cacheWrite1hTokens = cacheWrite1h;
    if ((this.counts.webSearches ?? 0) > 0) totals.webSearchRequests = this.counts.webSearches;
    return totals;
  }
}
