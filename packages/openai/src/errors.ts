import { IntegrationError, type IntegrationErrorCode } from '@agentmeter/sdk/integration';

/** Stable codes of what `withMeter()` refuses: `invalid_client`, `invalid_meter`, `invalid_option`. */
export type OpenAIMeterErrorCode = IntegrationErrorCode;

/** The one error `@agentmeter/openai` throws itself: a bad argument to `withMeter()`, `field` naming it. */
export class OpenAIMeterError extends IntegrationError<OpenAIMeterErrorCode> {
  static override readonly marker: symbol = Symbol.for('agentmeter.openai.error');
  override name = 'OpenAIMeterError';
}
