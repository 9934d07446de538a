import {
  type AttributionOverrides,
  callAttribution,
  expectedMessage,
  isPlainObject,
  type ResolvedWrapperSettings,
  STANDARD_OPTIONS,
  type UsageAttribution,
} from '@agentmeter/sdk/integration';
import { AiSdkMeterError } from './errors.js';

/**
 * What the middleware tells `resolveWrapperSettings()` about itself; everything else about its options
 * (the attribution, `onError`, unknown keys) is the SDK's, the same in every integration.
 */
export const MIDDLEWARE_SPEC = {
  integration: '@agentmeter/ai-sdk',
  error: AiSdkMeterError,
  options: { meterErrors: STANDARD_OPTIONS.meterErrors },
} as const;

/** The validated options, as the middleware uses them. */
export type MiddlewareSettings = ResolvedWrapperSettings<typeof MIDDLEWARE_SPEC.options>;

/**
 * Who a call is billed to: `providerOptions.agentmeter` wins over `meter.withContext()`, which wins
 * over the middleware's options. An invalid per-call value is reported through `onError` and ignored.
 */
export function resolveAttribution(settings: MiddlewareSettings, providerOptions: unknown): UsageAttribution {
  return callAttribution(settings, perCallOverrides(settings, providerOptions));
}

/** Where `providerOptions.agentmeter` is read from; `undefined` when the call has none (or a non-object, reported). */
function perCallOverrides(
  settings: MiddlewareSettings,
  providerOptions: unknown,
): AttributionOverrides | undefined {
  const perCall = (providerOptions as Record<string, unknown> | undefined)?.['agentmeter'];
  if (perCall === undefined) return undefined;
  const reject = (field: string, message: string) =>
    settings.onError(new AiSdkMeterError('invalid_provider_option', field, message));
  if (!isPlainObject(perCall)) {
    reject('providerOptions.agentmeter', expectedMessage('providerOptions.agentmeter', 'an object', perCall));
    return undefined;
  }
  return { source: perCall, keyPrefix: '', fieldPrefix: 'providerOptions.agentmeter.', reject };
}
