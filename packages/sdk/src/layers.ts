import { createContextStore } from '#als';
import type { Meter, TrackEvent } from './types.js';
import { deriveEventId, type NormalizedUsage, type UsageAttribution, usageToEvent } from './usage.js';

/**
 * Exactly one meter event per provider call, however many layers see it.
 *
 * A provider call can be seen by a provider-level wrapper (`@agentmeter/openai`,
 * `@agentmeter/anthropic`) and by a framework layer above it (the AI SDK middleware, the LangChain
 * handler, the OpenTelemetry span processor). The provider layer always wins:
 * - a framework layer that wraps the call runs it inside `runOuterLayer()`; a provider wrapper that
 *   meters inside marks the scope, and the framework layer then skips its own event;
 * - a framework layer that only hears about the call afterwards (a LangChain callback) asks
 *   `wasMeteredByProvider(responseId)`, a bounded registry of the response ids provider wrappers
 *   metered recently.
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

/** Runs `fn` as an outer (framework) layer. `scope.innerMetered` tells afterwards whether a provider wrapper metered inside. */
export function runOuterLayer<T>(fn: (scope: LayerScope) => T): T {
  const scope: LayerScope = { innerMetered: false, responseIds: new Set(), parent: scopes.getStore() };
  return scopes.run(scope, () => fn(scope));
}

/** True when a provider-level wrapper metered this response id recently (in this process). */
export function wasMeteredByProvider(responseId: string | undefined): boolean {
  return responseId !== undefined && recentProviderIds.has(responseId);
}

function markProviderMetered(responseId: string | undefined): void {
  for (let scope = scopes.getStore(); scope; scope = scope.parent) {
    scope.innerMetered = true;
    if (responseId) scope.responseIds.add(responseId);
  }
  if (!responseId) return;
  if (recentProviderIds.size >= RECENT_LIMIT) {
    // Drop the oldest entry (Sets iterate in insertion order): a bounded, O(1) registry.
    const oldest = recentProviderIds.values().next().value;
    if (oldest !== undefined) recentProviderIds.delete(oldest);
  }
  recentProviderIds.add(responseId);
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
 * derived from the provider response id when there is one (idempotent across application
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
    if (wasMeteredByProvider(usage.responseId)) return undefined;
  }
  const event = usageToEvent(usage, attribution);
  if (usage.responseId && usage.responseIdIsUnique !== false) {
    const context = meter.currentContext();
    const agentId = attribution.agent_id ?? context?.agent_id ?? '';
    const action = attribution.action ?? context?.action ?? '';
    event.event_id = deriveEventId(usage.provider, usage.responseId, agentId, action);
  }
  if (options.layer === 'provider') markProviderMetered(usage.responseId);
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
