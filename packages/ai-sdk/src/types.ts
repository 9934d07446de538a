/** Options of `meterMiddleware(meter, options)`. */
export interface MeterMiddlewareOptions {
  /** The agent every call is billed under; `meter.withContext({ agent_id })` and `providerOptions.agentmeter.agent_id` win. Required, no env fallback. */
  agent_id: string;
  /** The action every call is billed as; `meter.withContext({ action })` and `providerOptions.agentmeter.action` win. Required, no env fallback. */
  action: string;
  /** The customer billed; `meter.withContext({ customer_id })` and `providerOptions.agentmeter.customer_id` win. Default: none. No env fallback. */
  customer_id?: string;
  /** The pricing tier forced on every call; `providerOptions.agentmeter.tier` wins. Default: none (the server picks). No env fallback. */
  tier?: string;
  /** Metadata added to every event, under the context's metadata. Default: none. No env fallback. */
  metadata?: Record<string, unknown>;
  /** Called when recording a call throws or `providerOptions.agentmeter` is invalid; the model call is never affected. Default: `console.error`. No env fallback. */
  onError?: (error: unknown) => void;
}

/**
 * Per-call attribution, passed as `providerOptions: { agentmeter: { customer_id: 'cus_42' } }` to
 * `generateText` / `streamText` (providers ignore namespaces that are not theirs).
 */
export interface AgentMeterProviderOptions {
  customer_id?: string;
  agent_id?: string;
  action?: string;
  tier?: string;
}
