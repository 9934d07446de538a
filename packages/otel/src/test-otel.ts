// Test-only (not built, not exported): the real OpenTelemetry SDK, in memory — a tracer provider with an
// InMemorySpanExporter, a meter provider whose reader the test collects, and the AsyncLocalStorage
// context manager so parents propagate as in an application.

import { createTestMeter, type TestMeterOptions } from '@agentmeter/sdk/testing';
import { type Attributes, context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import * as sdkTrace from '@opentelemetry/sdk-trace-base';
import {
  type BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { instrumentMeter } from './instrument-meter.js';
import type { InstrumentMeterOptions } from './types.js';

/**
 * Whether the tracing SDK is SDK 2's @opentelemetry/sdk-trace-base. SDK 3's tracing SDK is
 * @opentelemetry/sdk-trace (the SDK 3 lane answers @opentelemetry/sdk-trace-base with it): its tracer
 * provider is `TracerProvider` (same options as `BasicTracerProvider`), and its span processors take an
 * options object (`{ exporter }`) instead of the exporter.
 */
const SDK_2 = 'BasicTracerProvider' in sdkTrace;

/** The tracing SDK's tracer provider class. */
export const SdkTracerProvider: typeof BasicTracerProvider = SDK_2
  ? sdkTrace.BasicTracerProvider
  : (sdkTrace as unknown as { TracerProvider: typeof BasicTracerProvider }).TracerProvider;

/** The tracing SDK's simple span processor exporting to `exporter`. */
export function simpleSpanProcessor(exporter: SpanExporter): SpanProcessor {
  return SDK_2
    ? new SimpleSpanProcessor(exporter)
    : new (SimpleSpanProcessor as unknown as new (options: { exporter: SpanExporter }) => SpanProcessor)({
        exporter,
      });
}

class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface OtelHarness {
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  exporter: InMemorySpanExporter;
  spans(): ReadableSpan[];
  /** Every metric, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  shutdown(): Promise<void>;
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/** Installs the AsyncLocalStorage context manager once for the test file (as an SDK's `register()` does). */
export function useContextManager(): void {
  if (contextManager) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

export function otelHarness(
  extraProcessors: SpanProcessor[] = [],
  resource: Attributes = { 'service.name': 'support-bot' },
): OtelHarness {
  useContextManager();
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new SdkTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [...extraProcessors, simpleSpanProcessor(exporter)],
  });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    async metrics() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      }
      return byName;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The test's cleanups, run (and emptied) after each test by the file's `useProviderMock()`. */
export type Cleanups = (() => Promise<void> | void)[];

/**
 * For a test file whose calls go to a provider mocked by `server` (msw): it listens during the
 * file's tests (refusing requests it has no handler for) and its handlers are reset after each
 * test, as are the returned cleanups run.
 */
export function useProviderMock(server: {
  listen(options: { onUnhandledRequest: 'error' }): void;
  resetHandlers(): void;
  close(): void;
}): Cleanups {
  const cleanups: Cleanups = [];
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(async () => {
    server.resetHandlers();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  afterAll(() => server.close());
  return cleanups;
}

/**
 * A test Meter priced by `tier`, instrumented (`instrumentMeter()` with `options`) on a new harness's
 * tracer and meter providers; `cleanups` gets the shutdown of the instrumentation and of the harness,
 * for the file's `afterEach` to run.
 */
export function instrumentedTestMeter(
  tier: TestMeterOptions['tier'],
  options: Omit<InstrumentMeterOptions, 'tracerProvider' | 'meterProvider'>,
  cleanups: Cleanups,
) {
  const otel = otelHarness();
  const meter = createTestMeter({ tier });
  const instrumentation = instrumentMeter(meter, {
    tracerProvider: otel.tracerProvider,
    meterProvider: otel.meterProvider,
    ...options,
  });
  cleanups.push(async () => {
    await instrumentation.shutdown();
    await otel.shutdown();
  });
  return { otel, meter, instrumentation };
}

/**
 * What the span of a call charged `price` says of its price: charged in USD at the `default` tier,
 * no outcome reported yet. Every test of a whole span's attributes spreads it into its expectation.
 */
export function chargedSpanAttributes(price: {
  total: string;
  base: string;
  tokens: string;
  outcome: string;
}): Attributes {
  return {
    'agentmeter.outcome.status': 'none',
    'agentmeter.price.total': price.total,
    'agentmeter.price.base': price.base,
    'agentmeter.price.tokens': price.tokens,
    'agentmeter.price.outcome': price.outcome,
    'agentmeter.price.status': 'charged',
    'agentmeter.currency': 'USD',
    'agentmeter.tier': 'default',
  };
}

/** The data points of a metric as `{attributes, value}`, sorted for stable comparison. */
export function points(metric: MetricData | undefined): { attributes: Attributes; value: unknown }[] {
  if (!metric) return [];
  return (metric.dataPoints as DataPoint<unknown>[])
    .map((point) => ({ attributes: point.attributes, value: point.value }))
    .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
}

/** A histogram point's boundaries, count and sum. */
export function histogram(value: unknown): { boundaries: number[]; count: number; sum: number | undefined } {
  const point = value as Histogram;
  return { boundaries: point.buckets.boundaries, count: point.count, sum: point.sum };
}

/** Every string value of every attribute of every span (events included), for "nothing secret" checks. */
export function everyValue(spans: ReadableSpan[]): string[] {
  const values: string[] = [];
  const add = (attributes: Attributes | undefined) => {
    for (const [key, value] of Object.entries(attributes ?? {}))
      values.push(`${key}=${JSON.stringify(value)}`);
  };
  for (const span of spans) {
    values.push(span.name);
    add(span.attributes);
    add(span.resource.attributes);
    for (const event of span.events) add(event.attributes);
  }
  return values;
}
