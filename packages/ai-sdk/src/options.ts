import {
  applyAttributionOverrides,
  baseAttribution,
  expectedMessage,
  isPlainObject,
  type ResolvedWrapperSettings,
  resolveWrapperSettings,
  STANDARD_OPTIONS,
  type UsageAttribution,
} from '@agentmeter/sdk/integration';
import { AiSdkMeterError } from './errors.js';

const OPTIONS = { meterErrors: STANDARD_OPTIONS.meterErrors } as const;

/** The validated options, as the middleware uses them. */
export type MiddlewareSettings = ResolvedWrapperSettings<typeof OPTIONS>;

/** Validates `meterMiddleware()`'s arguments eagerly, with messages naming the failing field. */
export function resolveSettings(meter: unknown, options: unknown): MiddlewareSettings {
  return resolveWrapperSettings(meter, options, {
    integration: '@agentmeter/ai-sdk',
    error: AiSdkMeterError,
    options: OPTIONS,
  });
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
