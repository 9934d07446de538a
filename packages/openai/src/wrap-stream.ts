import { failureOf } from '@agentmeter/sdk/integration';
import type { CallOutcome } from './metered-call.js';
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
 * iteration ends for any reason: done, `break`, `return()`, `throw()` or an error. `pulling` tells
 * whether it is waiting on the source (an abort then ends that wait, which settles the call).
 *
 * Written as an iterator object rather than an async generator: a generator costs several promises
 * per item (its request queue, the `await`, the `yield`), and a stream has many items; this costs
 * one `then` per item. It keeps a generator's contract: calls are served one at a time in order,
 * `return()` before the first `next()` ends it without touching the source, and after the end
 * every `next()` is done.
 */
function observed<Item>(
  source: AsyncIterable<Item>,
  call: Settles,
  observer: StreamObserver<Item>,
  hooks: StreamHooks<Item>,
  state: { pulling: boolean; cleanup?: () => void },
): AsyncIterableIterator<Item, void, undefined> {
  const DONE: IteratorResult<Item, void> = { done: true, value: undefined };
  let iterator: AsyncIterator<Item> | undefined;
  let retry = hooks.retry;
  let delivered = false;
  let ended = false;
  /** A call is being served; the next one waits for it (`last`), as a generator's queue would. */
  let inFlight = false;
  let last: Promise<IteratorResult<Item, void>> = Promise.resolve(DONE);

  const settle = (end: StreamEnd, failure?: { error: unknown }): void => {
    ended = true;
    state.cleanup?.();
    const outcome = safeOutcome(observer);
    if (failure && !outcome.errorType) outcome.errorType = failureOf(failure.error).errorType;
    call.finish(outcome, end);
  };
  const fail = (error: unknown): never => {
    state.pulling = false;
    inFlight = false;
    if (!ended) settle('failed', { error });
    throw error;
  };
  const onItem = (
    result: IteratorResult<Item>,
  ): IteratorResult<Item, void> | Promise<IteratorResult<Item, void>> => {
    state.pulling = false;
    if (ended || result.done) {
      inFlight = false;
      if (!ended) settle('done');
      return DONE;
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
    if (hide) return pull();
    inFlight = false;
    // The source's own result object: no copy per item.
    return result as IteratorResult<Item, void>;
  };
  const onError = (error: unknown): Promise<IteratorResult<Item, void>> => {
    state.pulling = false;
    const ask = !delivered && !ended ? retry : undefined;
    retry = undefined;
    let again: Promise<AsyncIterable<Item>> | undefined;
    try {
      again = ask?.(error);
    } catch (thrown) {
      return fail(thrown);
    }
    if (!again) return fail(error);
    return again.then((items) => {
      try {
        iterator = items[Symbol.asyncIterator]();
      } catch (thrown) {
        return fail(thrown);
      }
      return pull();
    }, fail);
  };
  const pull = (): Promise<IteratorResult<Item, void>> => {
    if (ended) {
      inFlight = false;
      return Promise.resolve(DONE);
    }
    inFlight = true;
    try {
      iterator ??= source[Symbol.asyncIterator]();
      state.pulling = true;
      return iterator.next().then(onItem, onError);
    } catch (error) {
      return onError(error);
    }
  };
  /** Runs `step` now, or after the call in progress when there is one. */
  const serve = (step: () => Promise<IteratorResult<Item, void>>): Promise<IteratorResult<Item, void>> => {
    last = inFlight ? last.then(step, step) : step();
    return last;
  };
  const stop = async (): Promise<IteratorResult<Item, void>> => {
    if (ended) return DONE;
    // Never started: nothing was requested of the source, and nothing is settled here.
    if (iterator === undefined) {
      ended = true;
      return DONE;
    }
    ended = true;
    inFlight = true;
    state.cleanup?.();
    try {
      // A `break` or `return()` in the caller's loop: let the source stop its request.
      await iterator.return?.();
    } finally {
      inFlight = false;
      call.finish(safeOutcome(observer), 'stopped');
    }
    return DONE;
  };
  const raise = async (error: unknown): Promise<IteratorResult<Item, void>> => {
    if (iterator === undefined || ended) {
      ended = true;
      throw error;
    }
    return fail(error);
  };
  const self: AsyncIterableIterator<Item, void, undefined> = {
    next: () => serve(pull),
    return: () => serve(stop),
    throw: (error?: unknown) => serve(() => raise(error)),
    [Symbol.asyncIterator]() {
      return self;
    },
  };
  return self;
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
): AsyncIterableIterator<Item, void, undefined> {
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
