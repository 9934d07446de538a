import { IntegrationError, type IntegrationErrorCode } from '@agentmeter/sdk/integration';

/** Stable codes of what `withMeter()` refuses: `invalid_client`, `invalid_meter`, `invalid_option`. */
export type AnthropicMeterErrorCode = IntegrationErrorCode;

/** A typed refusal of bad input to `withMeter()`; `field` names the failing argument or option. */
export class AnthropicMeterError extends IntegrationError<AnthropicMeterErrorCode> {
  static override readonly marker: symbol = Symbol.for('agentmeter.anthropic.error');
  override name = 'AnthropicMeterError';
}
