import {
  expectedMessage,
  type ResolvedWrapperSettings,
  resolveWrapperSettings,
  STANDARD_OPTIONS,
} from '@agentmeter/sdk/integration';
import { OpenAIMeterError } from './errors.js';

const OPTIONS = {
  captureContent: STANDARD_OPTIONS.captureContent,
  meterErrors: STANDARD_OPTIONS.meterErrors,
  streamUsage: { kind: 'boolean', default: true },
} as const;

/** The wrapper's settings once validated; shared by every proxy of one `withMeter()` call. */
export type MeterConfig = ResolvedWrapperSettings<typeof OPTIONS>;

/** Validates `withMeter()`'s arguments eagerly, with messages naming the field. */
export function resolveConfig(client: unknown, meter: unknown, options: unknown): MeterConfig {
  if (typeof client !== 'object' || client === null) {
    throw new OpenAIMeterError(
      'invalid_client',
      'client',
      expectedMessage('client', 'an OpenAI client', client),
    );
  }
  return resolveWrapperSettings(meter, options, {
    integration: '@agentmeter/openai',
    error: OpenAIMeterError,
    options: OPTIONS,
  });
}
