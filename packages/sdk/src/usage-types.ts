/**
 * The types the usage path shares: what a wrapper reports about one call, who it is billed to, and
 * the listener `onUsage()` calls. They sit in a module of their own, importing no other module of
 * the SDK but the Meter's types, so that the process-wide state (`shared-state.ts`), the layer
 * dedupe (`layers.ts`) and the usage mapping (`usage.ts`) can all name them without importing
 * each other in a circle.
 */
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

/** Called for every usage record that became a meter event (after layer dedupe), with the Meter that queued it. */
export type UsageListener = (
  usage: NormalizedUsage,
  event: TrackEvent & { event_id: string },
  meter: Meter,
) => void;
