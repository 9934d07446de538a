// The wrapped stream's iterator is a hand-written object, not an async generator (a generator costs
// several promises per item). These tests hold it to a generator's contract, the one callers and
// openai-node's own `Stream` helpers (`tee()`, `toReadableStream()`) rely on.
import { describe, expect, it } from 'vitest';
import type { CallOutcome } from './metered-call.js';
import { ZERO_COUNTS } from './normalize.js';
import { type StreamEnd, type StreamObserver, wrapIterable } from './wrap-stream.js';

interface Source {
  iterable: AsyncIterable<number>;
  nextCalls: () => number;
  returned: () => number;
}

/** An async iterable of `items`, each delivered after `delays[i]` ms, failing after them if `error` is given. */
function source(items: number[], options: { delays?: number[]; error?: Error } = {}): Source {
  let nextCalls = 0;
  let returned = 0;
  let index = 0;
  const iterator: AsyncIterator<number> = {
    next: async () => {
      nextCalls++;
      const at = index++;
      await new Promise((resolve) => setTimeout(resolve, options.delays?.[at] ?? 0));
      if (at < items.length) return { done: false, value: items[at] as number };
      if (options.error) throw options.error;
      return { done: true, value: undefined };
    },
    return: async () => {
      returned++;
      return { done: true, value: undefined };
    },
  };
  return {
    iterable: { [Symbol.asyncIterator]: () => iterator },
    nextCalls: () => nextCalls,
    returned: () => returned,
  };
}

function recorder() {
  const ends: { outcome: CallOutcome; end: StreamEnd | undefined }[] = [];
  return { ends, finish: (outcome: CallOutcome, end?: StreamEnd) => ends.push({ outcome, end }) };
}

const counting = (): StreamObserver<number> & { seen: number[] } => {
  const seen: number[] = [];
  return {
    seen,
    observe: (item) => {
      seen.push(item);
      return false;
    },
    outcome: () => ({ counts: { ...ZERO_COUNTS, outputTokens: seen.length }, complete: true }),
  };
};

describe('the wrapped stream iterator keeps an async generator’s contract', () => {
  it('serves overlapping next() calls one at a time, in order, even when later items arrive sooner', async () => {
    const src = source([1, 2, 3], { delays: [30, 1, 1] });
    const call = recorder();
    const iterator = wrapIterable(src.iterable, call, counting());
    const results = await Promise.all([iterator.next(), iterator.next(), iterator.next(), iterator.next()]);
    expect(results.map((result) => result.value)).toEqual([1, 2, 3, undefined]);
    expect(results.map((result) => result.done)).toEqual([false, false, false, true]);
    expect(call.ends.map((entry) => entry.end)).toEqual(['done']);
  });

  it('return() before the first next() ends it without touching the source or settling', async () => {
    const src = source([1, 2]);
    const call = recorder();
    const iterator = wrapIterable(src.iterable, call, counting());
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(src.nextCalls()).toBe(0);
    expect(src.returned()).toBe(0);
    expect(call.ends).toEqual([]);
  });

  it('a break settles the call once as stopped with what was seen, and returns the source', async () => {
    const src = source([1, 2, 3]);
    const call = recorder();
    for await (const item of wrapIterable(src.iterable, call, counting())) if (item === 2) break;
    expect(src.returned()).toBe(1);
    expect(call.ends).toHaveLength(1);
    expect(call.ends[0]?.end).toBe('stopped');
    expect(call.ends[0]?.outcome.counts.outputTokens).toBe(2);
  });

  it('a return() queued behind a pending next() waits for it, then stops', async () => {
    const src = source([1, 2, 3], { delays: [20] });
    const call = recorder();
    const iterator = wrapIterable(src.iterable, call, counting());
    const first = iterator.next();
    const stopped = iterator.return?.();
    expect(await first).toEqual({ done: false, value: 1 });
    expect(await stopped).toEqual({ done: true, value: undefined });
    expect(call.ends.map((entry) => entry.end)).toEqual(['stopped']);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('throw() after the first item settles the call as failed and rejects with the error', async () => {
    const src = source([1, 2, 3]);
    const call = recorder();
    const iterator = wrapIterable(src.iterable, call, counting());
    await iterator.next();
    const error = new Error('caller gave up');
    await expect(iterator.throw?.(error)).rejects.toBe(error);
    expect(call.ends.map((entry) => entry.end)).toEqual(['failed']);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('a source that fails mid-stream settles once as failed and the error reaches the caller', async () => {
    const error = new Error('connection reset');
    const src = source([1, 2], { error });
    const call = recorder();
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of wrapIterable(src.iterable, call, counting())) seen.push(item);
      })(),
    ).rejects.toBe(error);
    expect(seen).toEqual([1, 2]);
    expect(call.ends.map((entry) => entry.end)).toEqual(['failed']);
  });

  it('a first read that fails is retried once through the hook; a second failure is the caller’s', async () => {
    const error = new Error('400 stream_options');
    const call = recorder();
    let asked = 0;
    const hooks = {
      retry: () => {
        asked++;
        return Promise.resolve(source([7, 8]).iterable);
      },
    };
    const seen: number[] = [];
    for await (const item of wrapIterable(source([], { error }).iterable, call, counting(), hooks))
      seen.push(item);
    expect(seen).toEqual([7, 8]);
    expect(asked).toBe(1);
    expect(call.ends.map((entry) => entry.end)).toEqual(['done']);
  });
});
