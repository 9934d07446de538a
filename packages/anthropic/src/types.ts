/** Options of `withMeter(client, meter, options)`. */
export interface WithMeterOptions {
  /** The agent every call is billed under; a surrounding `meter.withContext({ agent_id })` wins. Required, no env fallback. */
  agent_id: string;
  /** The action every call is billed as; a surrounding `meter.withContext({ action })` wins. Required, no env fallback. */
  action: string;
  /** The customer billed; a surrounding `meter.withContext({ customer_id })` wins. Default: none (the context's). No env fallback. */
  customer_id?: string;
  /** The pricing tier forced on every call. Default: none (the server picks customer, agent, then project tier). No env fallback. */
  tier?: string;
  /** Metadata added to every event, under the context's metadata. Default: none. No env fallback. */
  metadata?: Record<string, unknown>;
  /** Put the prompt and completion text, 1,000 characters each at most, into the event metadata. Default: `false`. No env fallback. */
  captureContent?: boolean;
  /** Record a zero-token event (with `agentmeter.error_type`) for a call the provider failed. Default: `false`. No env fallback. */
  meterErrors?: boolean;
  /** Called when recording a call's usage throws; the caller's call is never affected. Default: `console.error`. No env fallback. */
  onError?: (error: unknown) => void;
}
