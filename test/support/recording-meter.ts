// The one recording Meter every wrapper's tests use (anthropic, openai, langchain, ai-sdk): the SDK's
// in-memory test Meter (`@agentmeter/sdk/testing`: context applied and events checked as the real
// Meter does, deduplicated by `event_id` as the server would), plus a record of every `track()` call.
// Deduplication alone would hide a call metered twice; the record does not.
import type { MeterEvent } from '@agentmeter/client';
import type { TrackEvent } from '@agentmeter/sdk';
import { createTestMeter, type TestMeter, type TestMeterOptions } from '@agentmeter/sdk/testing';
import { expect } from 'vitest';

export type RecordedEvent = MeterEvent & { event_id: string };

export interface RecordingMeter extends Omit<TestMeter, 'events'> {
  /** Every distinct event the Meter accepted, in order. */
  readonly events: RecordedEvent[];
  /** Every event handed to `track()`, in order, duplicates included. */
  readonly tracked: TrackEvent[];
  /** How many times `track()` was called (an event tracked twice counts twice). */
  readonly trackCalls: number;
}

const created: RecordingMeter[] = [];

export function createRecordingMeter(options: TestMeterOptions = {}): RecordingMeter {
  const meter = createTestMeter(options);
  const tracked: TrackEvent[] = [];
  const track = meter.track.bind(meter);
  meter.track = (event) => {
    tracked.push(event);
    return track(event);
  };
  const recording = Object.defineProperties(meter, {
    tracked: { value: tracked },
    trackCalls: { get: () => tracked.length },
  }) as unknown as RecordingMeter;
  created.push(recording);
  return recording;
}

/** One meter's check: it refused no event, and no event (by `event_id`) was handed to it twice. */
export function expectMeterClean(meter: RecordingMeter): void {
  expect(meter.errors).toEqual([]);
  const ids = meter.tracked.flatMap((event) => (event.event_id === undefined ? [] : [event.event_id]));
  expect(ids.length - new Set(ids).size, 'event ids tracked more than once').toBe(0);
  expect(meter.trackCalls, 'track() calls that recorded no new event').toBe(meter.events.length);
}

/** For `afterEach`: every meter made since the last call is clean (see `expectMeterClean`). */
export function expectEveryMeterClean(): void {
  for (const meter of created.splice(0)) expectMeterClean(meter);
}
