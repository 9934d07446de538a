import {
  type AttributionSettings,
  applyAttributionOverrides,
  baseAttribution,
  expectedMessage,
  isMeter,
  isPlainObject,
  METER_EXPECTATION,
  type Meter,
  type UsageAttribution,
  validateAttributionOptions,
} from '@agentmeter/sdk';
import { LangChainMeterError } from './errors.js';

/** The validated options, as the handler uses them. */
export interface HandlerSettings extends AttributionSettings {
  meter: Meter;
  onError: (error: unknown) => void;
}

function invalid(field: string, message: string): LangChainMeterError {
  return new LangChainMeterError('invalid_option', field, message);
}

function defaultOnError(error: unknown): void {
  console.error('[@agentmeter/langchain] could not record a call:', error);
}

/** Validates the handler's arguments eagerly, with messages naming the failing field. */
export function resolveSettings(meter: unknown, options: unknown): HandlerSettings {
  if (!isMeter(meter)) {
    throw new LangChainMeterError(
      'invalid_meter',
      'meter',
      expectedMessage('meter', METER_EXPECTATION, meter),
    );
  }
  if (!isPlainObject(options)) {
    throw invalid('options', expectedMessage('options', 'an object with `agent_id` and `action`', options));
  }
  const { onError, ...attribution } = validateAttributionOptions(options, invalid);
  return { meter, ...attribution, onError: onError ?? defaultOnError };
}

/**
 * Who a run is billed to: run metadata wins over `meter.withContext()`, which wins over the
 * handler's options. An invalid run-metadata value is reported through `onError` and ignored.
 */
export function resolveAttribution(
  settings: HandlerSettings,
  runMetadata: Record<string, unknown> | undefined,
): UsageAttribution {
  const attribution = baseAttribution(settings, settings.meter);
  if (!runMetadata) return attribution;
  applyAttributionOverrides(attribution, {
    source: runMetadata,
    keyPrefix: 'agentmeter_',
    fieldPrefix: 'metadata.',
    reject: (field, message) => settings.onError(new LangChainMeterError('invalid_metadata', field, message)),
  });
  return attribution;
}
