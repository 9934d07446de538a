import { isUniqueResponseId } from './call-identity.js';
import type { Meter, TrackEvent } from './types.js';

/**
 * One model call's usage, normalized the same way for every provider and framework. Counts
 * follow the OpenTelemetry GenAI conventions: `inputTokens` is the whole input (cache reads and
 * writes included), `outputTokens` the whole output (reasoning included); the other counts are
 * subsets of those two and are never added to them again.
 */
export interface NormalizedUsage {
  /** `gen_ai.provider.name`: `openai`, `anthropic`, … */
  provider: string;
  /** `gen_ai.operation.name`: `chat`, `text_completion`, `embeddings`, `generate_content`. */
  operation: string;
  /** The model the caller asked for. */
  requestModel?: string;
  /** The model the provider says answered. */
  responseModel?: string;
  /** The provider's response id (`chatcmpl-…`, `resp_…`, `msg_…`). */
  responseId?: string;
  /**
   * False when the provider's ids may repeat across calls whatever they look like: the id is then
   * never the event's idempotency key nor a link between records. Default: `isUniqueResponseId()`
   * decides (`chatcmpl-123` and Ollama's `chatcmpl-<0..998>` repeat; random ids do not).
   */
  responseIdIsUnique?: boolean;
  /**
   * The OpenTelemetry span of the call: for a provider wrapper, the span active when its request was
   * sent (an instrumentation's call span, or the caller's span); for a layer reading spans, the span
   * itself. Sent as the event's `call` link, so the server does not charge that span again.
   */
  traceId?: string;
  spanId?: string;
  /**
   * For a layer that cannot see the call's own span (a LangChain callback): the span active when the
   * call started, which an instrumentation's span of the call is a child of; and for a layer reading
   * spans, the span's parent. A last-resort link (see docs/call-identity.md).
   */
  parentSpanId?: string;
  /** True when the call was seen but reported no token counts at all (priced by its base fee only). */
  usageMissing?: boolean;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /**
   * Cache writes kept for an hour (Anthropic's `cache_creation.ephemeral_1h_input_tokens`): part of
   * `cacheWriteTokens`, which counts every cache write. Absent: 0.
   */
  cacheWrite1hTokens?: number;
  /**
   * Uncached audio input: part of `inputTokens`, apart from `cachedInputTokens` and
   * `cacheWriteTokens` (audio read from a cache is counted there only). Absent: 0.
   */
  audioInputTokens?: number;
  /** Audio output: part of `outputTokens`. Absent: 0. */
  audioOutputTokens?: number;
  /** Web searches the provider ran for the call (requests, not tokens; part of no total). Absent: 0. */
  webSearchRequests?: number;
  /** When the call started (epoch milliseconds). */
  startedAt?: number;
  /** Wall time of the call, start to last byte. */
  latencyMs?: number;
  /** False when the usage is partial or missing: a stream broken off, aborted, or ended without its usage. */
  complete: boolean;
  streamed: boolean;
  /** Host of the provider endpoint (`server.address`). */
  serverAddress?: string;
  serverPort?: number;
  /** Low-cardinality error class when the call failed (`error.type`). */
  errorType?: string;
}

/** Who a call is billed to and how; the fields of the meter event that do not come from usage. */
export interface UsageAttribution {
  agent_id?: string;
  action?: string;
  customer_id?: string;
  tier?: string;
  outcome?: TrackEvent['outcome'];
  expires_at?: string;
  metadata?: Record<string, unknown>;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:~-]*$/;
/** A response id the contract's `call.response_id` takes: printable ASCII, at most 200 characters. */
const PRINTABLE_ID = /^[\x20-\x7e]{1,200}$/;

/** 53-bit FNV-1a-style string hash, rendered base-36; stable across runtimes, no crypto needed. */
function hash53(input: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < input.length; index++) {
    const code = input.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

let lastScopeKey: string | undefined;
let lastScope = '';
/** hash53 of the agent and action; a wrapper sends the same pair call after call, so the last one is kept. */
function scopeHash(agentId: string, action: string): string {
  const key = `${agentId}\u0000${action}`;
  if (key !== lastScopeKey) {
    lastScope = hash53(key);
    lastScopeKey = key;
  }
  return lastScope;
}

/**
 * The idempotency key of a provider call: derived from the provider's response id plus the agent
 * and action, so an application-level retry or a re-run of the same handler never charges twice.
 * Shaped to fit the contract's `EventId` pattern.
 */
export function deriveEventId(provider: string, responseId: string, agentId: string, action: string): string {
  const scope = scopeHash(agentId, action);
  const readable = `${provider}:${responseId}`;
  const candidate = `${readable}:${scope}`;
  if (candidate.length <= 200 && SAFE_ID.test(candidate)) return candidate;
  return `${provider.replace(/[^A-Za-z0-9]/g, '') || 'p'}:h${hash53(readable)}${hash53(`${readable}#`)}:${scope}`;
}

/** Whether the usage's response id identifies one call: unique-looking, and not declared repeating. */
export function hasUniqueResponseId(
  usage: Pick<NormalizedUsage, 'responseId' | 'responseIdIsUnique'>,
): boolean {
  return (
    usage.responseId !== undefined &&
    usage.responseIdIsUnique !== false &&
    isUniqueResponseId(usage.responseId)
  );
}

/** The event's `call` links: the response id (the server judges it with the same predicate) and the call's span. */
function callLinks(usage: NormalizedUsage): TrackEvent['call'] {
  const call: NonNullable<TrackEvent['call']> = {};
  if (hasUniqueResponseId(usage) && usage.responseId && PRINTABLE_ID.test(usage.responseId))
    call.response_id = usage.responseId;
  if (usage.traceId && usage.spanId) {
    call.trace_id = usage.traceId;
    call.span_id = usage.spanId;
  } else if (usage.traceId && usage.parentSpanId) {
    call.trace_id = usage.traceId;
    call.parent_span_id = usage.parentSpanId;
    if (usage.streamed) call.streamed = true;
  }
  return Object.keys(call).length > 0 ? call : undefined;
}

/** The meter event for one call's usage. The caller's attribution fills the rest; context fills what is missing. */
export function usageToEvent(usage: NormalizedUsage, attribution: UsageAttribution = {}): TrackEvent {
  const event: TrackEvent = {
    tokens_input: usage.inputTokens,
    tokens_output: usage.outputTokens,
    provider: usage.provider,
  };
  if (usage.cachedInputTokens) event.tokens_cached_input = usage.cachedInputTokens;
  if (usage.cacheWriteTokens) event.tokens_cache_write = usage.cacheWriteTokens;
  if (usage.reasoningTokens) event.tokens_reasoning = usage.reasoningTokens;
  if ((usage.cacheWrite1hTokens ?? 0) > 0) event.tokens_cache_write_1h = usage.cacheWrite1hTokens;
  if ((usage.audioInputTokens ?? 0) > 0) event.tokens_audio_input = usage.audioInputTokens;
  if ((usage.audioOutputTokens ?? 0) > 0) event.tokens_audio_output = usage.audioOutputTokens;
  if ((usage.webSearchRequests ?? 0) > 0) event.web_search_requests = usage.webSearchRequests;
  const model = usage.responseModel ?? usage.requestModel;
  if (model) event.model = model;
  const call = callLinks(usage);
  if (call) event.call = call;
  if (usage.usageMissing) event.usage_missing = true;
  if (attribution.agent_id !== undefined) event.agent_id = attribution.agent_id;
  if (attribution.action !== undefined) event.action = attribution.action;
  if (attribution.customer_id !== undefined) event.customer_id = attribution.customer_id;
  if (attribution.tier !== undefined) event.tier = attribution.tier;
  if (attribution.outcome !== undefined) event.outcome = attribution.outcome;
  if (attribution.expires_at !== undefined) event.expires_at = attribution.expires_at;
  const metadata: Record<string, unknown> = { ...attribution.metadata };
  if (!usage.complete) metadata['agentmeter.usage_incomplete'] = true;
  if (usage.errorType) metadata['agentmeter.error_type'] = usage.errorType;
  if (Object.keys(metadata).length > 0) event.metadata = metadata;
  return event;
}

export type { Meter };
