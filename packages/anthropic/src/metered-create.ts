import { withCallScope } from '@agentmeter/sdk/integration';
import { MeteredCall } from './metered-call.js';
import { isAsyncIterable, isStreamLike, meterIterable, meterStream } from './metered-stream.js';
import type { MeterSettings } from './options.js';

/** The parts of the SDK's `APIPromise` this package relies on (`core/api-promise.ts`). */
interface APIPromiseLike extends PromiseLike<unknown> {
  _thenUnwrap(transform: (data: unknown) => unknown): PromiseLike<unknown>;
  /** 1.x: the promise of the raw response. */
  _responseProps?: () => Promise<unknown>;
  /** 0.x: the same promise as a (TypeScript-private) field. */
  responsePromise?: Promise<unknown>;
}

function isAPIPromise(value: unknown): value is APIPromiseLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<APIPromiseLike>).then === 'function' &&
    typeof (value as Partial<APIPromiseLike>)._thenUnwrap === 'function'
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as Partial<PromiseLike<unknown>>).then === 'function'
  );
}

function responsePromiseOf(promise: APIPromiseLike): Promise<unknown> | undefined {
  try {
    if (typeof promise._responseProps === 'function') return promise._responseProps();
    if (promise.responsePromise instanceof Promise) return promise.responsePromise;
  } catch {
    // Not this SDK's shape: failed requests are then not metered.
  }
  return undefined;
}

function report(settings: MeterSettings, error: unknown): void {
  try {
    settings.onError(error);
  } catch {
    // The reporter failed too; the caller's call still goes on.
  }
}

type Create = (this: unknown, ...args: unknown[]) => unknown;

/** Meters one call's data: a whole message, or its stream of events. */
function onData(data: unknown, call: MeteredCall, client: unknown): unknown {
  if (isStreamLike(data)) return meterStream(data, call, client);
  if (isAsyncIterable(data)) return meterIterable(data, call);
  call.finishMessage(data);
  return data;
}

let warned = false;
function warnUnmetered(result: unknown): void {
  if (warned) return;
  warned = true;
  const what = result === null ? 'null' : typeof result;
  console.warn(
    `[@agentmeter/anthropic] messages.create() returned ${what}: neither a promise nor a stream of ` +
      'events, so the call was not metered. Something patched the client in a way the wrapper ' +
      'cannot read; wrap the client after it, or report the library.',
  );
}

/**
 * `messages.create` (and `beta.messages.create`), metered. The SDK's own `APIPromise` is kept: the
 * result is `original._thenUnwrap(…)`, so `.withResponse()`, `.asResponse()` and the SDK's
 * helpers work as before; a streamed result is the SDK's `Stream` class again (see `meterStream`).
 * A `create()` patched to return something else (OpenLLMetry returns a plain promise for a whole
 * message) is metered too: a promise of a message or of a stream, or an async iterable of events.
 * The call runs in a call scope, so the client's observed `fetch` records the span it is sent in.
 */
export function meteredCreate(
  original: Create,
  messages: object,
  settings: MeterSettings,
  client: { baseURL?: unknown },
): Create {
  return function create(...args: unknown[]): unknown {
    const [params] = args;
    let call: MeteredCall | undefined;
    try {
      const streamed = (params as { stream?: unknown } | null | undefined)?.stream === true;
      const signal = (args[1] as { signal?: unknown } | null | undefined)?.signal;
      call = new MeteredCall(
        settings,
        params,
        client.baseURL,
        streamed,
        signal instanceof AbortSignal ? signal : undefined,
      );
    } catch (error) {
      report(settings, error);
    }
    if (!call) return Reflect.apply(original, messages, args);
    const metered = call;
    const scoped = [...args];
    scoped[1] = withCallScope(args[1], metered.scope);
    const result = Reflect.apply(original, messages, scoped);
    if (isAPIPromise(result)) {
      // Watching the response promise (not the parse) keeps the body unread for `.asResponse()`.
      responsePromiseOf(result)?.then(undefined, (error: unknown) => metered.finishRequestError(error));
      return result._thenUnwrap((data) => onData(data, metered, client));
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (data) => onData(data, metered, client),
        (error: unknown) => {
          metered.finishRequestError(error);
          throw error;
        },
      );
    }
    if (isAsyncIterable(result)) return meterIterable(result, metered);
    if (typeof result === 'object' && result !== null && 'usage' in result)
      return onData(result, metered, client);
    warnUnmetered(result);
    return result;
  };
}
