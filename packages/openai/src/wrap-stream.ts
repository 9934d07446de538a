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

/** Whatever settles a call from a stream's outcome (a `MeteredCall`, or a background-call adapter). */
export interface Settles {
  finish(outcome: CallOutcome): void;
}

export function isStreamLike(value: unknown): value is StreamLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<StreamLike<unknown>>)[Symbol.asyncIterator] === 'function' &&
    typeof (value as Partial<StreamLike<unknown>>).controller?.signal?.addEventListener === 'function'
  );
}

function safeOutcome<Item>(observer: StreamObserver<Item>): CallOutcome {
  try {
    return observer.outcome();
  } catch {
    return { counts: { ...ZERO_COUNTS }, complete: false };
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
  let pulling = false;
  const onAbort = () => {
    if (!pulling) call.finish(safeOutcome(observer));
  };
  controller.signal.addEventListener('abort', onAbort, { once: true });

  async function* iterate(): AsyncGenerator<Item, void, undefined> {
    const iterator = stream[Symbol.asyncIterator]();
    let exhausted = false;
    let failure: { error: unknown } | undefined;
    try {
      while (true) {
        pulling = true;
        let result: IteratorResult<Item>;
        try {
          result = await iterator.next();
        } finally {
          pulling = false;
        }
        if (result.done) {
          exhausted = true;
          break;
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
      controller.signal.removeEventListener('abort', onAbort);
      // A `break` or `return()` in the caller's loop: let the SDK stop the request.
      if (!exhausted) await iterator.return?.();
      const outcome = safeOutcome(observer);
      if (failure && !outcome.errorType) outcome.errorType = errorTypeOf(failure.error);
      call.finish(outcome);
    }
  }

  const Constructor = stream.constructor as StreamConstructor<Item>;
  return new Constructor(iterate, controller, client);
}
