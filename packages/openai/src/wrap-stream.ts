import { type CallOutcome, errorTypeOf } from './metered-call.js';
import { ZERO_COUNTS } from './normalize.js';

/** Watches the items of one stream; never throws (the wrapper guards it anyway). */
export interface StreamObserver<Item> {
  /** Sees one item; returns true to hide it from the caller. */
  observe(item: Item): boolean;
  /** Everything known so far: usage (when it arrived), ids, model. */
  outcome(): CallOutcome;
}

/** The openai SDK's `Stream`, as far as the wrapper relies on it. */
export interface StreamLike<Item> extends AsyncIterable<Item> {
  controller: AbortController;
}

type StreamConstructor<Item> = new (
  iterator: () => AsyncIterator<Item>,
  controller: AbortController,
  client?: unknown,
) => StreamLike<Item>;

/** How a stream's iteration ended: read to its end, stopped by the caller (`break`, abort), or failed. */
export type StreamEnd = 'done' | 'stopped' | 'failed';

/** Whatever settles a call from a stream's outcome (a `MeteredCall`, or a background-call adapter). */
export interface Settles {
  finish(outcome: CallOutcome, end?: StreamEnd): void;
}

/** What else a stream's iteration may do besides observing it. */
export interface StreamHooks<Item> {
  /**
   * When the first read fails, before any item: returns the items of the same call made again (the
   * caller's own request, without what the wrapper added), or undefined to let the error through.
   * Asked once.
   */
  retry?: ((error: unknown) => Promise<AsyncIterable<Item>> | undefined) | undefined;
  /** Called with the first item read. */
  onFirstItem?: (() => void) | undefined;
}

export function isStreamLike(value: unknown): value is StreamLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<StreamLike<unknown>>)[Symbol.asyncIterator] === 'function' &&
    typeof (value as Partial<StreamLike<unknown>>).controller?.signal?.addEventListener === 'function'
  );
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function'
  );
}

function safeOutcome<Item>(observer: StreamObserver<Item>): CallOutcome {
  try {
    return observer.outcome();
  } catch {
    return { counts: { ...ZERO_COUNTS }, complete: false, usageMissing: true };
  }
}

/**
 * Iterates `source`, passing every item through `observer`, and settles `call` exactly once when
 * iteration ends for any reason: done, `break`, `return()`, or an error. `pulling` tells whether it
 * is waiting on the source (an abort then ends that wait, which settles the call).
 */
async function* observed<Item>(
  source: AsyncIterable<Item>,
  call: Settles,
  observer: StreamObserver<Item>,
  hooks: StreamHooks<Item>,
  state: { pulling: boolean; cleanup?: () => void },
): AsyncGenerator<Item, void, undefined> {
  let iterator = source[Symbol.asyncIterator]();
  let retry = hooks.retry;
  let delivered = false;
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  try {
    while (true) {
      state.pulling = true;
      let result: IteratorResult<Item>;
      try {
        result = await iterator.next();
      } catch (error) {
        const again = !delivered && retry ? retry(error) : undefined;
        retry = undefined;
        if (!again) throw error;
        iterator = (await again)[Symbol.asyncIterator]();
        continue;
      } finally {
        state.pulling = false;
      }
      if (result.done) {
        exhausted = true;
        break;
      }
      if (!delivered) {
        delivered = true;
        try {
          hooks.onFirstItem?.();
        } catch {
          // Bookkeeping never breaks the caller's loop.
        }
      }
      let hide = false;
      try {
        hide = observer.observe(result.value);
      } catch {
        // Metering never throws into the caller's loop.
      }
      if (!hide) yield result.value;
    }
  } catch (error) {
    exhausted = true;
    failure = { error };
    throw error;
  } finally {
    state.cleanup?.();
    // A `break` or `return()` in the caller's loop: let the source stop its request.
    if (!exhausted) await iterator.return?.();
    const outcome = safeOutcome(observer);
    if (failure && !outcome.errorType) outcome.errorType = errorTypeOf(failure.error);
    call.finish(outcome, failure ? 'failed' : exhausted ? 'done' : 'stopped');
  }
}

/**
 * A new `Stream` of the SDK's own class, with the original's controller, whose iterator passes every
 * item through `observer` and meters the call exactly once when iteration ends for any reason: done,
 * `break`, `return()`, an error, or an abort of the controller (even before iteration started).
 * `tee()`, `toReadableStream()` and `controller` keep working because they are the SDK's own.
 */
export function wrapStream<Item>(
  stream: StreamLike<Item>,
  call: Settles,
  observer: StreamObserver<Item>,
  client: unknown,
): StreamLike<Item> {
  const controller = stream.controller;
  // While the wrapper waits on the SDK's iterator, that iterator's end (or error) settles the call,
  // with the error type when there is one. Otherwise (not started, or parked at a `yield` in the
  // caller's loop) an abort settles it right away.
  const state: { pulling: boolean; cleanup?: () => void } = { pulling: false };
  const onAbort = () => {
    if (!state.pulling) call.finish(safeOutcome(observer), 'stopped');
  };
  controller.signal.addEventListener('abort', onAbort, { once: true });
  state.cleanup = () => controller.signal.removeEventListener('abort', onAbort);
  const Constructor = stream.constructor as StreamConstructor<Item>;
  return new Constructor(() => observed(stream, call, observer, {}, state), controller, client);
}

/**
 * Any other async iterable of a call's items (an instrumentation's own generator around the SDK's
 * `Stream`, as OpenLLMetry returns): an async generator yielding the same items, metering the call
 * exactly once when iteration ends for any reason, as `wrapStream` does. `signal` (the request's
 * `AbortSignal`, when the caller gave one) settles the call if it aborts while the caller is not
 * reading.
 */
export function wrapIterable<Item>(
  source: AsyncIterable<Item>,
  call: Settles,
  observer: StreamObserver<Item>,
  hooks: StreamHooks<Item> = {},
  signal?: AbortSignal,
): AsyncGenerator<Item, void, undefined> {
  const state: { pulling: boolean; cleanup?: () => void } = { pulling: false };
  if (signal && typeof signal.addEventListener === 'function') {
    const onAbort = () => {
      if (!state.pulling) call.finish(safeOutcome(observer), 'stopped');
    };
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      state.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
  }
  return observed(source, call, observer, hooks, state);
}
