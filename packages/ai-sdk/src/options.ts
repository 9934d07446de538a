import type { Meter, UsageAttribution } from '@agentmeter/sdk';
import { AiSdkMeterError } from './errors.js';
import type { MeterMiddlewareOptions } from './types.js';

/** The validated options, as the middleware uses them. */
export interface MiddlewareSettings {
  meter: Meter;
  agentId: string;
  action: string;
  customerId: string | undefined;
  tier: string | undefined;
  metadata: Record<string, unknown> | undefined;
  onError: (error: unknown) => void;
}

// The contract's `Identifier` and `TierId` (openapi.yaml).
// biome-ignore lint/suspicious/noControlCharactersInRegex: the contract's Identifier excludes exactly these.
const IDENTIFIER = /^[^\u0000-\u001F\u007F]{1,128}$/u;
const TIER_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const MAX_METADATA_KEYS = 64;
const IDENTIFIER_EXPECTATION = 'a string of 1 to 128 characters without control characters';
const TIER_EXPECTATION = 'a tier id (lower-case letters, digits and `_.-`, up to 64 characters)';

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function invalid(
  code: 'invalid_option' | 'invalid_provider_option',
  field: string,
  expectation: string,
  value: unknown,
) {
  return new AiSdkMeterError(code, field, `Expected \`${field}\` to be ${expectation}, got ${show(value)}.`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function identifier(field: string, value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw invalid('invalid_option', field, IDENTIFIER_EXPECTATION, value);
  }
  return value;
}

function defaultOnError(error: unknown): void {
  console.error('[@agentmeter/ai-sdk] could not record a call:', error);
}

/** Validates `meterMiddleware()`'s arguments eagerly, with messages naming the failing field. */
export function resolveSettings(meter: unknown, options: unknown): MiddlewareSettings {
  const candidate = meter as Partial<Meter> | null | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.track !== 'function' ||
    typeof candidate.currentContext !== 'function'
  ) {
    throw new AiSdkMeterError(
      'invalid_meter',
      'meter',
      `Expected \`meter\` to be an agentmeter Meter (with \`track()\` and \`currentContext()\`), got ${show(meter)}.`,
    );
  }
  if (!isPlainObject(options)) {
    throw invalid('invalid_option', 'options', 'an object with `agent_id` and `action`', options);
  }
  const tier = options['tier'];
  if (tier !== undefined && (typeof tier !== 'string' || !TIER_ID.test(tier))) {
    throw invalid('invalid_option', 'tier', TIER_EXPECTATION, tier);
  }
  const metadata = options['metadata'];
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) throw invalid('invalid_option', 'metadata', 'a plain object', metadata);
    const keys = Object.keys(metadata).length;
    if (keys > MAX_METADATA_KEYS) {
      throw new AiSdkMeterError(
        'invalid_option',
        'metadata',
        `Expected \`metadata\` to have at most ${MAX_METADATA_KEYS} keys, got ${keys}.`,
      );
    }
  }
  const onError = options['onError'];
  if (onError !== undefined && typeof onError !== 'function') {
    throw invalid('invalid_option', 'onError', 'a function', onError);
  }
  return {
    meter: candidate as Meter,
    agentId: identifier('agent_id', options['agent_id'], true)!,
    action: identifier('action', options['action'], true)!,
    customerId: identifier('customer_id', options['customer_id'], false),
    tier: tier as string | undefined,
    metadata: metadata as Record<string, unknown> | undefined,
    onError: (onError as MeterMiddlewareOptions['onError']) ?? defaultOnError,
  };
}

const CALL_KEYS = ['agent_id', 'action', 'customer_id'] as const;

/**
 * Who a call is billed to: `providerOptions.agentmeter` wins over `meter.withContext()`, which wins
 * over the middleware's options. An invalid per-call value is reported through `onError` and ignored.
 */
export function resolveAttribution(settings: MiddlewareSettings, providerOptions: unknown): UsageAttribution {
  const context = settings.meter.currentContext();
  const attribution: UsageAttribution = {
    agent_id: context?.agent_id ?? settings.agentId,
    action: context?.action ?? settings.action,
  };
  const customerId = context?.customer_id ?? settings.customerId;
  if (customerId !== undefined) attribution.customer_id = customerId;
  if (settings.tier !== undefined) attribution.tier = settings.tier;
  if (settings.metadata !== undefined) attribution.metadata = { ...settings.metadata };
  const perCall = (providerOptions as Record<string, unknown> | undefined)?.['agentmeter'];
  if (perCall === undefined) return attribution;
  if (!isPlainObject(perCall)) {
    settings.onError(invalid('invalid_provider_option', 'providerOptions.agentmeter', 'an object', perCall));
    return attribution;
  }
  for (const key of CALL_KEYS) {
    const value = perCall[key];
    if (value === undefined) continue;
    if (typeof value === 'string' && IDENTIFIER.test(value)) attribution[key] = value;
    else {
      settings.onError(
        invalid(
          'invalid_provider_option',
          `providerOptions.agentmeter.${key}`,
          IDENTIFIER_EXPECTATION,
          value,
        ),
      );
    }
  }
  const tier = perCall['tier'];
  if (tier !== undefined) {
    if (typeof tier === 'string' && TIER_ID.test(tier)) attribution.tier = tier;
    else
      settings.onError(
        invalid('invalid_provider_option', 'providerOptions.agentmeter.tier', TIER_EXPECTATION, tier),
      );
  }
  return attribution;
}
