import { isUniqueResponseId } from './call-identity.js';
import type { Meter, TrackEvent } from './types.js';
import type { NormalizedUsage, UsageAttribution } from './usage-types.js';

export type { NormalizedUsage, UsageAttribution } from './usage-types.js';

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

/** hash53 of the agent and action (a short string: hashing it each call costs less than a module-level cache is worth). */
function scopeHash(agentId: string, action: string): string {
  return hash53(`${agentId}\u0000${action}`);
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
