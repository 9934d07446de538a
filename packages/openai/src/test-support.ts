// Test-only (not built, not exported): the SDK's test Meter, plus the raw `track()` calls; the mocked
// API's per-file lifecycle.
import type { TrackEvent } from '@agentmeter/sdk';
import { createTestMeter, type TestMeter, type TestMeterOptions } from '@agentmeter/sdk/testing';
import type OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { newClient } from './test-fixtures.js';
import { createMockServer } from './test-fixtures-http.js';
import type { WithMeterOptions } from './types.js';
import { withMeter } from './with-meter.js';

/**
 * `createTestMeter()` (context applied, events validated and deduplicated by `event_id` as the server
 * would), plus every raw `track()` call: deduplication alone would hide a call metered twice.
 */
export interface RecordingMeter extends TestMeter {
  readonly tracked: TrackEvent[];
}

export function createRecordingMeter(options?: TestMeterOptions): RecordingMeter {
  const meter = createTestMeter(options);
  const tracked: TrackEvent[] = [];
  return {
    ...meter,
    tracked,
    track(event) {
      tracked.push(event);
      return meter.track(event);
    },
  };
}

/**
 * The events as the server receives them, without the capture timestamp. Fails the test when an event
 * was rejected by the Meter's validation or a call was tracked twice.
 */
export function eventsOf(meter: RecordingMeter) {
  expect(meter.errors).toEqual([]);
  expect(meter.tracked).toHaveLength(meter.events.length);
  return meter.events.map(({ timestamp, ...event }) => {
    expect(Date.parse(timestamp ?? '')).not.toBeNaN();
    return event;
  });
}

/** For a test file: the mocked OpenAI API, listening during its tests, its handlers reset after each. */
export function useMockServer(): ReturnType<typeof createMockServer> {
  const server = createMockServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}

/** The `[input, output]` token counts of every event, in order. */
export function tokensOf(meter: RecordingMeter): [number | undefined, number | undefined][] {
  return eventsOf(meter).map((event) => [event.tokens_input, event.tokens_output]);
}

/** A fresh recording Meter and a client of `Client` (openai 6 or 5) metered into it. */
export function meteredClient(
  Client: typeof OpenAI,
  options: WithMeterOptions,
): { meter: RecordingMeter; openai: OpenAI } {
  const meter = createRecordingMeter();
  return { meter, openai: withMeter(newClient(Client), meter, options) };
}
