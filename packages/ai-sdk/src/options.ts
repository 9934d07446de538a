import {
  applyAttributionOverrides,
  baseAttribution,
  expectedMessage,
  isPlainObject,
  resolveWrapperSettings,
  type UsageAttribution,
  type WrapperSettings,
} from '@agentmeter/sdk/integration';
import { AiSdkMeterError } from './errors.js';

/** The validated options, as the middleware uses them. */
export type MiddlewareSettings = WrapperSettings;

function defaultOnError(error: unknown): void {
  console.error('[@agentmeter/ai-sdk] could not record a call:', error);
}

/** Validates `meterMiddleware()`'s arguments eagerly, with messages naming the failing field. */
export function resolveSettings(meter: unknown, options: unknown): MiddlewareSettings {
  return resolveWrapperSettings(meter, options, {
    invalidMeter: (field, message) => new AiSdkMeterError('invalid_meter', field, message),
    invalidOption: (field, message) => new AiSdkMeterError('invalid_option', field, message),
    defaultOnError,
  }).settings;
}

/**
 * Who a call is billed to: `providerOptions.agentmeter` wins over `meter.withContext()`, which wins
 * over the middleware's options. An invalid per-call value is reported through `onError` and ignored.
 */
export function resolveAttribution(settings: MiddlewareSettings, providerOptions: unknown): UsageAttribution {
  const attribution = baseAttribution(settings);
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
