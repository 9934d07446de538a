import {
  type ResolvedWrapperSettings,
  resolveWrapperSettings,
  STANDARD_OPTIONS,
} from '@agentmeter/sdk/integration';
import { AnthropicMeterError } from './errors.js';

const OPTIONS = {
  captureContent: STANDARD_OPTIONS.captureContent,
  meterErrors: STANDARD_OPTIONS.meterErrors,
} as const;

/** The validated options, as the metering code uses them. */
export type MeterSettings = ResolvedWrapperSettings<typeof OPTIONS>;

/** Validates `withMeter()`'s arguments eagerly, with messages naming the failing field. */
export function resolveSettings(meter: unknown, options: unknown): MeterSettings {
  return resolveWrapperSettings(meter, options, {
    integration: '@agentmeter/anthropic',
    error: AnthropicMeterError,
    options: OPTIONS,
  });
}
