import { type Meter, type NormalizedUsage, onUsage, recordUsage } from '@agentmeter/sdk';
import { type Context, type HrTime, propagation } from '@opentelemetry/api';
import { attributionOf, FIELDS, type StartScope } from './attribution.js';
import { NestingRule } from './nesting.js';
import { checkMeter, type ResolvedProcessorOptions, resolveProcessorOptions } from './options.js';
import { hasUsage, roleOf, type SpanView, usageOf } from './span-usage.js';
import type { AgentMeterSpanProcessorOptions, FinishedSpan, StartedSpan } from './types.js';

const RECENT_RESPONSE_IDS = 10_000;

interface Ended {
  view: SpanView;
  span: FinishedSpan;
  scope: StartScope | undefined;
}

const toMs = (time: HrTime) => time[0] * 1000 + time[1] / 1e6;

function viewOf(span: FinishedSpan): SpanView {
  const context = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? span.parentSpanId,
    startMs: toMs(span.startTime),
    endMs: toMs(span.endTime),
    statusCode: span.status.code,
    attributes: span.attributes,
    resource: span.resource?.attributes ?? {},
    scope: span.instrumentationScope?.name ?? span.instrumentationLibrary?.name,
  };
}

/**
 * A span processor that meters the model calls other instrumentations trace (OpenLLMetry, OpenInference,
 * the Vercel AI SDK, the OpenTelemetry contrib instrumentations — anything writing `gen_ai.usage.*`,
 * `llm.token_count.*` or `ai.usage.*`): one meter event per model call.
 *
 * ```ts
 * new NodeSDK({ spanProcessors: [new AgentMeterSpanProcessor(meter)] });
 * ```
 *
 * Counted once: spans agentmeter made are ignored; agent, workflow, chain and tool spans are never metered;
 * a span whose descendant reports usage is a sum and is skipped (the innermost call is metered); a call a
 * provider wrapper (`@agentmeter/openai`, `@agentmeter/anthropic`) or another agentmeter layer already
 * metered is skipped by its response id.
 */
export class AgentMeterSpanProcessor {
  readonly #meter: Meter;
  readonly #options: ResolvedProcessorOptions;
  readonly #scopes = new WeakMap<object, StartScope>();
  readonly #nesting = new NestingRule();
  readonly #seen = new Set<string>();
  readonly #stopUsage: () => void;
  #ended: Ended[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(meter: Meter, options: AgentMeterSpanProcessorOptions = {}) {
    checkMeter(meter);
    this.#meter = meter;
    this.#options = resolveProcessorOptions(options);
    // Every call any agentmeter layer meters in this process, by response id.
    this.#stopUsage = onUsage((usage) => this.#remember(usage.responseId));
  }

  onStart(span: StartedSpan, parentContext: Context): void {
    if (this.#stopped) return;
    try {
      const context = this.#meter.currentContext();
      const entries = propagation.getBaggage(parentContext);
      const baggage: StartScope['baggage'] = {};
      for (const field of FIELDS) {
        const value = entries?.getEntry(`agentmeter.${field}`)?.value;
        if (value) baggage[field] = value;
      }
      if (context || Object.keys(baggage).length > 0) this.#scopes.set(span, { context, baggage });
    } catch (error) {
      this.#options.onError(error);
    }
  }

  onEnd(span: FinishedSpan): void {
    if (this.#stopped) return;
    try {
      this.#ended.push({ view: viewOf(span), span, scope: this.#scopes.get(span) });
      if (this.#timer === undefined) {
        this.#timer = setTimeout(() => this.#decide(), this.#options.settleMs);
        (this.#timer as { unref?: () => void }).unref?.();
      }
    } catch (error) {
      this.#options.onError(error);
    }
  }

  /** Decides every span ended so far and hands their events to the Meter, then flushes it. */
  async forceFlush(): Promise<void> {
    this.#decide();
    await this.#meter.flush();
  }

  /** `forceFlush()`, then stops. The Meter stays open: it is yours to shut down. */
  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    await this.forceFlush();
    this.#stopped = true;
    this.#stopUsage();
  }

  #decide(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#ended;
    this.#ended = [];
    if (batch.length === 0) return;
    const skipped = this.#nesting.skipped(
      batch.map(({ view }) => ({
        traceId: view.traceId,
        spanId: view.spanId,
        parentSpanId: view.parentSpanId,
        usage: hasUsage(view),
      })),
    );
    for (const ended of batch) {
      try {
        if (skipped.has(`${ended.view.traceId}:${ended.view.spanId}`)) continue;
        if (roleOf(ended.view) !== 'call') continue;
        const usage = usageOf(ended.view);
        if (!usage || !this.#shouldMeter(usage)) continue;
        this.#record(ended, usage);
        this.#nesting.metered(ended.view.traceId, ended.view.spanId);
      } catch (error) {
        this.#options.onError(error);
      }
    }
  }

  #shouldMeter(usage: NormalizedUsage): boolean {
    if (usage.errorType && usage.inputTokens + usage.outputTokens === 0 && !this.#options.meterErrors)
      return false;
    return usage.responseId === undefined || !this.#seen.has(usage.responseId);
  }

  #record({ view, span, scope }: Ended, usage: NormalizedUsage): void {
    const attribution = attributionOf(view, span, this.#options.map, scope, usage.operation);
    const record = () =>
      recordUsage(
        this.#meter,
        usage,
        {
          agent_id: attribution.agent_id,
          action: attribution.action,
          ...(attribution.customer_id ? { customer_id: attribution.customer_id } : {}),
          metadata: { 'otel.trace_id': view.traceId, 'otel.span_id': view.spanId },
        },
        { layer: 'framework' },
      );
    // The Meter context of where the span started also fills the event's metadata, as for a wrapped call.
    if (scope?.context) this.#meter.withContext(scope.context, record);
    else record();
    this.#remember(usage.responseId);
  }

  #remember(responseId: string | undefined): void {
    if (!responseId || this.#seen.has(responseId)) return;
    if (this.#seen.size >= RECENT_RESPONSE_IDS) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#seen.add(responseId);
  }
}
