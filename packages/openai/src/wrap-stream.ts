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
 * Written as an iterator class rather than an async generator: a generator costs several promises
 * per item (its request queue, the `await`, the `yield`), and a stream has many items; this costs
 * one `then` per item, and its two reactions are made once per stream. It keeps a generator's
 * contract: calls are served one at a time in order, `return()` before the first `next()` ends it
 * without touching the source, and after the end every `next()` is done.
 */
class ObservedIterator<Item> implements AsyncIterableIterator<Item, void, undefined> {
  readonly #source: AsyncIterable<Item>;
  readonly #call: Settles;
  readonly #observer: StreamObserver<Item>;
  readonly #state: { pulling: boolean; cleanup?: () => void };
  #iterator: AsyncIterator<Item> | undefined;
  #retry: StreamHooks<Item>['retry'];
  readonly #onFirstItem: StreamHooks<Item>['onFirstItem'];
  #delivered = false;
  #ended = false;
  /** A call is being served; the next one waits for it (`#last`), as a generator's queue would. */
  #inFlight = false;
  #last: Promise<IteratorResult<Item, void>> = Promise.resolve(DONE);

  constructor(
    source: AsyncIterable<Item>,
    call: Settles,
    observer: StreamObserver<Item>,
    hooks: StreamHooks<Item>,
    state: { pulling: boolean; cleanup?: () => void },
  ) {
    this.#source = source;
    this.#call = call;
    this.#observer = observer;
    this.#state = state;
    this.#retry = hooks.retry;
    this.#onFirstItem = hooks.onFirstItem;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Item, void>> {
    return this.#serve(this.#pull);
  }

  return(): Promise<IteratorResult<Item, void>> {
    return this.#serve(this.#stop);
  }

  throw(error?: unknown): Promise<IteratorResult<Item, void>> {
    return this.#serve(() => this.#raise(error));
  }

  /** Runs `step` now, or after the call in progress when there is one. */
  #serve(step: () => Promise<IteratorResult<Item, void>>): Promise<IteratorResult<Item, void>> {
    this.#last = this.#inFlight ? this.#last.then(step, step) : step();
    return this.#last;
  }

  #settle(end: StreamEnd, failure?: { error: unknown }): void {
    this.#ended = true;
    this.#state.cleanup?.();
    const outcome = safeOutcome(this.#observer);
    if (failure && !outcome.errorType) outcome.errorType = failureOf(failure.error).errorType;
    this.#call.finish(outcome, end);
  }

  readonly #fail = (error: unknown): never => {
    this.#state.pulling = false;
    this.#inFlight = false;
    if (!this.#ended) this.#settle('failed', { error });
    throw error;
  };

  readonly #onItem = (
    result: IteratorResult<Item>,
  ): IteratorResult<Item, void> | Promise<IteratorResult<Item, void>> => {
    this.#state.pulling = false;
    if (this.#ended || result.done) {
      this.#inFlight = false;
      if (!this.#ended) this.#settle('done');
      return DONE;
    }
    if (!this.#delivered) {
      this.#delivered = true;
      try {
        this.#onFirstItem?.();
      } catch {
        // Bookkeeping never breaks the caller's loop.
      }
    }
    let hide = false;
    try {
      hide = this.#observer.observe(result.value);
    } catch {
      // Metering never throws into the caller's loop.
    }
    if (hide) return this.#pull();
    this.#inFlight = false;
    // The source's own result object: no copy per item.
    return result as IteratorResult<Item, void>;
  };

  readonly #onError = (error: unknown): Promise<IteratorResult<Item, void>> => {
    this.#state.pulling = false;
    const ask = !this.#delivered && !this.#ended ? this.#retry : undefined;
    this.#retry = undefined;
    let again: Promise<AsyncIterable<Item>> | undefined;
    try {
      again = ask?.(error);
    } catch (thrown) {
      return this.#fail(thrown);
    }
    if (!again) return this.#fail(error);
    return again.then((items) => {
      try {
        this.#iterator = items[Symbol.asyncIterator]();
      } catch (thrown) {
        return this.#fail(thrown);
      }
      return this.#pull();
    }, this.#fail);
  };

  readonly #pull = (): Promise<IteratorResult<Item, void>> => {
    if (this.#ended) {
      this.#inFlight = false;
      return Promise.resolve(DONE);
    }
    this.#inFlight = true;
    try {
      this.#iterator ??= this.#source[Symbol.asyncIterator]();
      this.#state.pulling = true;
      return this.#iterator.next().then(this.#onItem, this.#onError);
    } catch (error) {
      return this.#onError(error);
    }
  };

  readonly #stop = async (): Promise<IteratorResult<Item, void>> => {
    if (this.#ended) return DONE;
    // Never started: nothing was requested of the source, and nothing is settled here.
    if (this.#iterator === undefined) {
      this.#ended = true;
      return DONE;
    }
    this.#ended = true;
    this.#inFlight = true;
    this.#state.cleanup?.();
    try {
      // A `break` or `return()` in the caller's loop: let the source stop its request.
      await this.#iterator.return?.();
    } finally {
      this.#inFlight = false;
      this.#call.finish(safeOutcome(this.#observer), 'stopped');
    }
    return DONE;
  };

  async #raise(error: unknown): Promise<IteratorResult<Item, void>> {
    if (this.#iterator === undefined || this.#ended) {
      this.#ended = true;
      throw error;
    }
    return this.#fail(error);
  }
}

const DONE: IteratorResult<never, void> = Object.freeze({ done: true, value: undefined });

function observed<Item>(
  source: AsyncIterable<Item>,
  call: Settles,
  observer: StreamObserver<Item>,
  hooks: StreamHooks<Item>,
  state: { pulling: boolean; cleanup?: () => void },
): AsyncIterableIterator<Item, void, undefined> {
  return new ObservedIterator(source, call, observer, hooks, state);
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
