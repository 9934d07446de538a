import { IntegrationError, type IntegrationErrorCode } from '@agentmeter/sdk/integration';

/**
 * Stable codes of what the LangChain handler refuses: `invalid_meter` and `invalid_option` at
 * construction (it wraps no client, so never `invalid_client`), and `invalid_metadata` for a bad
 * `agentmeter_*` run-metadata value, reported through `onError`.
 */
export type LangChainMeterErrorCode = IntegrationErrorCode | 'invalid_metadata';

/** A typed refusal of bad input to the handler; `field` names the failing option or run-metadata key. */
export class LangChainMeterError extends IntegrationError<LangChainMeterErrorCode> {
  static override readonly marker: symbol = Symbol.for('agentmeter.langchain.error');
  override name = 'LangChainMeterError';
}
