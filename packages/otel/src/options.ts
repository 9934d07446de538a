import type { Meter } from '@agentmeter/sdk';
import { expectedMessage, isPlainObject, unknownOptionMessage } from '@agentmeter/sdk/integration';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { invalidOption, OtelMeterError } from './errors.js';
import { type SemconvVersion, semconvFromEnv } from './stability.js';
import type { AgentmeterSpanProcessorOptions, SpanAttributionMap } from './types.js';

export interface ResolvedInstrumentOptions {
  tracerProvider: TracerProvider | undefined;
  meterProvider: MeterProvider | undefined;
  priceWaitMs: number;
  maxPendingSpans: number;
  semconv: SemconvVersion;
}

/** Refuses a key `known` lacks, naming the one most likely meant; `prefix` names a nested object (`map.`). */
function checkKnown(options: Record<string, unknown>, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const message = unknownOptionMessage(
      `${prefix}${key}`,
      known.map((name) => `${prefix}${name}`),
    );
    throw new OtelMeterError('invalid_option', `${prefix}${key}`, message);
  }
}

function integer(options: Record<string, unknown>, field: string, fallback: number, min: number): number {
  const value = options[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalidOption(field, min === 0 ? 'a non-negative integer' : 'a positive integer', value);
  }
  return value;
}

/** The span processor also subscribes to the Meter's events, so it needs `on()` too. */
const OTEL_METER_EXPECTATION = 'an agentmeter Meter (with `track()`, `on()` and `currentContext()`)';

export function checkMeter(meter: unknown): asserts meter is Meter {
  const candidate = meter as Partial<Meter> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.track !== 'function' ||
    typeof candidate.on !== 'function' ||
    typeof candidate.currentContext !== 'function'
  ) {
    throw new OtelMeterError(
      'invalid_meter',
      'meter',
      expectedMessage('meter', OTEL_METER_EXPECTATION, meter),
    );
  }
}

export function resolveInstrumentOptions(options: unknown): ResolvedInstrumentOptions {
  if (!isPlainObject(options)) throw invalidOption('options', 'an object', options);
  checkKnown(options, ['tracerProvider', 'meterProvider', 'priceWaitMs', 'maxPendingSpans', 'semconv']);
  const { tracerProvider, meterProvider, semconv } = options;
  if (tracerProvider !== undefined && typeof (tracerProvider as TracerProvider)?.getTracer !== 'function') {
    throw invalidOption('tracerProvider', 'a TracerProvider (with getTracer)', tracerProvider);
  }
  if (meterProvider !== undefined && typeof (meterProvider as MeterProvider)?.getMeter !== 'function') {
    throw invalidOption('meterProvider', 'a MeterProvider (with getMeter)', meterProvider);
  }
  if (semconv !== undefined && semconv !== 'v1.41' && semconv !== 'latest') {
    throw invalidOption('semconv', "'v1.41' or 'latest'", semconv);
  }
  return {
    tracerProvider: tracerProvider as TracerProvider | undefined,
    meterProvider: meterProvider as MeterProvider | undefined,
    priceWaitMs: integer(options, 'priceWaitMs', 20_000, 0),
    maxPendingSpans: integer(options, 'maxPendingSpans', 10_000, 1),
    semconv: (semconv as SemconvVersion | undefined) ?? semconvFromEnv(),
  };
}

export interface ResolvedProcessorOptions {
  map: SpanAttributionMap;
  meterErrors: boolean;
  settleMs: number;
  onError: (error: unknown) => void;
}

function checkSource(field: string, value: unknown): void {
  if (value === undefined || typeof value === 'function') return;
  const keys = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string' || key.length === 0)) {
    throw invalidOption(field, 'an attribute key, an array of keys, or a function of the span', value);
  }
}

export function resolveProcessorOptions(options: unknown): ResolvedProcessorOptions {
  if (!isPlainObject(options)) throw invalidOption('options', 'an object', options);
  checkKnown(options, ['map', 'meterErrors', 'settleMs', 'onError']);
  const { map = {}, meterErrors = false, onError } = options as AgentmeterSpanProcessorOptions;
  if (!isPlainObject(map)) throw invalidOption('map', 'an object', map);
  checkKnown(map, ['agent_id', 'action', 'customer_id'], 'map.');
  for (const field of ['agent_id', 'action', 'customer_id'] as const) checkSource(`map.${field}`, map[field]);
  if (typeof meterErrors !== 'boolean') throw invalidOption('meterErrors', 'a boolean', meterErrors);
  if (onError !== undefined && typeof onError !== 'function')
    throw invalidOption('onError', 'a function', onError);
  return {
    map,
    meterErrors,
    settleMs: integer(options, 'settleMs', 50, 0),
    onError: onError ?? ((error) => console.error('[agentmeter] span processor:', error)),
  };
}
