// The SDK's in-memory test Meter (`@agentmeter/sdk/testing`: context applied and events checked as
// the real Meter does, deduplicated by `event_id` as the server would), plus a record of every
// `track()` call so a test can tell one event from the same event tracked twice.
import type { MeterEvent } from '@agentmeter/client';
import { createTestMeter, type TestMeter, type TestMeterOptions } from '@agentmeter/sdk/testing';
import { expect } from 'vitest';

export type RecordedEvent = MeterEvent & { event_id: string };

export interface RecordingMeter extends Omit<TestMeter, 'events'> {
  /** Every distinct event the Meter accepted, in order. */
  readonly events: RecordedEvent[];
  /** How many times `track()` was called (an event tracked twice counts twice). */
  readonly trackCalls: number;
}

const created: RecordingMeter[] = [];

export function createRecordingMeter(options: TestMeterOptions = {}): RecordingMeter {
  const meter = createTestMeter(options);
  const track = meter.track.bind(meter);
  let calls = 0;
  meter.track = (event) => {
    calls += 1;
    return track(event);
  };
  const recording = Object.defineProperty(meter, 'trackCalls', {
    get: () => calls,
  }) as unknown as RecordingMeter;
  created.push(recording);
  return recording;
}

/** For `afterEach`: no meter of the test refused an event, and none was handed the same event twice. */
export function expectEveryMeterClean(): void {
  for (const meter of created.splice(0)) {
    expect(meter.errors).toEqual([]);
    expect(meter.trackCalls).toBe(meter.events.length);
  }
}
