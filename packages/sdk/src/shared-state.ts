import { type ContextStore, createContextStore } from '#als';
import type { UsageListener } from './usage-types.js';

/**
 * The SDK's process-wide state, shared by every copy of the SDK loaded in the process.
 *
 * An application can end up with two physically separate copies of `@agentmeter/sdk`: its own, and one
 * a package manager nested under a wrapper that resolved another version. The layers of one model call
 * (a provider wrapper, a framework layer above it, a span processor) only charge it once if they consult
 * the same registries, and a usage listener or a call scope registered through one copy must be seen by
 * the others. Module-scoped state would give each copy its own; so the state lives on `globalThis` under
 * a `Symbol.for` key (one symbol per realm, whichever copy asks), created by the first copy that needs it
 * and adopted by every later one.
 *
 * The key is versioned, and the shape is plain data (Maps, Sets, arrays, and context stores with
 * `getStore` / `run`) rather than class instances, so a copy at another version can read and extend it:
 * a field is only ever added, never changed in meaning. A change that breaks this shape takes a new key.
 */
export const SHARED_STATE_KEY: unique symbol = Symbol.for('agentmeter.sdk.shared-state.v1');

/** A layer scope opened by an outer (framework) layer around a call: see `runOuterLayer()`. */
export interface SharedLayerScope {
  innerMetered: boolean;
  responseIds: Set<string>;
  readonly parent: SharedLayerScope | undefined;
}

/** One wrapped call in flight: the OpenTelemetry span its provider request was sent in, once sent. */
export interface SharedCallScope {
  span: { traceId: string; spanId: string } | undefined;
}

/** One record of a one-time-claims registry, found by any of its keys. */
export interface SharedClaim<T> {
  keys: readonly string[];
  value: T;
  /** Epoch ms when the record was put. */
  at: number;
}

/** A registry whose records are each matched at most once: every record, and the records under each key. */
export interface SharedClaims<T> {
  /** Every live record, oldest first (a Set iterates in insertion order). */
  all: Set<SharedClaim<T>>;
  byKey: Map<string, Set<SharedClaim<T>>>;
}

/** A provider call whose response id may repeat (or that has none): when it started, and its counts. */
export interface SharedRepeatingCall {
  startedAt: number;
  inputTokens: number;
  outputTokens: number;
}

/** Version 1 of the shared state. */
export interface SharedStateV1 {
  /** Outer-layer scopes of the calls in flight (`runOuterLayer()`). */
  layerScopes: ContextStore<SharedLayerScope>;
  /** Calls in flight that an SDK 0.1 wrapper opened in an AsyncLocalStorage; read by observed client fetches as a fallback. */
  callScopes: ContextStore<SharedCallScope>;
  /** Unique response ids provider wrappers metered recently, oldest first. */
  recentProviderIds: Set<string>;
  /** Provider calls with an id that may repeat, or none, by provider and id. */
  repeatingCalls: SharedClaims<SharedRepeatingCall>;
  /** Callback layers' records waiting for a span of the same call under the same parent. */
  underFromCallbacks: SharedClaims<true>;
  /** Span layers' records waiting for a callback record of the same call under the same parent. */
  underFromSpans: SharedClaims<true>;
  /** Listeners of every call metered through `recordUsage()`. */
  usageListeners: Set<UsageListener>;
}

const emptyClaims = <T>(): SharedClaims<T> => ({ all: new Set(), byKey: new Map() });

let state: SharedStateV1 | undefined;

/** The process-wide state: the one another copy created, or a new one this copy registers. */
export function sharedState(): SharedStateV1 {
  if (state) return state;
  const holder = globalThis as { [SHARED_STATE_KEY]?: Partial<SharedStateV1> };
  let found = holder[SHARED_STATE_KEY];
  if (typeof found !== 'object' || found === null) {
    found = {};
    // Not enumerable, so it stays out of anything that walks globalThis' own keys.
    Object.defineProperty(globalThis, SHARED_STATE_KEY, {
      value: found,
      configurable: true,
      writable: false,
    });
  }
  // Another release of the SDK may have created the object with fewer fields: add the missing ones.
  found.layerScopes ??= createContextStore<SharedLayerScope>();
  found.callScopes ??= createContextStore<SharedCallScope>();
  found.recentProviderIds ??= new Set();
  found.repeatingCalls ??= emptyClaims();
  found.underFromCallbacks ??= emptyClaims();
  found.underFromSpans ??= emptyClaims();
  found.usageListeners ??= new Set();
  state = found as SharedStateV1;
  return state;
}
