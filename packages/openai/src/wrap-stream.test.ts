// wrapStream() on its own: an observer that throws never reaches the caller's loop.
import { Stream } from 'openai/streaming';
import { describe, expect, it } from 'vitest';
import type { CallOutcome } from './metered-call.js';
import { ZERO_COUNTS } from './normalize.js';
import { type StreamObserver, wrapStream } from './wrap-stream.js';

function source(items: number[]): Stream<number> {
  return new Stream(async function* () {
    yield* items;
  }, new AbortController());
}

function recorder() {
  const outcomes: CallOutcome[] = [];
  return { outcomes, finish: (outcome: CallOutcome) => outcomes.push(outcome) };
}

describe('wrapStream', () => {
  it('yields every item and settles once even when the observer throws on each item and on outcome()', async () => {
    const call = recorder();
    const observer: StreamObserver<number> = {
      observe: () => {
        throw new TypeError('observer bug');
      },
      outcome: () => {
        throw new TypeError('outcome bug');
      },
    };
    const stream = wrapStream(source([1, 2, 3]), call, observer, undefined);
    const seen: number[] = [];
    for await (const item of stream) seen.push(item);
    expect(seen).toEqual([1, 2, 3]);
    expect(call.outcomes).toEqual([{ counts: ZERO_COUNTS, complete: false, usageMissing: true }]);
  });

  it('hides exactly the items the observer asks to hide, and reports its outcome', async () => {
    const call = recorder();
    let total = 0;
    const observer: StreamObserver<number> = {
      observe: (item) => {
        total += item;
        return item % 2 === 0;
      },
      outcome: () => ({ counts: { ...ZERO_COUNTS, inputTokens: total }, complete: true }),
    };
    const seen: number[] = [];
    for await (const item of wrapStream(source([1, 2, 3, 4, 5]), call, observer, undefined)) seen.push(item);
    expect(seen).toEqual([1, 3, 5]);
    expect(call.outcomes).toEqual([{ counts: { ...ZERO_COUNTS, inputTokens: 15 }, complete: true }]);
  });

  it('keeps the Stream class and controller', () => {
    const original = source([1]);
    const wrapped = wrapStream(
      original,
      recorder(),
      { observe: () => false, outcome: () => ({ counts: ZERO_COUNTS, complete: true }) },
      undefined,
    );
    expect(wrapped).toBeInstanceOf(Stream);
    expect(wrapped.controller).toBe(original.controller);
  });
});
