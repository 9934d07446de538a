import { createContextStore } from '#als';
import type { Meter, TrackEvent } from './types.js';
import {
  deriveEventId,
  hasUniqueResponseId,
  type NormalizedUsage,
  type UsageAttribution,
  usageToEvent,
} from './usage.js';

/**
 * Exactly one meter event per provider call, however many layers see it.
 *
 * A provider call can be seen by a provider-level wrapper (`@agentmeter/openai`,
 * `@agentmeter/anthropic`) and by a framework layer above it (the AI SDK middleware, the LangChain
 * handler, the OpenTelemetry span processor). The provider layer always wins:
 * - a framework layer that wraps the call runs it inside `runOuterLayer()`; a provider wrapper that
 *   meters inside marks the scope, and the framework layer then skips its own event;
 * - a framework layer that only hears about the call afterwards (a LangChain callback) asks
 *   `wasMeteredByProvider(usage)`: a bounded registry of the unique response ids provider wrappers
 *   metered recently, and for an id that may repeat (`chatcmpl-123`, Ollama's counter) a one-time
 *   claim on a provider call with that id made within the framework layer's own call.
 */
export interface LayerScope {
  /** True once a provider-level wrapper metered a call inside this scope. */
  innerMetered: boolean;
  /** The response ids the provider-level wrappers metered inside this scope. */
  responseIds: Set<string>;
  readonly parent: LayerScope | undefined;
}

const scopes = createContextStore<LayerScope>();
const RECENT_LIMIT = 10_000;
const recentProviderIds = new Set<string>();

/**
 * Provider calls with an id that may repeat, by provider and id: when each started and ended. A
 * framework layer hearing of a call with that id claims one made within its own call (each claimed
 * once), so repeating ids neither merge two calls nor let one wrapped call hide another layer's.
 */
interface RepeatingCall {
  startedAt: number;
  endedAt: number;
}
const repeatingCalls = new Map<string, RepeatingCall[]>();
let repeatingCount = 0;
/** How long a provider call with a repeating id waits to be claimed. */
const REPEATING_TTL_MS = 10 * 60_000;

/** Runs `fn` as an outer (framework) layer. `scope.innerMetered` tells afterwards whether a provider wrapper metered inside. */
export function runOuterLayer<T>(fn: (scope: LayerScope) => T): T {
  const scope: LayerScope = { innerMetered: false, responseIds: new Set(), parent: scopes.getStore() };
  return scopes.run(scope, () => fn(scope));
}

/** Provider calls with a repeating id, or with none (`\u0001`), by provider and id. */
const repeatingKey = (usage: Pick<NormalizedUsage, 'provider' | 'responseId'>) =>
  `${usage.provider}\u0000${usage.responseId ?? '\u0001'}`;

/**
 * True when a provider-level wrapper in this process metered this call: the same unique response id
 * recently, or — for an id that may repeat — a call with that id that started no earlier than
 * `usage.startedAt` (the framework layer's own start), claimed once. Without a start time a repeating
 * id proves nothing, and the answer is false.
 */
export function wasMeteredByProvider(
  usage:
    | Pick<NormalizedUsage, 'provider' | 'responseId' | 'responseIdIsUnique' | 'startedAt'>
    | string
    | undefined,
): boolean {
  if (usage === undefined) return false;
  if (typeof usage === 'string') return recentProviderIds.has(usage);
  if (usage.responseId !== undefined && hasUniqueResponseId(usage))
    return recentProviderIds.has(usage.responseId);
  if (usage.startedAt === undefined) return false;
  const calls = repeatingCalls.get(repeatingKey(usage));
  if (!calls) return false;
  const now = Date.now();
  const index = calls.findIndex(
    (call) => call.startedAt >= (usage.startedAt as number) && now - call.endedAt < REPEATING_TTL_MS,
  );
  if (index === -1) return false;
  calls.splice(index, 1);
  repeatingCount--;
  if (calls.length === 0) repeatingCalls.delete(repeatingKey(usage));
  return true;
}

function markProviderMetered(usage: NormalizedUsage): void {
  const responseId = usage.responseId;
  for (let scope = scopes.getStore(); scope; scope = scope.parent) {
    scope.innerMetered = true;
    if (responseId) scope.responseIds.add(responseId);
  }
  if (!responseId || !hasUniqueResponseId(usage)) {
    rememberRepeating(usage);
    return;
  }
  if (recentProviderIds.size >= RECENT_LIMIT) {
    // Drop the oldest entry (Sets iterate in insertion order): a bounded, O(1) registry.
    const oldest = recentProviderIds.values().next().value;
    if (oldest !== undefined) recentProviderIds.delete(oldest);
  }
  recentProviderIds.add(responseId);
}

function rememberRepeating(usage: NormalizedUsage): void {
  const now = Date.now();
  if (repeatingCount >= RECENT_LIMIT) {
    // Drop the calls of the id not claimed for the longest (Maps iterate in insertion order).
    const [oldestKey, oldest] = repeatingCalls.entries().next().value as [string, RepeatingCall[]];
    repeatingCalls.delete(oldestKey);
    repeatingCount -= oldest.length;
  }
  const key = repeatingKey(usage);
  const calls = repeatingCalls.get(key) ?? [];
  repeatingCalls.delete(key);
  // Expired calls of this id go now; the id moves to the end of the map.
  const live = calls.filter((call) => now - call.endedAt < REPEATING_TTL_MS);
  repeatingCount -= calls.length - live.length;
  live.push({ startedAt: usage.startedAt ?? now, endedAt: now });
  repeatingCount++;
  repeatingCalls.set(key, live);
}

/**
 * The last resort, in one process, for a layer that cannot see a call's own span (a LangChain callback
 * names the span its call started under, `parentSpanId` without `spanId`) and a layer reading spans
 * (`spanId` and its parent): a span directly under that span, of the same provider, with the same counts
 * or none recorded, is the same call. Each record is matched at most once, whichever comes first; a
 * match is looked for for 10 minutes.
 */
interface UnderRecord {
  at: number;
  matched: boolean;
}
const underFromCallbacks = new Map<string, UnderRecord[]>();
const underFromSpans = new Map<string, UnderRecord[]>();
let underCount = 0;

function underKey(usage: NormalizedUsage, parentSpanId: string, missing: boolean): string {
  const counts = missing ? 'missing' : `${usage.inputTokens}/${usage.outputTokens}`;
  return `${usage.traceId}:${parentSpanId}:${usage.provider.toLowerCase()}:${counts}`;
}

/** Takes the first unmatched, unexpired record under one of `keys`, if any. */
function takeUnder(records: Map<string, UnderRecord[]>, keys: readonly string[], now: number): boolean {
  for (const key of keys) {
    const list = records.get(key);
    const found = list?.find((record) => !record.matched && now - record.at < REPEATING_TTL_MS);
    if (found) {
      found.matched = true;
      return true;
    }
  }
  return false;
}

function putUnder(records: Map<string, UnderRecord[]>, keys: readonly string[], now: number): void {
  if (underCount >= RECENT_LIMIT) {
    for (const map of [underFromCallbacks, underFromSpans]) map.clear();
    underCount = 0;
  }
  const record: UnderRecord = { at: now, matched: false };
  for (const key of keys) {
    const list = (records.get(key) ?? []).filter(
      (entry) => !entry.matched && now - entry.at < REPEATING_TTL_MS,
    );
    list.push(record);
    records.set(key, list);
  }
  underCount++;
}

/**
 * For a record with a parent span but none of its own (a callback) or with both (a span): true when the
 * other kind already recorded the same call (it is matched, and this record is not metered). Otherwise
 * it is kept for the other kind to find.
 */
function matchedUnder(usage: NormalizedUsage): boolean {
  const parent = usage.parentSpanId;
  if (!usage.traceId || !parent) return false;
  const now = Date.now();
  if (usage.spanId === undefined) {
    const keys = [underKey(usage, parent, false), underKey(usage, parent, true)];
    if (takeUnder(underFromSpans, keys, now)) return true;
    putUnder(underFromCallbacks, keys, now);
    return false;
  }
  const keys = [underKey(usage, parent, usage.usageMissing === true)];
  if (takeUnder(underFromCallbacks, keys, now)) return true;
  putUnder(underFromSpans, keys, now);
  return false;
}

/** Called for every usage record that became a meter event (after layer dedupe), with the Meter that queued it. */
export type UsageListener = (
  usage: NormalizedUsage,
  event: TrackEvent & { event_id: string },
  meter: Meter,
) => void;
const usageListeners = new Set<UsageListener>();

/**
 * Observes every call metered through `recordUsage()` in this process, e.g. to turn it into an
 * OpenTelemetry span. A listener that throws is ignored. Returns the unsubscribe function.
 */
export function onUsage(listener: UsageListener): () => void {
  usageListeners.add(listener);
  return () => usageListeners.delete(listener);
}

export interface RecordUsageOptions {
  /** `provider` for wrappers of a provider SDK; `framework` for layers above them. */
  layer: 'provider' | 'framework';
  /** The enclosing outer-layer scope, for framework layers that opened one with `runOuterLayer()`. */
  scope?: LayerScope;
}

/**
 * Turns one call's usage into one meter event and queues it with `meter.track()`. The event id is
 * derived from the provider response id when it is unique (idempotent across application
 * retries), else minted fresh by the Meter. Returns the event id, or `undefined` when a
 * provider-level wrapper already metered this call (framework layers only).
 */
export function recordUsage(
  meter: Meter,
  usage: NormalizedUsage,
  attribution: UsageAttribution,
  options: RecordUsageOptions,
): string | undefined {
  if (options.layer === 'framework') {
    if (options.scope?.innerMetered) return undefined;
    if (wasMeteredByProvider(usage)) return undefined;
    if (matchedUnder(usage)) return undefined;
  }
  const event = usageToEvent(usage, attribution);
  if (usage.responseId && hasUniqueResponseId(usage)) {
    const context = meter.currentContext();
    const agentId = attribution.agent_id ?? context?.agent_id ?? '';
    const action = attribution.action ?? context?.action ?? '';
    event.event_id = deriveEventId(usage.provider, usage.responseId, agentId, action);
  }
  if (options.layer === 'provider') markProviderMetered(usage);
  const eventId = meter.track(event);
  if (usageListeners.size > 0) {
    const context = meter.currentContext();
    const observed = {
      ...event,
      agent_id: event.agent_id ?? context?.agent_id,
      action: event.action ?? context?.action,
      customer_id: event.customer_id ?? context?.customer_id,
      event_id: eventId,
    };
    for (const listener of usageListeners) {
      try {
        listener(usage, observed, meter);
      } catch {
        // An observer must never break metering or the caller.
      }
    }
  }
  return eventId;
}
