import {
  type NestingNode,
  NestingRule,
  nestingNodeOf,
  roleOf,
  type SpanUsage,
  usageOf,
} from '@agentmeter/genai-spans';
import type { RequestContext, RouteDefinition } from '../app.js';
import { isUniqueResponseId } from '../call-links.js';
import { type IngestResult, ingestEvents } from '../ingest.js';
import { attributionOf } from './traces-genai.js';
import {
  decodeRequest,
  encodeResponse,
  formatOf,
  inflate,
  MAX_SPANS_PER_EXPORT,
  type OtlpSpan,
  Slicer,
} from './traces-otlp.js';

/** Largest request body, compressed or not, and largest once inflated. */
const MAX_BODY = 8 * 1024 * 1024;
const MAX_INFLATED = 32 * 1024 * 1024;
/**
 * Largest OTLP/JSON body once inflated. `JSON.parse` reads a body in one go, holding the event loop
 * (about 10 ms a MiB), so JSON bodies are kept small; larger batches go as protobuf, which is read a
 * span at a time.
 */
const MAX_JSON_INFLATED = 4 * 1024 * 1024;
/**
 * Events per store write: each write is one transaction (on SQLite, one that holds the event loop while
 * it prices and inserts), so a large export is recorded in several, the loop given back in between.
 */
const EVENTS_PER_WRITE = 250;
/**
 * Bounds of the trace memory (below). Each of a project's sets and maps keeps at most `projectKeys` keys,
 * so one project's traffic, however large, only ever pushes out its own; the projects remembered hold at
 * most `totalKeys` in all (about 250 bytes a key), the least recently used project forgotten first; and
 * at most `maxProjects` projects are remembered.
 */
export interface TraceMemoryLimits {
  projectKeys: number;
  totalKeys: number;
  maxProjects: number;
}
const LIMITS: TraceMemoryLimits = { projectKeys: 100_000, totalKeys: 1_000_000, maxProjects: 1_000 };

/**
 * What a project's requests share (a collector sends a trace's spans in several batches): which spans
 * have a metered descendant, and which were metered or skipped. Kept in memory, per store and project:
 * replicas behind a load balancer should receive a trace's batches on one replica (the collector's
 * `loadbalancing` exporter, routing by trace id), or the rule falls back to each batch alone. Which
 * calls are charged already (by a span's ids or its provider response id, from any export, replica or
 * `/v1/meter`) is not kept here but in the database, with each charge (see call-links.ts).
 */
export interface TraceMemory {
  nesting: NestingRule;
  /**
   * Model-call spans the nesting rule skipped (a sum over calls, or under a call metered before). The
   * rule's memory of a span is spent when the span is decided, so a span sent again (a retry after a
   * 503, or an export resent after a timeout, alone or with other spans) is skipped from here.
   */
  skipped: Set<string>;
  /** Settles when the request deciding now is done: a project's requests decide one after the other. */
  turn: Promise<void>;
  /** Requests using this memory now: it is never forgotten while one is. */
  users: number;
  /** Keys kept at most by each of `skipped` and the nesting rule's maps. */
  capacity: number;
}

/** The trace memories of one store's projects, least recently used first. */
export class TraceMemories {
  readonly #byProject = new Map<string, TraceMemory>();

  constructor(readonly limits: TraceMemoryLimits = LIMITS) {}

  /** The project's memory, for one request: `release` it when the request is done. */
  take(projectId: string): TraceMemory {
    let memory = this.#byProject.get(projectId);
    if (memory) this.#byProject.delete(projectId);
    else {
      memory = {
        nesting: new NestingRule(this.limits.projectKeys),
        skipped: new Set(),
        turn: Promise.resolve(),
        users: 0,
        capacity: this.limits.projectKeys,
      };
    }
    this.#byProject.set(projectId, memory);
    memory.users++;
    this.#trim();
    return memory;
  }

  release(memory: TraceMemory): void {
    memory.users--;
    this.#trim();
  }

  /** The projects remembered, least recently used first. */
  projects(): string[] {
    return [...this.#byProject.keys()];
  }

  /** Forgets the least recently used projects not in use while over a bound. */
  #trim(): void {
    let keys = 0;
    for (const memory of this.#byProject.values()) keys += sizeOf(memory);
    for (const [projectId, memory] of this.#byProject) {
      if (this.#byProject.size <= this.limits.maxProjects && keys <= this.limits.totalKeys) return;
      if (memory.users > 0) continue;
      this.#byProject.delete(projectId);
      keys -= sizeOf(memory);
    }
  }
}

const sizeOf = (memory: TraceMemory) => memory.nesting.size + memory.skipped.size;

const memories = new WeakMap<object, TraceMemories>();

/** The trace memories of a store's projects. */
export function traceMemoriesOf(store: object): TraceMemories {
  let found = memories.get(store);
  if (!found) {
    found = new TraceMemories();
    memories.set(store, found);
  }
  return found;
}

/**
 * Runs `decide` once every request that came before has decided: a request gives the event loop back
 * while it decides, and the next one must see its decisions (a trace's batches often arrive together).
 */
export async function inTurn<T>(memory: { turn: Promise<void> }, decide: () => Promise<T>): Promise<T> {
  const previous = memory.turn;
  let done = () => {};
  memory.turn = new Promise<void>((resolve) => {
    done = resolve;
  });
  try {
    await previous;
    return await decide();
  } finally {
    done();
  }
}

/** Adds `key` to a set that keeps the `limit` most recently added keys. */
function rememberIn(keys: Set<string>, key: string, limit: number): void {
  if (keys.has(key)) return;
  if (keys.size >= limit) {
    const oldest = keys.values().next().value;
    if (oldest !== undefined) keys.delete(oldest);
  }
  keys.add(key);
}

/** A response id the contract takes as `call.response_id` (it is only a link when unique enough). */
function responseIdOf(usage: SpanUsage): string | undefined {
  const id = usage.responseId;
  if (id === undefined || id.length === 0 || id.length > 200) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the contract forbids control characters.
  if (/[\u0000-\u001f\u007f]/.test(id) || !(id as unknown as { isWellFormed(): boolean }).isWellFormed())
    return undefined;
  return isUniqueResponseId(id) ? id : undefined;
}

/**
 * The meter event of one model-call span; its id comes from the trace and span ids, so a re-sent export
 * is a replay. It names its call (`call`: the span, and the provider's response id when that cannot
 * repeat), so the store charges the call once: not again when another span or a meter event already
 * names it, and replaced by a meter event naming it later.
 */
function eventOf(span: OtlpSpan, usage: SpanUsage) {
  // A call traced without token counts is still a call: charged by the base fee, marked as such.
  const usageMissing = usage.usageMissing;
  const responseId = responseIdOf(usage);
  const event: Record<string, unknown> = {
    event_id: `otel:${span.traceId}:${span.spanId}`,
    ...Object.fromEntries(
      Object.entries(attributionOf(span, usage.operation)).filter(([, value]) => value !== undefined),
    ),
    ...(usageMissing
      ? { usage_missing: true }
      : { tokens_input: usage.inputTokens, tokens_output: usage.outputTokens }),
    call: {
      trace_id: span.traceId,
      span_id: span.spanId,
      // For the last-resort match with an event that names only the span the call started under (a
      // LangChain callback's): only where nothing exact names the call, and for the calls such a layer
      // sees (chat and completions, not embeddings).
      ...(span.parentSpanId === undefined || responseId !== undefined || usage.operation === 'embeddings'
        ? {}
        : { parent_span_id: span.parentSpanId }),
      ...(responseId === undefined ? {} : { response_id: responseId }),
    },
    provider: usage.provider,
    metadata: {
      'otel.trace_id': span.traceId,
      'otel.span_id': span.spanId,
      ...(usage.errorType ? { 'agentmeter.error_type': usage.errorType } : {}),
    },
  };
  if (Number.isFinite(span.endMs) && span.endMs > 0) event['timestamp'] = new Date(span.endMs).toISOString();
  if (!usageMissing) {
    if (usage.cachedInputTokens) event['tokens_cached_input'] = usage.cachedInputTokens;
    if (usage.cacheWriteTokens) event['tokens_cache_write'] = usage.cacheWriteTokens;
    if (usage.reasoningTokens) event['tokens_reasoning'] = usage.reasoningTokens;
  }
  const model = usage.responseModel ?? usage.requestModel;
  if (model) event['model'] = model;
  return event;
}

interface Call {
  span: OtlpSpan;
  usage: SpanUsage;
}

function forget(memory: TraceMemory, call: Call): void {
  memory.nesting.forget(call.span.traceId, call.span.spanId);
}

/**
 * The model-call spans of a batch to meter: calls with usage, innermost only. Whether a call is charged
 * already (another span of it, a meter event naming it) the store decides as it records them.
 */
async function callsToMeter(memory: TraceMemory, spans: OtlpSpan[], slicer: Slicer): Promise<Call[]> {
  // What each span is, a slice at a time: nothing shared is read or changed here.
  const nodes = new Array<NestingNode>(spans.length);
  const candidates: { span: OtlpSpan; usage: SpanUsage }[] = [];
  for (const [index, span] of spans.entries()) {
    // Whether it reports usage, and whether it is a model call (one without usage yields to a better record).
    nodes[index] = nestingNodeOf(span);
    // A span refused for an attribute that is not valid Unicode still nests (its parent stays a sum).
    const usage = span.invalid === undefined && roleOf(span) === 'call' ? usageOf(span) : undefined;
    if (usage && !(usage.errorType && usage.inputTokens + usage.outputTokens === 0))
      candidates.push({ span, usage });
    if (slicer.due()) await slicer.pause();
  }
  // Then what the project's requests share, one request at a time, so a request of the same trace that
  // came later (a trace's batches often arrive together) sees this one's decisions.
  return inTurn(memory, async () => {
    const skipped = await slicer.run(memory.nesting.decide(nodes, () => slicer.due(0)));
    const calls: Call[] = [];
    for (const { span, usage } of candidates) {
      if (slicer.due()) await slicer.pause();
      const spanKey = `${span.traceId}:${span.spanId}`;
      if (skipped.has(spanKey) || memory.skipped.has(spanKey)) {
        rememberIn(memory.skipped, spanKey, memory.capacity);
        continue;
      }
      // Undone (`forget`) when its event is not recorded after all. A span whose call is charged
      // already by another record of it stays metered here: it is that call.
      memory.nesting.metered(span.traceId, span.spanId);
      calls.push({ span, usage });
    }
    return calls;
  });
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
    // The work is done in slices, giving the event loop back in between, so one large export never
    // holds up the server's other requests.
    const slicer = new Slicer();
    const body = await inflate(
      context.body as Uint8Array,
      context.header('content-encoding'),
      format === 'json' ? MAX_JSON_INFLATED : MAX_INFLATED,
      format === 'json' ? ' (the limit for OTLP/JSON; send larger batches as protobuf)' : '',
    );
    const { spans, unreadable, overLimit } = await decodeRequest(body, format, { slicer });
    const errors = new Map<string, number>();
    let rejected = unreadable + overLimit;
    for (const span of spans) {
      if (span.invalid === undefined) continue;
      rejected++;
      const reason = `invalid_attribute: ${span.invalid}`;
      errors.set(reason, (errors.get(reason) ?? 0) + 1);
    }
    // The project's memory is held until its calls are recorded or forgotten.
    const memories = traceMemoriesOf(context.store);
    const memory = memories.take(context.projectId);
    try {
      const calls = await callsToMeter(memory, spans, slicer);
      const ingest = {
        store: context.store,
        config: context.config,
        projectId: context.projectId,
        configVersion: context.configVersion,
        now: context.now,
        source: 'span' as const,
      };
      const results: IngestResult[] = [];
      for (let start = 0; start < calls.length; start += EVENTS_PER_WRITE) {
        if (start > 0) await slicer.pause();
        const chunk = calls.slice(start, start + EVENTS_PER_WRITE);
        try {
          const recorded = await ingestEvents(
            ingest,
            chunk.map(({ span, usage }) => eventOf(span, usage)),
            (_index, event) => event.event_id as string,
          );
          for (const result of recorded) results.push(result);
        } catch (error) {
          // This write recorded nothing and the later ones were not tried: the sender's retry must meter
          // these calls (the ones recorded before are replays then, never a second charge).
          for (const call of calls.slice(start)) forget(memory, call);
          throw error;
        }
      }
      for (const [index, result] of results.entries()) {
        if (result.status !== 'rejected') continue;
        // The span's id is taken by a charge for this same span whose recorded body differs (recorded by
        // an earlier server version, which wrote its events without `call`): it is charged already, once.
        if (result.error.code === 'idempotency_key_reused') continue;
        const call = calls[index];
        if (call) forget(memory, call);
        rejected++;
        const reason = `${result.error.code}: ${result.error.message}`;
        errors.set(reason, (errors.get(reason) ?? 0) + 1);
      }
    } finally {
      memories.release(memory);
    }
    if (unreadable > 0) errors.set('invalid_span: no valid traceId or spanId', unreadable);
    if (overLimit > 0) {
      errors.set(
        `too_many_spans: an export is read up to its first ${MAX_SPANS_PER_EXPORT} spans; the ${overLimit} after them were not read (send smaller batches)`,
        1,
      );
    }
    const message = [...errors]
      .map(([reason, times]) => (times > 1 ? `${reason} (×${times})` : reason))
      .join('; ');
    const response = encodeResponse(format, rejected, message);
    return { status: 200, body: response.body, headers: response.headers };
  },
};

export const traceRoutes = [exportTraces];
