import type { Meter } from '@agentmeter/sdk';
import {
  expectedMessage,
  isMeter,
  isPlainObject,
  validateAttributionOptions,
} from '@agentmeter/sdk/integration';
import { OpenAIMeterError } from './errors.js';
import type { WithMeterOptions } from './types.js';

/** The wrapper's settings once validated; shared by every proxy of one `withMeter()` call. */
export interface MeterConfig {
  meter: Meter;
  options: WithMeterOptions;
  captureContent: boolean;
  meterErrors: boolean;
  streamUsage: boolean;
  onError: (error: unknown) => void;
}

const KNOWN = new Set([
  'agent_id',
  'action',
  'customer_id',
  'tier',
  'metadata',
  'captureContent',
  'meterErrors',
  'streamUsage',
  'onError',
]);

function defaultOnError(error: unknown): void {
  console.error('[@agentmeter/openai] recording a call failed:', error);
}

function invalid(field: string, message: string): OpenAIMeterError {
  return new OpenAIMeterError('invalid_option', field, message);
}

function checkBoolean(options: Record<string, unknown>, field: string): boolean | undefined {
  const value = options[field];
  if (value !== undefined && typeof value !== 'boolean') {
    throw invalid(field, expectedMessage(field, 'a boolean', value));
  }
  return value;
}

/** Validates `withMeter()`'s arguments eagerly, with messages naming the field. */
export function resolveConfig(client: unknown, meter: unknown, options: unknown): MeterConfig {
  if (typeof client !== 'object' || client === null) {
    throw new OpenAIMeterError(
      'invalid_argument',
      'client',
      expectedMessage('client', 'an OpenAI client', client),
    );
  }
  if (!isMeter(meter)) {
    throw new OpenAIMeterError(
      'invalid_argument',
      'meter',
      expectedMessage('meter', 'a Meter (with `track` and `currentContext`)', meter),
    );
  }
  if (!isPlainObject(options)) throw invalid('options', expectedMessage('options', 'an object', options));
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new OpenAIMeterError('invalid_option', key, `Unknown option \`${key}\`.`);
    }
  }
  const { onError } = validateAttributionOptions(options, invalid);
  const captureContent = checkBoolean(options, 'captureContent') ?? false;
  const meterErrors = checkBoolean(options, 'meterErrors') ?? false;
  const streamUsage = checkBoolean(options, 'streamUsage') ?? true;
  return {
    meter,
    options: { ...(options as unknown as WithMeterOptions) },
    captureContent,
    meterErrors,
    streamUsage,
    onError: onError ?? defaultOnError,
  };
}
