// Test-only: the SDK's in-memory test Meter, plus a record of every `track()` call. The test Meter
// deduplicates by event_id as the server does, which would hide a call metered twice; the record
// does not, and `expectCleanMeters()` (run after each test) fails on a repeated event_id or on an
// event the Meter refused. Also the mocked API's per-file lifecycle and the small helpers the
// tests share. Not exported, not built.
import type { TrackEvent } from '@agentmeter/sdk';
import { createTestMeter, type TestMeter, type TestMeterOptions } from '@agentmeter/sdk/testing';
import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createAnthropicServer, createClient } from './test-fixtures.js';
import type { WithMeterOptions } from './types.js';
import { withMeter } from './with-meter.js';

export interface SpyMeter extends TestMeter {
  /** Every event handed to `track()`, in order, duplicates included. */
  readonly tracked: TrackEvent[];
}

export type RecordedEvent = TestMeter['events'][number];

const created: SpyMeter[] = [];

export function createSpyMeter(options?: TestMeterOptions): SpyMeter {
  const meter = createTestMeter(options);
  const tracked: TrackEvent[] = [];
  const track = meter.track.bind(meter);
  const spy: SpyMeter = Object.assign(meter, {
    tracked,
    track(event: TrackEvent): string {
      tracked.push(event);
      return track(event);
    },
  });
  created.push(spy);
  return spy;
}

/** For every Meter made since the last call: no call tracked twice, no event refused. */
export function expectCleanMeters(): void {
  for (const meter of created.splice(0)) {
    const ids = meter.tracked.flatMap((event) => (event.event_id === undefined ? [] : [event.event_id]));
    expect(ids.length - new Set(ids).size, 'event ids tracked more than once').toBe(0);
    expect(meter.errors).toEqual([]);
  }
}

/**
 * For a test file: the mocked Anthropic API (`createAnthropicServer()`), listening during its tests;
 * after each test its handlers are reset and every Meter made is checked with `expectCleanMeters()`.
 */
export function useAnthropicServer(): ReturnType<typeof createAnthropicServer> {
  const mocked = createAnthropicServer();
  beforeAll(() => mocked.server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    mocked.server.resetHandlers();
    expectCleanMeters();
  });
  afterAll(() => mocked.server.close());
  return mocked;
}

/** The options most tests meter with. */
export const OPTIONS = { agent_id: 'support-bot', action: 'reply' };

/** A fresh spy Meter and a client metered into it. */
export function meteredClient(options: WithMeterOptions = OPTIONS): { meter: SpyMeter; client: Anthropic } {
  const meter = createSpyMeter();
  return { meter, client: withMeter(createClient(), meter, options) };
}

/** An event's token counts, by short name. */
export function tokens(event: RecordedEvent | undefined) {
  return {
    input: event?.tokens_input,
    cached: event?.tokens_cached_input,
    write: event?.tokens_cache_write,
    output: event?.tokens_output,
    reasoning: event?.tokens_reasoning,
  };
}

/** Reads a stream to its end; returns what it yielded. */
export async function drain(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  for await (const event of iterable) seen.push(event);
  return seen;
}
