import { IntegrationError, type IntegrationErrorCode } from '@agentmeter/sdk/integration';

/**
 * Stable codes of what the AI SDK middleware refuses: `invalid_meter` and `invalid_option` at
 * construction (it wraps no model itself, so never `invalid_client`), and `invalid_provider_option`
 * for a bad `providerOptions.agentmeter` value, reported through `onError`.
 */
export type AiSdkMeterErrorCode = IntegrationErrorCode | 'invalid_provider_option';

/** A typed refusal of bad input to the middleware; `field` names the failing option or provider option. */
export class AiSdkMeterError extends IntegrationError<AiSdkMeterErrorCode> {
  static override readonly marker: symbol = Symbol.for('agentmeter.ai-sdk.error');
  override name = 'AiSdkMeterError';
}
