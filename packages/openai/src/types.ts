/**
 * Options of `withMeter(client, meter, options)`. Attribution given here is the client's default: a
 * surrounding `meter.withContext({...})` overrides `agent_id`, `action` and `customer_id` for the calls
 * made inside it, and its metadata wins over `metadata` key by key.
 */
export interface WithMeterOptions {
  /** The agent every call is billed under. Required; no env fallback. */
  agent_id: string;
  /** The action every call is billed under. Required; no env fallback. */
  action: string;
  /** Who is billed for the calls. Default: the surrounding context's `customer_id`, else none. */
  customer_id?: string;
  /** The pricing tier to apply (a tier id: `a-z0-9_.-`, up to 64). Default: none (the server picks the customer's, agent's or project tier). */
  tier?: string;
  /** Added to every event's metadata (at most 64 keys and 8 KiB in all). Default: none. */
  metadata?: Record<string, unknown>;
  /**
   * Copy prompt and completion text into event metadata (`agentmeter.prompt`, `agentmeter.completion`),
   * each truncated to 1,000 characters (less if the metadata would pass 8 KiB). Default: false: no prompt or completion text ever leaves.
   */
  captureContent?: boolean;
  /** Meter a zero-token event marked with the error type when the provider rejects a call. Default: false. */
  meterErrors?: boolean;
  /** Called when recording a call throws (the call itself is never affected). Default: `console.error`. */
  onError?: (error: unknown) => void;
  /**
   * On streamed chat completions, ask for usage (`stream_options.include_usage`) when the caller did not,
   * and hide the extra usage-only chunk from the caller. A server that refuses the field with a 400 is
   * asked again without it and remembered, so there is no need to turn this off for it. When off,
   * streamed calls of servers that send usage only when asked are metered as `usage_missing` (no
   * tokens). Default: true.
   */
  streamUsage?: boolean;
}
