import { expectedMessage, IntegrationError } from '@agentmeter/sdk/integration';

/**
 * Stable codes of what `@agentmeter/otel` refuses: `invalid_meter` (the meter is not a Meter) and
 * `invalid_option` (an option, or `options` itself, is unknown or bad), as in every integration.
 */
export type OtelMeterErrorCode = 'invalid_meter' | 'invalid_option';

/** A bad argument or option of `@agentmeter/otel`, naming the field. */
export class OtelMeterError extends IntegrationError<OtelMeterErrorCode> {
  static override readonly marker: symbol = Symbol.for('agentmeter.otel.error');
  override name = 'OtelMeterError';
}

export function invalidOption(field: string, expected: string, value: unknown): OtelMeterError {
  return new OtelMeterError('invalid_option', field, expectedMessage(field, expected, value));
}
