import { expectedMessage, resolveWrapperSettings, type WrapperSettings } from '@agentmeter/sdk/integration';
import { AnthropicMeterError } from './errors.js';

/** The validated options, as the metering code uses them. */
export interface MeterSettings extends WrapperSettings {
  captureContent: boolean;
  meterErrors: boolean;
}

function invalid(field: string, message: string): AnthropicMeterError {
  return new AnthropicMeterError('invalid_option', field, message);
}

function flag(options: Record<string, unknown>, field: string): boolean {
  const value = options[field];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(field, expectedMessage(field, 'a boolean', value));
  return value;
}

function defaultOnError(error: unknown): void {
  console.error('[@agentmeter/anthropic] could not record a call:', error);
}

/** Validates `withMeter()`'s arguments eagerly, with messages naming the failing field. */
export function resolveSettings(meter: unknown, options: unknown): MeterSettings {
  const resolved = resolveWrapperSettings(meter, options, {
    invalidMeter: (field, message) => new AnthropicMeterError('invalid_meter', field, message),
    invalidOption: invalid,
    defaultOnError,
  });
  return {
    ...resolved.settings,
    captureContent: flag(resolved.options, 'captureContent'),
    meterErrors: flag(resolved.options, 'meterErrors'),
  };
}
