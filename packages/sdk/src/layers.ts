import {
  type SharedClaim,
  type SharedClaims,
  type SharedRepeatingCall,
  sharedState,
} from './shared-state.js';
import type { Meter } from './types.js';
import { deriveEventId, hasUniqueResponseId, usageToEvent } from './usage.js';
import type { NormalizedUsage, UsageAttribution, UsageListener } from './usage-types.js';

export type { UsageListener } from './usage-types.js';

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
 *
 * The scopes and registries are the process's, not this module's (see `shared-state.ts`): a wrapper
 * resolving another copy of the SDK than the application's still meets the other layers in them.
 */
export interface LayerScope {
  /** True once a provider-level wrapper metered a call inside this scope. */
  innerMetered: boolean;
  /** The response ids the provider-level wrappers metered inside this scope. */
  responseIds: Set<string>;
  readonly parent: LayerScope | undefined;
}

const shared = sharedState();
const scopes = shared.layerScopes;
const RECENT_LIMIT = 10_000;
const recentProviderIds = shared.recentProviderIds;

/** How long a record waits to be matched. */
const CLAIM_TTL_MS = 10 * 60_000;

type Claim<T> = SharedClaim<T>;

/**
 * Records each matched at most once, found by any of their keys: past `limit` the oldest record goes
 * (only it), and a record older than ten minutes is never matched. Every operation costs the records
 * under the keys it looks at, not the whole registry. The records are kept in `claims`, plain shared
 * data that every copy of the SDK in the process reads and writes the same way.
 */
class OneTimeClaims<T> {
  readonly #byKey: Map<string, Set<Claim<T>>>;
  readonly #all: Set<Claim<T>>;
  constructor(
    claims: SharedClaims<T>,
    readonly limit = RECENT_LIMIT,
  ) {
    this.#byKey = claims.byKey;
    this.#all = claims.all;
  }

  put(keys: readonly string[], value: T, now = Date.now()): void {
    if (this.#all.size >= this.limit) {
      const oldest = this.#all.values().next().value;
      if (oldest) this.#drop(oldest);
    }
    const claim: Claim<T> = { keys, value, at: now };
    this.#all.add(claim);
    for (const key of keys) {
      let set = this.#byKey.get(key);
      if (!set) {
        set = new Set();
        this.#byKey.set(key, set);
      }
      set.add(claim);
    }
  }

  /** Takes (removes) the oldest live record under one of `keys`, in their order, that `accept` takes. */
  take(keys: readonly string[], accept: (value: T) => boolean = () => true, now = Date.now()): boolean {
    for (const key of keys) {
      for (const claim of this.#byKey.get(key) ?? []) {
        if (now - claim.at >= CLAIM_TTL_MS) {
          this.#drop(claim);
          continue;
        }
        if (!accept(claim.value)) continue;
        this.#drop(claim);
        return true;
      }
    }
    return false;
  }

  #drop(claim: Claim<T>): void {
    this.#all.delete(claim);
    for (const key of claim.keys) {
      const set = this.#byKey.get(key);
      set?.delete(claim);
      if (set?.size === 0) this.#byKey.delete(key);
    }
  }
}

/**
 * Provider calls whose id may repeat, or that have none, by provider and id: when each started and its
 * counts. A framework layer hearing of a call with that id claims one that started within its own call
 * and reported the same counts, once, so repeating ids neither merge two calls nor let one wrapped call
 * hide another layer's.
 */
type RepeatingCall = SharedRepeatingCall;
const repeatingCalls = new OneTimeClaims<RepeatingCall>(shared.repeatingCalls);

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
 * recently, or — for an id that may repeat, or none — a call with that id and the same token counts
 * that started no earlier than `usage.startedAt` (the framework layer's own start), claimed once.
 * Without a start time a repeating id proves nothing, and the answer is false.
 */
export function wasMeteredByProvider(
  usage:
    | Pick<
        NormalizedUsage,
        'provider' | 'responseId' | 'responseIdIsUnique' | 'startedAt' | 'inputTokens' | 'outputTokens'
      >
    | string
    | undefined,
): boolean {
  if (usage === undefined) return false;
  if (typeof usage === 'string') return recentProviderIds.has(usage);
  if (usage.responseId !== undefined && hasUniqueResponseId(usage))
    return recentProviderIds.has(usage.responseId);
  const startedAt = usage.startedAt;
  if (startedAt === undefined) return false;
  return repeatingCalls.take(
    [repeatingKey(usage)],
    (call) =>
      call.startedAt >= startedAt &&
      call.inputTokens === usage.inputTokens &&
      call.outputTokens === usage.outputTokens,
  );
}

function markProviderMetered(usage: NormalizedUsage): void {
  const responseId = usage.responseId;
  for (let scope = scopes.getStore(); scope; scope = scope.parent) {
    scope.innerMetered = true;
    if (responseId) scope.responseIds.add(responseId);
  }
  if (!responseId || !hasUniqueResponseId(usage)) {
    const now = Date.now();
    repeatingCalls.put(
      [repeatingKey(usage)],
      { startedAt: usage.startedAt ?? now, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
      now,
    );
    return;
  }
  if (recentProviderIds.size >= RECENT_LIMIT) {
    // Drop the oldest entry (Sets iterate in insertion order): a bounded, O(1) registry.
    const oldest = recentProviderIds.values().next().value;
    if (oldest !== undefined) recentProviderIds.delete(oldest);
  }
  recentProviderIds.add(responseId);
}

/**
 * The last resort, in one process, for a layer that cannot see a call's own span (a LangChain callback
 * names the span its call started under: `parentSpanId` without `spanId`) and a layer reading spans
 * (`spanId` and its parent): a span directly under that span, of the same provider, with the same counts
 * — or, for a streamed call, none recorded — is the same call, when nothing exact (a unique response id)
 * names it. Each record is matched at most once, whichever comes first.
 */
const underFromCallbacks = new OneTimeClaims<true>(shared.underFromCallbacks);
const underFromSpans = new OneTimeClaims<true>(shared.underFromSpans);

function underKey(usage: NormalizedUsage, parentSpanId: string, missing: boolean): string {
  const counts = missing ? 'missing' : `${usage.inputTokens}/${usage.outputTokens}`;
  return `${usage.traceId}:${parentSpanId}:${usage.provider.toLowerCase()}:${counts}`;
}

/**
 * For a callback's record (a parent span, none of its own) or a span's: true when the other kind already
 * recorded the same call (it is matched, and this record is not metered). Otherwise it is kept for the
 * other kind to find.
 */
function matchedUnder(usage: NormalizedUsage): boolean {
  const parent = usage.parentSpanId;
  if (!usage.traceId || !parent) return false;
  if (usage.spanId === undefined) {
    const keys = [underKey(usage, parent, false)];
    if (usage.streamed) keys.push(underKey(usage, parent, true));
    if (underFromSpans.take(keys)) return true;
    underFromCallbacks.put(keys, true);
    return false;
  }
  // A span a unique id names is matched by that id or not at all; a callback layer sees no embeddings.
  if (hasUniqueResponseId(usage) || usage.operation === 'embeddings') return false;
  const keys = [underKey(usage, parent, usage.usageMissing === true)];
  if (underFromCallbacks.take(keys)) return true;
  underFromSpans.put(keys, true);
  return false;
}

const usageListeners = shared.usageListeners;

/**
 * Observes every call metered through `recordUsage()` in this process, e.g. to turn it into an
 * OpenTelemetry span. A listener that throws is ignored. Returns the unsubscribe function.
 */
export function onUsage(listener: UsageListener): () => void {
  usageListeners.add(listener);
  return () => usageListeners.delete(listener);
}

export interface RecordUsageOptions {
  /**
   * `provider` for wrappers of a provider SDK; `framework` for layers above them; `spans` for a layer
   * reading other instrumentations' spans (it knows the call's span, and links by it).
   */
  layer: 'provider' | 'framework' | 'spans';
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
  }
  if (options.layer !== 'provider' && matchedUnder(usage)) return undefined;
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
