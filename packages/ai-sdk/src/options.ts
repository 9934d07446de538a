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
import { AiSdkMeterError } from './errors.js';

/** The validated options, as the middleware uses them. */
export interface MiddlewareSettings extends AttributionSettings {
  meter: Meter;
  onError: (error: unknown) => void;
}

function invalid(field: string, message: string): AiSdkMeterError {
  return new AiSdkMeterError('invalid_option', field, message);
}

function defaultOnError(error: unknown): void {
  console.error('[@agentmeter/ai-sdk] could not record a call:', error);
}

/** Validates `meterMiddleware()`'s arguments eagerly, with messages naming the failing field. */
export function resolveSettings(meter: unknown, options: unknown): MiddlewareSettings {
  if (!isMeter(meter)) {
    throw new AiSdkMeterError('invalid_meter', 'meter', expectedMessage('meter', METER_EXPECTATION, meter));
  }
  if (!isPlainObject(options)) {
    throw invalid('options', expectedMessage('options', 'an object with `agent_id` and `action`', options));
  }
  const { onError, ...attribution } = validateAttributionOptions(options, invalid);
  return { meter, ...attribution, onError: onError ?? defaultOnError };
}

/**
 * Who a call is billed to: `providerOptions.agentmeter` wins over `meter.withContext()`, which wins
 * over the middleware's options. An invalid per-call value is reported through `onError` and ignored.
 */
export function resolveAttribution(settings: MiddlewareSettings, providerOptions: unknown): UsageAttribution {
  const attribution = baseAttribution(settings, settings.meter);
  const perCall = (providerOptions as Record<string, unknown> | undefined)?.['agentmeter'];
  if (perCall === undefined) return attribution;
  const reject = (field: string, message: string) =>
    settings.onError(new AiSdkMeterError('invalid_provider_option', field, message));
  if (!isPlainObject(perCall)) {
    reject('providerOptions.agentmeter', expectedMessage('providerOptions.agentmeter', 'an object', perCall));
    return attribution;
  }
  applyAttributionOverrides(attribution, {
    source: perCall,
    keyPrefix: '',
    fieldPrefix: 'providerOptions.agentmeter.',
    reject,
  });
  return attribution;
}
