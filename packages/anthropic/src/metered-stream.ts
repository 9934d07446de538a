import type { MeteredCall } from './metered-call.js';

/** The parts of the SDK's `Stream` this package relies on (`core/streaming.ts`). */
export interface StreamLike extends AsyncIterable<unknown> {
  controller: AbortController;
}

type StreamConstructor = new (
  iterator: () => AsyncIterator<unknown>,
  controller: AbortController,
  client?: unknown,
) => StreamLike;

export function isStreamLike(value: unknown): value is StreamLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<StreamLike>)[Symbol.asyncIterator] === 'function' &&
    (value as Partial<StreamLike>).controller instanceof AbortController &&
    typeof (value as { constructor?: unknown }).constructor === 'function'
  );
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function'
  );
}

/** Passes every event through, observing it, and meters the call once when iteration ends, however it ends. */
async function* metered(
  stream: AsyncIterable<unknown>,
  call: MeteredCall,
): AsyncGenerator<unknown, void, undefined> {
  let failure: unknown;
  let done = false;
  try {
    for await (const event of stream) {
      call.observeEvent(event);
      yield event;
    }
    done = true;
  } catch (error) {
    failure = error ?? new Error('stream failed');
    throw error;
  } finally {
    call.finishStream(failure, done);
  }
}

/**
 * A stream of the same class, over the same controller, whose first iteration meters the call.
 * `tee()`, `toReadableStream()` and `MessageStream` all iterate through `[Symbol.asyncIterator]`,
 * so they meter too, once. Events are passed on untouched and metering never throws into the
 * caller's loop; a `break`, an abort or an error still records what is known, in `finally`.
 */
export function meterStream(stream: StreamLike, call: MeteredCall, client: unknown): StreamLike {
  let started = false;

  const iterator = (): AsyncIterator<unknown> => {
    // A second iteration hits the SDK's own "consumed stream" error, unmetered.
    if (started) return stream[Symbol.asyncIterator]();
    started = true;
    return metered(stream, call);
  };

  const Stream = stream.constructor as StreamConstructor;
  return new Stream(iterator, stream.controller, client);
}

/**
 * Any other async iterable of a call's events (an instrumentation's own generator around the SDK's
 * stream): the same events, metering the call once when iteration ends, as `meterStream` does.
 */
export function meterIterable(
  events: AsyncIterable<unknown>,
  call: MeteredCall,
): AsyncGenerator<unknown, void, undefined> {
  return metered(events, call);
}
