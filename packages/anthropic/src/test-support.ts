// Test-only: the SDK's in-memory test Meter, plus a record of every `track()` call. The test Meter
// deduplicates by event_id as the server does, which would hide a call metered twice; the record
// does not, and `expectCleanMeters()` (run after each test) fails on a repeated event_id or on an
// event the Meter refused. Not exported, not built.
import type { TrackEvent } from '@agentmeter/sdk';
import { createTestMeter, type TestMeter, type TestMeterOptions } from '@agentmeter/sdk/testing';
import { expect } from 'vitest';

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
