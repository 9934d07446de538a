import {
  applyAttributionOverrides,
  baseAttribution,
  type ResolvedWrapperSettings,
  resolveWrapperSettings,
  STANDARD_OPTIONS,
  type UsageAttribution,
} from '@agentmeter/sdk/integration';
import { LangChainMeterError } from './errors.js';

const OPTIONS = { meterErrors: STANDARD_OPTIONS.meterErrors } as const;

/** The validated options, as the handler uses them. */
export type HandlerSettings = ResolvedWrapperSettings<typeof OPTIONS>;

/** Validates the handler's arguments eagerly, with messages naming the failing field. */
export function resolveSettings(meter: unknown, options: unknown): HandlerSettings {
  return resolveWrapperSettings(meter, options, {
    integration: '@agentmeter/langchain',
    error: LangChainMeterError,
    options: OPTIONS,
  });
}

/**
 * Who a run is billed to: run metadata wins over `meter.withContext()`, which wins over the
 * handler's options. An invalid run-metadata value is reported through `onError` and ignored.
 */
export function resolveAttribution(
  settings: HandlerSettings,
  runMetadata: Record<string, unknown> | undefined,
): UsageAttribution {
  const attribution = baseAttribution(settings);
  if (!runMetadata) return attribution;
  applyAttributionOverrides(attribution, {
    source: runMetadata,
    keyPrefix: 'agentmeter_',
    fieldPrefix: 'metadata.',
    reject: (field, message) => settings.onError(new LangChainMeterError('invalid_metadata', field, message)),
  });
  return attribution;
}
