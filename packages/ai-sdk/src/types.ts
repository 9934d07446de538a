import type { WrapperOptions } from '@agentmeter/sdk/integration';

/**
 * Options of `meterMiddleware(meter, options)`: the options every agentmeter integration takes
 * (`WrapperOptions`, documented there). Who a call is billed to: `providerOptions.agentmeter`
 * (`agent_id`, `action`, `customer_id`, `tier`) wins over a surrounding `meter.withContext({...})`,
 * which wins over these options. Any other key is refused with an `AiSdkMeterError` (`invalid_option`).
 */
export interface MeterMiddlewareOptions extends WrapperOptions {}

/**
 * Per-call attribution, passed as `providerOptions: { agentmeter: { customer_id: 'cus_42' } }` to
 * `generateText` / `streamText` (providers ignore namespaces that are not theirs).
 */
export interface AgentmeterProviderOptions {
  customer_id?: string;
  agent_id?: string;
  action?: string;
  tier?: string;
}
