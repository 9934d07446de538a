import {
  type AttributionSettings,
  expectedMessage,
  isMeter,
  isPlainObject,
  METER_EXPECTATION,
  type Meter,
  validateAttributionOptions,
} from '@agentmeter/sdk';
import { AnthropicMeterError } from './errors.js';

/** The validated options, as the metering code uses them. */
export interface MeterSettings extends AttributionSettings {
  meter: Meter;
  captureContent: boolean;
  meterErrors: boolean;
  onError: (error: unknown) => void;
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
  if (!isMeter(meter)) {
    throw new AnthropicMeterError(
      'invalid_meter',
      'meter',
      expectedMessage('meter', METER_EXPECTATION, meter),
    );
  }
  if (!isPlainObject(options)) {
    throw invalid('options', expectedMessage('options', 'an object with `agent_id` and `action`', options));
  }
  const { onError, ...attribution } = validateAttributionOptions(options, invalid);
  return {
    meter,
    ...attribution,
    captureContent: flag(options, 'captureContent'),
    meterErrors: flag(options, 'meterErrors'),
    onError: onError ?? defaultOnError,
  };
}
