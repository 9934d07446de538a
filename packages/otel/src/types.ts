import type {
  Attributes,
  HrTime,
  MeterProvider,
  SpanContext,
  SpanKind,
  SpanStatus,
  TracerProvider,
} from '@opentelemetry/api';
import type { SemconvVersion } from './stability.js';

export type { SemconvVersion };

/** Options of `instrumentMeter(meter, options)`. */
export interface InstrumentMeterOptions {
  /** Where the spans go. Default: the global tracer provider (a no-op until an SDK registers one). */
  tracerProvider?: TracerProvider;
  /** Where the metrics go. Default: the global meter provider, looked up again on each call until one is registered. */
  meterProvider?: MeterProvider;
  /**
   * How long a call's span stays open waiting for the server's price, in ms; after it the span ends without
   * one (`agentmeter.price.status: unpriced`) and a late price arrives as a child `agentmeter.charge` span.
   * Default: 20000 (the Meter's default flush interval plus one request timeout, with a margin).
   */
  priceWaitMs?: number;
  /** Most spans waiting for a price at once; past it the oldest ends unpriced. Default: 10000. */
  maxPendingSpans?: number;
  /** GenAI convention version to emit. Default: `latest` when env `OTEL_SEMCONV_STABILITY_OPT_IN` lists `gen_ai_latest_experimental`, else `v1.41`. */
  semconv?: SemconvVersion;
}

/** What `instrumentMeter()` returns. */
export interface MeterInstrumentation {
  /** Flushes the Meter (so prices arrive), then ends every span still waiting for a price. */
  flush(): Promise<void>;
  /** `flush()`, then stops observing the Meter. Idempotent. */
  shutdown(): Promise<void>;
}

/** The parts of a finished span the span processor reads (what the SDK's `ReadableSpan` provides). */
export interface FinishedSpan {
  readonly name: string;
  readonly kind: SpanKind;
  spanContext(): SpanContext;
  /** SDK 2 and 3. */
  readonly parentSpanContext?: SpanContext | undefined;
  /** SDK 1.x. */
  readonly parentSpanId?: string | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly resource?: { readonly attributes: Attributes } | undefined;
  /** SDK 2 and 3. */
  readonly instrumentationScope?: { readonly name: string } | undefined;
  /** SDK 1.x. */
  readonly instrumentationLibrary?: { readonly name: string } | undefined;
}

/** A span as the processor sees it in `onStart` (only its context is read). */
export interface StartedSpan {
  spanContext(): SpanContext;
}

/**
 * Where one attribution field comes from: attribute keys, tried in order on the span and then on its
 * resource, or a function of the finished span.
 */
export type AttributeSource = string | readonly string[] | ((span: FinishedSpan) => string | undefined);

/** How finished spans are attributed. Each field falls back as documented on `AgentmeterSpanProcessorOptions.map`. */
export interface SpanAttributionMap {
  agent_id?: AttributeSource;
  action?: AttributeSource;
  customer_id?: AttributeSource;
}

/** Options of `new AgentmeterSpanProcessor(meter, options)`. */
export interface AgentmeterSpanProcessorOptions {
  /**
   * Attribution of each metered span. Each field is the first value found in: the source given here
   * (keys on the span, then its resource); the `meter.withContext()` active where the span started;
   * the `agentmeter.*` baggage entry where it started. Defaults: `agent_id` ← `agentmeter.agent_id`,
   * `gen_ai.agent.name`, then the resource's `service.name`; `action` ← `agentmeter.action`, then
   * `gen_ai.operation.name`; `customer_id` ← `agentmeter.customer_id`.
   */
  map?: SpanAttributionMap;
  /** Meter spans that ended in error and report no tokens (a zero-token event, charged the base fee). Default: false. */
  meterErrors?: boolean;
  /**
   * How long a finished span waits before it is decided, in ms, so an enclosing span that ends just after
   * its child and provider wrappers that record a call right after the span ends are seen first. Default: 50.
   */
  settleMs?: number;
  /** Called when metering a span throws (the span and the app are never affected). Default: `console.error`. */
  onError?: (error: unknown) => void;
}
