import type { Meter } from '@agentmeter/sdk';
import { observeClientFetch } from '@agentmeter/sdk/integration';
import { PendingResponses, settlingMethod } from './background.js';
import type { Api } from './metered-call.js';
import { meteredCreate } from './metered-create.js';
import { type MeterConfig, resolveConfig } from './options.js';
import type { WithMeterOptions } from './types.js';

type AnyFunction = (...args: unknown[]) => unknown;

/** Wrapped client → the client it wraps, so wrapping twice wraps the original once. */
const originals = new WeakMap<object, object>();

function isObject(value: unknown): value is Record<PropertyKey, unknown> {
  return typeof value === 'object' && value !== null;
}

function hasCreate(value: unknown): value is { create: AnyFunction } {
  return isObject(value) && typeof value['create'] === 'function';
}

/**
 * Meters every model call made through an `openai` client (v5 or v6) and returns the same client,
 * with the same type:
 *
 * ```ts
 * const openai = withMeter(new OpenAI(), meter, { agent_id: 'support-bot', action: 'answer' });
 * ```
 *
 * Metered: `chat.completions.create` (plain and streamed), `responses.create` (plain, streamed and
 * background), `responses.compact`, `embeddings.create`, legacy `completions.create`, and the SDK helpers built on them (`chat.completions.parse`,
 * `.stream`, `.runTools`, `responses.parse`, `.stream`), each call exactly once. Everything else passes
 * through untouched. Wrapping an already wrapped client replaces its meter and options.
 */
export function withMeter<T extends object>(client: T, meter: Meter, options: WithMeterOptions): T {
  const config = resolveConfig(client, meter, options);
  const target = (originals.get(client) ?? client) as T;
  // Background responses still running belong to this wrapper, its `withOptions()` copies included.
  return meterClient(target, config, new PendingResponses());
}

function meterClient<T extends object>(target: T, config: MeterConfig, pending: PendingResponses): T {
  // The client's requests record the OpenTelemetry span they are sent in, for the call in flight.
  observeClientFetch(target);
  const proxies = new WeakMap<object, object>();
  const bound = new WeakMap<AnyFunction, AnyFunction>();

  const bind = (fn: AnyFunction, owner: object): AnyFunction => {
    let result = bound.get(fn);
    if (!result) {
      result = fn.bind(owner) as AnyFunction;
      bound.set(fn, result);
    }
    return result;
  };

  // A metered resource: `create` is replaced, and `_client` (which the SDK helpers call through, as in
  // `this._client.chat.completions.create(...)`) is the wrapped client, so helpers land on the metered
  // `create`. Methods run with the proxy as `this`; the resources keep no private (`#`) state.
  const resourceProxy = (resource: Record<PropertyKey, unknown>, api: Api): object => {
    const cached = proxies.get(resource);
    if (cached) return cached;
    const overrides = new Map<PropertyKey, unknown>();
    overrides.set('create', meteredCreate(resource, api, config, pending, target));
    if (api === 'responses') {
      // `compact` is a model call too (it returns usage); not a resumable background call.
      if (typeof resource['compact'] === 'function') {
        overrides.set('compact', meteredCreate(resource, api, config, pending, target, 'compact'));
      }
      for (const name of ['retrieve', 'cancel']) {
        const method = resource[name];
        if (typeof method === 'function') {
          overrides.set(name, settlingMethod(method as AnyFunction, resource, config, pending, target));
        }
      }
    }
    const proxy = new Proxy(resource, {
      get(object, property) {
        if (property === '_client') return self;
        if (overrides.has(property)) return overrides.get(property);
        return Reflect.get(object, property, object);
      },
    });
    proxies.set(resource, proxy);
    return proxy;
  };

  const chatProxy = (chat: Record<PropertyKey, unknown>): object => {
    const cached = proxies.get(chat);
    if (cached) return cached;
    const proxy = new Proxy(chat, {
      get(object, property) {
        const value = Reflect.get(object, property, object);
        if (property === 'completions' && hasCreate(value)) return resourceProxy(value, 'chat.completions');
        return typeof value === 'function' ? bind(value as AnyFunction, object) : value;
      },
    });
    proxies.set(chat, proxy);
    return proxy;
  };

  let withOptions: AnyFunction | undefined;
  const self: T = new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (property === 'chat' && isObject(value)) return chatProxy(value);
      if (property === 'responses' && hasCreate(value)) return resourceProxy(value, 'responses');
      if (property === 'embeddings' && hasCreate(value)) return resourceProxy(value, 'embeddings');
      if (property === 'completions' && hasCreate(value)) return resourceProxy(value, 'completions');
      if (property === 'withOptions' && typeof value === 'function') {
        // A copy with other client options is metered the same way.
        withOptions ??= (...args: unknown[]) =>
          meterClient((value as AnyFunction).apply(object, args) as object, config, pending);
        return withOptions;
      }
      return typeof value === 'function' ? bind(value as AnyFunction, object) : value;
    },
  });
  originals.set(self, target);
  return self;
}
