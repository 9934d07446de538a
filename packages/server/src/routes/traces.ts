import type { RequestContext, RouteDefinition } from '../app.js';
import { ingestEvents } from '../ingest.js';
import { attributionOf, hasUsage, NestingRule, roleOf, type SpanUsage, usageOf } from './traces-genai.js';
import { decodeRequest, encodeResponse, formatOf, inflate, type OtlpSpan } from './traces-otlp.js';

/** Largest request body, compressed or not, and largest once inflated. */
const MAX_BODY = 8 * 1024 * 1024;
const MAX_INFLATED = 32 * 1024 * 1024;
const RECENT_RESPONSE_IDS = 100_000;

/**
 * What a store's requests share (a collector sends a trace's spans in several batches): which spans have
 * a metered descendant, and which provider response ids were metered, by project. Kept in memory, per
 * store: replicas behind a load balancer should receive a trace's batches on one replica (the collector's
 * `loadbalancing` exporter, routing by trace id), or the rule falls back to each batch alone.
 */
interface TraceMemory {
  nesting: NestingRule;
  responses: Set<string>;
}
const memories = new WeakMap<object, TraceMemory>();

function memoryOf(store: object): TraceMemory {
  let memory = memories.get(store);
  if (!memory) {
    memory = { nesting: new NestingRule(), responses: new Set() };
    memories.set(store, memory);
  }
  return memory;
}

function rememberResponse(memory: TraceMemory, key: string): void {
  if (memory.responses.size >= RECENT_RESPONSE_IDS) {
    const oldest = memory.responses.values().next().value;
    if (oldest !== undefined) memory.responses.delete(oldest);
  }
  memory.responses.add(key);
}

/** The meter event of one model-call span; its id comes from the trace and span ids, so a re-sent export is a replay. */
function eventOf(span: OtlpSpan, usage: SpanUsage) {
  const event: Record<string, unknown> = {
    event_id: `otel:${span.traceId}:${span.spanId}`,
    ...Object.fromEntries(
      Object.entries(attributionOf(span, usage.operation)).filter(([, value]) => value !== undefined),
    ),
    tokens_input: usage.inputTokens,
    tokens_output: usage.outputTokens,
    provider: usage.provider,
    metadata: {
      'otel.trace_id': span.traceId,
      'otel.span_id': span.spanId,
      ...(usage.errorType ? { 'agentmeter.error_type': usage.errorType } : {}),
    },
  };
  if (Number.isFinite(span.endMs) && span.endMs > 0) event['timestamp'] = new Date(span.endMs).toISOString();
  if (usage.cachedInputTokens) event['tokens_cached_input'] = usage.cachedInputTokens;
  if (usage.cacheWriteTokens) event['tokens_cache_write'] = usage.cacheWriteTokens;
  if (usage.reasoningTokens) event['tokens_reasoning'] = usage.reasoningTokens;
  if (usage.model) event['model'] = usage.model;
  return event;
}

interface Call {
  span: OtlpSpan;
  usage: SpanUsage;
  responseKey: string | undefined;
}

function forget(memory: TraceMemory, projectId: string, call: Call): void {
  if (call.responseKey !== undefined) memory.responses.delete(call.responseKey);
  memory.nesting.forget(`${projectId}/${call.span.traceId}`, call.span.spanId);
}

/** The model-call spans of a batch to meter: calls with usage, innermost only, each provider response once. */
function callsToMeter(memory: TraceMemory, projectId: string, spans: OtlpSpan[]): Call[] {
  const skipped = memory.nesting.skipped(
    spans.map((span) => ({
      traceId: `${projectId}/${span.traceId}`,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      usage: hasUsage(span),
    })),
  );
  const calls: Call[] = [];
  for (const span of spans) {
    if (skipped.has(`${projectId}/${span.traceId}:${span.spanId}`) || roleOf(span) !== 'call') continue;
    const usage = usageOf(span);
    if (!usage) continue;
    if (usage.errorType && usage.inputTokens + usage.outputTokens === 0) continue;
    const responseKey = usage.responseId
      ? `${projectId}\u0000${usage.provider}\u0000${usage.responseId}`
      : undefined;
    if (responseKey !== undefined) {
      if (memory.responses.has(responseKey)) continue;
      rememberResponse(memory, responseKey);
    }
    // Decided here, synchronously, so a concurrent request of the same trace sees this call as metered;
    // undone (`forget`) when its event is not recorded after all.
    memory.nesting.metered(`${projectId}/${span.traceId}`, span.spanId);
    calls.push({ span, usage, responseKey });
  }
  return calls;
}

/**
 * `POST /v1/traces`: an OTLP/HTTP trace receiver, so an OpenTelemetry Collector's `otlphttp` exporter (or
 * any OTLP exporter) can point at agentmeter. Every span that reports model-call usage becomes one meter
 * event, priced as `/v1/meter` prices; other spans are accepted and ignored.
 */
const exportTraces: RouteDefinition = {
  operationId: 'exportTraces',
  scope: 'ingest',
  maxBodyBytes: MAX_BODY,
  rawBody: true,
  handler: async (context: RequestContext) => {
    const format = formatOf(context.header('content-type'));
    const body = inflate(context.body as Uint8Array, context.header('content-encoding'), MAX_INFLATED);
    const { spans, unreadable } = decodeRequest(body, format);
    const memory = memoryOf(context.store);
    const calls = callsToMeter(memory, context.projectId, spans);
    let results: Awaited<ReturnType<typeof ingestEvents>> = [];
    try {
      if (calls.length > 0) {
        results = await ingestEvents(
          {
            store: context.store,
            config: context.config,
            projectId: context.projectId,
            configVersion: context.configVersion,
            now: context.now,
          },
          calls.map(({ span, usage }) => eventOf(span, usage)),
          (_index, event) => event.event_id as string,
        );
      }
    } catch (error) {
      // Nothing was recorded (the store refused the write): the sender's retry must meter these calls.
      for (const call of calls) forget(memory, context.projectId, call);
      throw error;
    }
    const errors = new Map<string, number>();
    let rejected = unreadable;
    for (const [index, result] of results.entries()) {
      if (result.status !== 'rejected') continue;
      const call = calls[index];
      if (call) forget(memory, context.projectId, call);
      rejected++;
      const reason = `${result.error.code}: ${result.error.message}`;
      errors.set(reason, (errors.get(reason) ?? 0) + 1);
    }
    if (unreadable > 0) errors.set('invalid_span: no valid traceId or spanId', unreadable);
    const message = [...errors]
      .map(([reason, times]) => (times > 1 ? `${reason} (×${times})` : reason))
      .join('; ');
    const response = encodeResponse(format, rejected, message);
    return { status: 200, body: response.body, headers: response.headers };
  },
};

export const traceRoutes = [exportTraces];
