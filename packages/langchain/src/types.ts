import type { WrapperOptions } from '@agentmeter/sdk/integration';

/**
 * Options of `new AgentmeterCallbackHandler(meter, options)`: the options every agentmeter
 * integration takes (`WrapperOptions`, documented there). Who a call is billed to: run metadata
 * (`agentmeter_agent_id`, `agentmeter_action`, `agentmeter_customer_id`, `agentmeter_tier`) wins
 * over a surrounding `meter.withContext({...})`, which wins over these options. Any other key is
 * refused with a `LangChainMeterError` (`invalid_option`).
 */
export interface AgentmeterCallbackHandlerOptions extends WrapperOptions {}

/**
 * The run-metadata keys the handler reads (`model.invoke(input, { metadata: { agentmeter_customer_id } })`).
 * Run metadata is inherited by child runs, so setting it on a chain or agent bills every model call inside.
 */
export interface AgentmeterRunMetadata {
  agentmeter_customer_id?: string;
  agentmeter_agent_id?: string;
  agentmeter_action?: string;
  agentmeter_tier?: string;
}
