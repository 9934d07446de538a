import type { Meter } from '@agentmeter/sdk';
import { expectedMessage, observeClientFetch } from '@agentmeter/sdk/integration';
import { AnthropicMeterError } from './errors.js';
import { meteredCreate } from './metered-create.js';
import { type MeterSettings, resolveSettings } from './options.js';
import type { WithMeterOptions } from './types.js';

/** The shape `withMeter()` needs: an `@anthropic-ai/sdk` client (`Anthropic`, or a client built like it). */
export interface AnthropicLike {
  messages: { create: (...args: never[]) => unknown };
}

const UNWRAPPED = Symbol('agentmeter.anthropic.unwrapped');

type Create = (this: unknown, ...args: unknown[]) => unknown;

/**
 * A `messages` resource (plain or beta) whose `create` is metered. Its other methods run with the
 * proxy as `this`, so `stream()` and `parse()`, which call `this.create()`, are metered through
 * it, exactly once; and its `_client` is the metered client, so the helpers that call back into
 * the client (`beta.messages.toolRunner()`, `beta.messages.thread()`) are metered too.
 */
function meterMessages(
  messages: object,
  settings: MeterSettings,
  client: { baseURL?: unknown },
  meteredClient: () => object,
): object {
  let create: Create | undefined;
  let createFrom: unknown;
  return new Proxy(messages, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === '_client' && value === client) return meteredClient();
      if (property !== 'create' || typeof value !== 'function') return value;
      if (createFrom !== value) {
        createFrom = value;
        create = meteredCreate(value as Create, target, settings, client);
      }
      return create;
    },
  });
}

/** Memoizes one proxy per underlying object, so `client.messages === client.messages` still holds. */
function memo<T extends object>(
  cache: WeakMap<object, object>,
  value: T,
  make: (value: T) => object,
): object {
  let proxy = cache.get(value);
  if (!proxy) {
    proxy = make(value);
    cache.set(value, proxy);
  }
  return proxy;
}

function meterClient<Client extends object>(client: Client, settings: MeterSettings): Client {
  // The client's requests record the OpenTelemetry span they are sent in, for the call in flight.
  observeClientFetch(client);
  const proxies = new WeakMap<object, object>();
  const bound = new WeakMap<object, unknown>();
  let metered: Client | undefined;
  const meteredMessages = (messages: object) => meterMessages(messages, settings, client, () => metered!);
  const meteredBeta = (beta: object) =>
    new Proxy(beta, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property === 'messages' && typeof value === 'object' && value !== null) {
          return memo(proxies, value, meteredMessages);
        }
        return value;
      },
    });
  metered = new Proxy(client, {
    get(target, property) {
      if (property === UNWRAPPED) return target;
      // The client keeps state in #private fields, so its own members are read with the client as `this`.
      const value = Reflect.get(target, property, target);
      if (property === 'messages' && typeof value === 'object' && value !== null) {
        return memo(proxies, value, meteredMessages);
      }
      if (property === 'beta' && typeof value === 'object' && value !== null) {
        return memo(proxies, value, meteredBeta);
      }
      if (typeof value !== 'function' || property === 'constructor') return value;
      let method = bound.get(value);
      if (!method) {
        const fn = value as (...args: unknown[]) => unknown;
        // `withOptions()` returns a new client: it is metered the same way.
        method =
          property === 'withOptions'
            ? (...args: unknown[]) => {
                const copy = fn.apply(target, args);
                return typeof copy === 'object' && copy !== null ? meterClient(copy, settings) : copy;
              }
            : fn.bind(target);
        bound.set(value, method);
      }
      return method;
    },
  });
  return metered;
}

/**
 * Meters every `messages.create()` / `messages.stream()` / `messages.parse()` call of an
 * `@anthropic-ai/sdk` client (and the `beta.messages` ones): one meter event per call, with exact
 * token counts, attributed to `options` and the surrounding `meter.withContext()`. Returns the
 * same client, same type; everything else passes through untouched. Wrapping a metered client
 * again replaces its options (a call is never metered twice).
 */
export function withMeter<Client extends AnthropicLike>(
  client: Client,
  meter: Meter,
  options: WithMeterOptions,
): Client {
  const messages = (client as Partial<AnthropicLike> | null | undefined)?.messages;
  if (typeof messages !== 'object' || messages === null || typeof messages.create !== 'function') {
    throw new AnthropicMeterError(
      'invalid_client',
      'client',
      expectedMessage('client', 'an @anthropic-ai/sdk client (with `messages.create()`)', client),
    );
  }
  const settings = resolveSettings(meter, options);
  const original = ((client as Record<PropertyKey, unknown>)[UNWRAPPED] as Client | undefined) ?? client;
  return meterClient(original, settings);
}
