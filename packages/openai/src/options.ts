import type { Meter } from '@agentmeter/sdk';
import type { PendingCalls } from './background.js';
import { describeValue, OpenAIMeterError } from './errors.js';
import type { WithMeterOptions } from './types.js';

/** The wrapper's settings once validated; shared by every proxy of one `withMeter()` call. */
export interface MeterConfig {
  meter: Meter;
  options: WithMeterOptions;
  captureContent: boolean;
  meterErrors: boolean;
  streamUsage: boolean;
  onError: (error: unknown) => void;
  /** Background responses still running, by response id (shared with `withOptions()` copies). */
  pending: PendingCalls;
}

/** The contract's `Identifier`: 1 to 128 characters, no control characters. */
function isIdentifier(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) return false;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
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

function invalid(field: string, expected: string, value: unknown): OpenAIMeterError {
  return new OpenAIMeterError(
    'invalid_option',
    field,
    `Expected \`${field}\` to be ${expected}, got ${describeValue(value)}.`,
  );
}

function checkIdentifier(options: Record<string, unknown>, field: string, required: boolean): void {
  const value = options[field];
  if (value === undefined && !required) return;
  if (!isIdentifier(value)) {
    throw invalid(field, 'a string of 1 to 128 characters without control characters', value);
  }
}

function checkBoolean(options: Record<string, unknown>, field: string): boolean | undefined {
  const value = options[field];
  if (value !== undefined && typeof value !== 'boolean') throw invalid(field, 'a boolean', value);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Validates `withMeter()`'s arguments eagerly, with messages naming the field. */
export function resolveConfig(client: unknown, meter: unknown, options: unknown): MeterConfig {
  if (typeof client !== 'object' || client === null) {
    throw new OpenAIMeterError(
      'invalid_argument',
      'client',
      `Expected \`client\` to be an OpenAI client, got ${describeValue(client)}.`,
    );
  }
  const candidate = meter as Partial<Meter> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.track !== 'function' ||
    typeof candidate.currentContext !== 'function'
  ) {
    throw new OpenAIMeterError(
      'invalid_argument',
      'meter',
      `Expected \`meter\` to be a Meter (with \`track\` and \`currentContext\`), got ${describeValue(meter)}.`,
    );
  }
  if (!isPlainObject(options)) throw invalid('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new OpenAIMeterError('invalid_option', key, `Unknown option \`${key}\`.`);
    }
  }
  checkIdentifier(options, 'agent_id', true);
  checkIdentifier(options, 'action', true);
  checkIdentifier(options, 'customer_id', false);
  checkIdentifier(options, 'tier', false);
  if (options['metadata'] !== undefined && !isPlainObject(options['metadata'])) {
    throw invalid('metadata', 'a plain object', options['metadata']);
  }
  const captureContent = checkBoolean(options, 'captureContent') ?? false;
  const meterErrors = checkBoolean(options, 'meterErrors') ?? false;
  const streamUsage = checkBoolean(options, 'streamUsage') ?? true;
  const onError = options['onError'];
  if (onError !== undefined && typeof onError !== 'function') throw invalid('onError', 'a function', onError);
  return {
    meter: candidate as Meter,
    options: { ...(options as unknown as WithMeterOptions) },
    captureContent,
    meterErrors,
    streamUsage,
    onError: (onError as MeterConfig['onError'] | undefined) ?? defaultOnError,
    pending: new Map(),
  };
}
