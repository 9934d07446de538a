import {
  callAttribution,
  type ResolvedWrapperSettings,
  STANDARD_OPTIONS,
  type UsageAttribution,
} from '@agentmeter/sdk/integration';
import { LangChainMeterError } from './errors.js';

/**
 * What the handler tells `resolveWrapperSettings()` about itself; everything else about its options
 * (the attribution, `onError`, unknown keys) is the SDK's, the same in every integration.
 */
export const HANDLER_SPEC = {
  integration: '@agentmeter/langchain',
  error: LangChainMeterError,
  options: { meterErrors: STANDARD_OPTIONS.meterErrors },
} as const;

/** The validated options, as the handler uses them. */
export type HandlerSettings = ResolvedWrapperSettings<typeof HANDLER_SPEC.options>;

/**
 * Who a run is billed to: run metadata (`agentmeter_tier`, …) wins over `meter.withContext()`,
 * which wins over the handler's options. An invalid run-metadata value is reported through
 * `onError` and ignored.
 */
export function resolveAttribution(
  settings: HandlerSettings,
  runMetadata: Record<string, unknown> | undefined,
): UsageAttribution {
  return callAttribution(
    settings,
    runMetadata && {
      source: runMetadata,
      keyPrefix: 'agentmeter_',
      fieldPrefix: 'metadata.',
      reject: (field, message) =>
        settings.onError(new LangChainMeterError('invalid_metadata', field, message)),
    },
  );
}
