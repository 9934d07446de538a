import { NestingRule } from '@agentmeter/genai-spans';
import type { Meter } from '@agentmeter/sdk';
import { hasUniqueResponseId, type NormalizedUsage, onUsage, recordUsage } from '@agentmeter/sdk/integration';
import { type Context, type HrTime, propagation } from '@opentelemetry/api';
import { attributionOf, FIELDS, type StartScope } from './attribution.js';
import { checkMeter, type ResolvedProcessorOptions, resolveProcessorOptions } from './options.js';
import { nestingNodeOf, roleOf, type SpanView, usageOf } from './span-usage.js';
import type { AgentmeterSpanProcessorOptions, FinishedSpan, StartedSpan } from './types.js';

const RECENT_RESPONSE_IDS = 10_000;
/** Call spans the agentmeter layers metered, remembered: a span ends within moments of its call's event. */
const RECENT_LINKS = 10_000;

/** Instrumentation scopes already warned about, once per process: the warning is about the library, not a span. */
const warnedScopes = new Set<string>();

function warnUsageMissing(scope: string | undefined): void {
  const library = scope ?? 'an instrumentation that names no scope';
  if (warnedScopes.has(library)) return;
  warnedScopes.add(library);
  console.warn(
    `[agentmeter] AgentmeterSpanProcessor: ${library} traced a model call without its token usage ` +
      '(OpenLLMetry and OpenInference record none on streamed chat calls, and some embeddings spans carry no ' +
      'counts). Such calls are metered as usage_missing: charged the base fee only, their tokens are not ' +
      'billed. To bill them, meter the call with @agentmeter/openai / @agentmeter/anthropic withMeter (its ' +
      "exact counts are charged instead), or turn on the library's usage capture (OpenLLMetry's " +
      "enrichTokens is an estimate, not the provider's count). This warning is shown once per library.",
  );
}

interface Ended {
  view: SpanView;
  span: FinishedSpan;
  scope: StartScope | undefined;
}

const toMs = (time: HrTime) => time[0] * 1000 + time[1] / 1e6;

/** The SDK's scope carries a version; the `FinishedSpan` shape names only what every SDK version has. */
function versionOfScope(scope: { readonly name: string } | undefined): string | undefined {
  const version = (scope as { version?: unknown } | undefined)?.version;
  return typeof version === 'string' ? version : undefined;
}

/** The span as the GenAI span rules read it. */
export function viewOf(span: FinishedSpan): SpanView {
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
    scopeVersion: versionOfScope(span.instrumentationScope ?? span.instrumentationLibrary),
  };
}

/**
 * A span processor that meters the model calls other instrumentations trace (OpenLLMetry, OpenInference,
 * the Vercel AI SDK, the OpenTelemetry contrib instrumentations — anything writing `gen_ai.usage.*`,
 * `llm.token_count.*` or `ai.usage.*`): one meter event per model call.
 *
 * ```ts
 * new NodeSDK({ spanProcessors: [new AgentmeterSpanProcessor(meter)] });
 * ```
 *
 * Counted once: spans agentmeter made are ignored; agent, workflow, chain and tool spans are never metered;
 * a span whose descendant reports usage is a sum and is skipped (the innermost call is metered); a call a
 * provider wrapper (`@agentmeter/openai`, `@agentmeter/anthropic`) or another agentmeter layer already
 * metered is skipped: by its span (each layer names the span its call ran in), or by its response id when
 * that id cannot repeat (`chatcmpl-123` or Ollama's counting ids never merge two calls).
 *
 * A model-call span without usage (streamed calls under OpenLLMetry and OpenInference, embeddings without
 * counts) is still a call: it is metered as `usage_missing` (the base fee only), unless a span with usage
 * covers the same call, and the library is named in a warning, once per process.
 */
export class AgentmeterSpanProcessor {
  readonly #meter: Meter;
  readonly #options: ResolvedProcessorOptions;
  readonly #scopes = new WeakMap<object, StartScope>();
  readonly #nesting = new NestingRule();
  /** Unique response ids of calls metered in this process. */
  readonly #seen = new Set<string>();
  /** `traceId:spanId` of the spans that calls metered in this process ran in. */
  readonly #linked = new Set<string>();
  readonly #stopUsage: () => void;
  #ended: Ended[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(meter: Meter, options: AgentmeterSpanProcessorOptions = {}) {
    checkMeter(meter);
    this.#meter = meter;
    this.#options = resolveProcessorOptions(options);
    // Every call any agentmeter layer meters in this process: its response id when unique, and its span.
    this.#stopUsage = onUsage((usage) => this.#remember(usage));
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
    // A span an agentmeter layer metered counts as reporting usage: the spans above it are the same call
    // or sums. It claims nothing below it: a wrapper's span may be its caller's, with other calls inside.
    const linked = batch.map(({ view }) => this.#linked.has(`${view.traceId}:${view.spanId}`));
    const skipped = this.#nesting.skipped(
      batch.map(({ view }, index) => {
        const node = nestingNodeOf(view);
        return linked[index] ? { ...node, usage: true, call: false } : node;
      }),
    );
    for (const [index, ended] of batch.entries()) {
      try {
        if (linked[index]) continue;
        if (skipped.has(`${ended.view.traceId}:${ended.view.spanId}`)) continue;
        if (roleOf(ended.view) !== 'call') continue;
        const usage = usageOf(ended.view);
        if (!usage || !this.#shouldMeter(usage)) continue;
        const eventId = this.#record(ended, usage);
        this.#nesting.metered(ended.view.traceId, ended.view.spanId);
        if (eventId !== undefined && usage.usageMissing) warnUsageMissing(ended.view.scope);
      } catch (error) {
        this.#options.onError(error);
      }
    }
  }

  #shouldMeter(usage: NormalizedUsage): boolean {
    if (usage.errorType && usage.inputTokens + usage.outputTokens === 0 && !this.#options.meterErrors)
      return false;
    // An id that may repeat (a test server's constant id, Ollama's counter) says nothing about the call.
    return !hasUniqueResponseId(usage) || !this.#seen.has(usage.responseId as string);
  }

  #record({ view, span, scope }: Ended, usage: NormalizedUsage): string | undefined {
    const attribution = attributionOf(view, span, this.#options.map, scope, usage.operation);
    // The span's parent: a callback layer (LangChain) names the span its call started under, and the
    // SDK matches the two, one for one, when the call's own span is all this processor knows.
    if (view.parentSpanId) usage.parentSpanId = view.parentSpanId;
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
        { layer: 'spans' },
      );
    // The Meter context of where the span started also fills the event's metadata, as for a wrapped call.
    const eventId = scope?.context ? this.#meter.withContext(scope.context, record) : record();
    this.#remember(usage);
    return eventId;
  }

  #remember(usage: Pick<NormalizedUsage, 'responseId' | 'responseIdIsUnique' | 'traceId' | 'spanId'>): void {
    if (hasUniqueResponseId(usage)) rememberIn(this.#seen, usage.responseId as string, RECENT_RESPONSE_IDS);
    if (usage.traceId && usage.spanId)
      rememberIn(this.#linked, `${usage.traceId}:${usage.spanId}`, RECENT_LINKS);
  }
}

/** Adds `key` to a bounded set: past `limit`, the oldest key goes (a Set iterates in insertion order). */
function rememberIn(keys: Set<string>, key: string, limit: number): void {
  if (keys.has(key)) return;
  if (keys.size >= limit) {
    const oldest = keys.values().next().value;
    if (oldest !== undefined) keys.delete(oldest);
  }
  keys.add(key);
}
