import { MeteredCall } from './metered-call.js';
import { isStreamLike, meterStream } from './metered-stream.js';
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

/**
 * `messages.create` (and `beta.messages.create`), metered. The SDK's own `APIPromise` is kept: the
 * result is `original._thenUnwrap(…)`, so `.withResponse()`, `.asResponse()` and the SDK's
 * helpers work as before; a streamed result is the SDK's `Stream` class again (see `meterStream`).
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
      call = new MeteredCall(settings, params, client.baseURL, streamed);
    } catch (error) {
      report(settings, error);
    }
    const result = Reflect.apply(original, messages, args);
    if (!call || !isAPIPromise(result)) return result;
    const metered = call;
    // Watching the response promise (not the parse) keeps the body unread for `.asResponse()`.
    responsePromiseOf(result)?.then(undefined, (error: unknown) => metered.finishRequestError(error));
    return result._thenUnwrap((data) => {
      if (isStreamLike(data)) return meterStream(data, metered, client);
      metered.finishMessage(data);
      return data;
    });
  };
}
