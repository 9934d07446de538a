/** Options of `new AgentMeterCallbackHandler(meter, options)`. */
export interface AgentMeterCallbackHandlerOptions {
  /** The agent every call is billed under; `meter.withContext({ agent_id })` and run metadata `agentmeter_agent_id` win. Required, no env fallback. */
  agent_id: string;
  /** The action every call is billed as; `meter.withContext({ action })` and run metadata `agentmeter_action` win. Required, no env fallback. */
  action: string;
  /** The customer billed; `meter.withContext({ customer_id })` and run metadata `agentmeter_customer_id` win. Default: none. No env fallback. */
  customer_id?: string;
  /** The pricing tier forced on every call; run metadata `agentmeter_tier` wins. Default: none (the server picks). No env fallback. */
  tier?: string;
  /** Metadata added to every event, under the context's metadata. Default: none. No env fallback. */
  metadata?: Record<string, unknown>;
  /** Called when recording a call throws or run metadata is invalid; the model call is never affected. Default: `console.error`. No env fallback. */
  onError?: (error: unknown) => void;
}

/**
 * The run-metadata keys the handler reads (`model.invoke(input, { metadata: { agentmeter_customer_id } })`).
 * Run metadata is inherited by child runs, so setting it on a chain or agent bills every model call inside.
 */
export interface AgentMeterRunMetadata {
  agentmeter_customer_id?: string;
  agentmeter_agent_id?: string;
  agentmeter_action?: string;
  agentmeter_tier?: string;
}
