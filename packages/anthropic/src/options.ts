import type { Meter } from '@agentmeter/sdk';
import { AnthropicMeterError } from './errors.js';
import type { WithMeterOptions } from './types.js';

/** The validated options, as the metering code uses them. */
export interface MeterSettings {
  meter: Meter;
  agentId: string;
  action: string;
  customerId: string | undefined;
  tier: string | undefined;
  metadata: Record<string, unknown> | undefined;
  captureContent: boolean;
  meterErrors: boolean;
  onError: (error: unknown) => void;
}

// The contract's `Identifier` and `TierId` (openapi.yaml).
function isIdentifier(value: string): boolean {
  let length = 0;
  for (const character of value) {
    const code = character.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) return false;
    length++;
  }
  return length >= 1 && length <= 128;
}
const TIER_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const MAX_METADATA_KEYS = 64;

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function invalid(field: string, expectation: string, value: unknown): AnthropicMeterError {
  return new AnthropicMeterError(
    'invalid_option',
    field,
    `Expected \`${field}\` to be ${expectation}, got ${show(value)}.`,
  );
}

function identifier(field: string, value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !isIdentifier(value)) {
    throw invalid(field, 'a string of 1 to 128 characters without control characters', value);
  }
  return value;
}

function flag(field: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(field, 'a boolean', value);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function defaultOnError(error: unknown): void {
  console.error('[@agentmeter/anthropic] could not record a call:', error);
}

/** Validates `withMeter()`'s arguments eagerly, with messages naming the failing field. */
export function resolveSettings(meter: unknown, options: unknown): MeterSettings {
  const candidate = meter as Partial<Meter> | null | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.track !== 'function' ||
    typeof candidate.currentContext !== 'function'
  ) {
    throw new AnthropicMeterError(
      'invalid_meter',
      'meter',
      `Expected \`meter\` to be an agentmeter Meter (with \`track()\` and \`currentContext()\`), got ${show(meter)}.`,
    );
  }
  if (!isPlainObject(options)) throw invalid('options', 'an object with `agent_id` and `action`', options);
  const tier = options['tier'];
  if (tier !== undefined && (typeof tier !== 'string' || !TIER_ID.test(tier))) {
    throw invalid('tier', 'a tier id (lower-case letters, digits and `_.-`, up to 64 characters)', tier);
  }
  const metadata = options['metadata'];
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) throw invalid('metadata', 'a plain object', metadata);
    const keys = Object.keys(metadata).length;
    if (keys > MAX_METADATA_KEYS) {
      throw new AnthropicMeterError(
        'invalid_option',
        'metadata',
        `Expected \`metadata\` to have at most ${MAX_METADATA_KEYS} keys, got ${keys}.`,
      );
    }
  }
  const onError = options['onError'];
  if (onError !== undefined && typeof onError !== 'function') throw invalid('onError', 'a function', onError);
  return {
    meter: candidate as Meter,
    agentId: identifier('agent_id', options['agent_id'], true)!,
    action: identifier('action', options['action'], true)!,
    customerId: identifier('customer_id', options['customer_id'], false),
    tier: tier as string | undefined,
    metadata: metadata as Record<string, unknown> | undefined,
    captureContent: flag('captureContent', options['captureContent']),
    meterErrors: flag('meterErrors', options['meterErrors']),
    onError: (onError as WithMeterOptions['onError']) ?? defaultOnError,
  };
}
