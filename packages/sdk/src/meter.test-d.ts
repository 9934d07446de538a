// The Meter's public method and event types, checked by the compiler (`tsc -p tsconfig.tests.json`).
import type { MeterResponse, ResolveResponse } from '@agentmeter/client';
import { describe, expectTypeOf, it } from 'vitest';
import {
  createMeter,
  type Meter,
  type MeterErrorInfo,
  type MeterEvents,
  type MeterOptions,
  type OverflowPolicy,
  type PricedEvent,
  type TrackEvent,
} from './index.js';
import { createTestMeter, type TestMeter } from './testing.js';

declare const meter: Meter;
const event = { agent_id: 'a', action: 'b' } satisfies TrackEvent;

describe('Meter methods', () => {
  it('track() queues and returns the event id; trackNow() sends and returns the priced response', () => {
    expectTypeOf(meter.track(event)).toEqualTypeOf<string>();
    expectTypeOf(meter.trackNow(event)).toEqualTypeOf<Promise<MeterResponse>>();
    expectTypeOf(meter.trackNow).parameters.toEqualTypeOf<[TrackEvent]>();
  });

  it('the deprecated meter() has exactly the type of trackNow()', () => {
    expectTypeOf(meter.meter).toEqualTypeOf(meter.trackNow);
  });

  it('resolve() queues and resolveNow() sends, as track() and trackNow() do', () => {
    expectTypeOf(meter.resolve('out_x', 'success')).toEqualTypeOf<void>();
    expectTypeOf(meter.resolveNow('out_x', 'failure', { why: 'late' })).toEqualTypeOf<
      Promise<ResolveResponse>
    >();
    // @ts-expect-error an outcome is resolved as success or failure only
    meter.resolve('out_x', 'pending');
  });

  it('trackNow() needs agent_id and action only where no context supplies them: they are optional here', () => {
    expectTypeOf(meter.trackNow({ tokens_input: 1 })).toEqualTypeOf<Promise<MeterResponse>>();
    // @ts-expect-error an event is an object
    meter.trackNow('event');
  });

  it('createMeter() and the test Meter both give the whole Meter, trackNow() included', () => {
    expectTypeOf(createMeter).returns.toEqualTypeOf<Meter>();
    expectTypeOf(createTestMeter()).toExtend<Meter>();
    expectTypeOf<TestMeter['trackNow']>().toEqualTypeOf<Meter['trackNow']>();
  });
});

describe('Meter events', () => {
  it('are error, acknowledged, priced and the deprecated flush', () => {
    expectTypeOf<keyof MeterEvents>().toEqualTypeOf<'error' | 'acknowledged' | 'flush' | 'priced'>();
  });

  it("'acknowledged' hands over ids, as the deprecated 'flush' does", () => {
    meter.on('acknowledged', (ids) => {
      expectTypeOf(ids).toEqualTypeOf<string[]>();
    });
    meter.on('flush', (ids) => {
      expectTypeOf(ids).toEqualTypeOf<string[]>();
    });
    expectTypeOf<MeterEvents['flush']>().toEqualTypeOf<MeterEvents['acknowledged']>();
  });

  it("'error' and 'priced' hand over what they name, and on() returns the unsubscribe function", () => {
    const stop = meter.on('error', (info) => {
      expectTypeOf(info).toEqualTypeOf<MeterErrorInfo>();
    });
    expectTypeOf(stop).toEqualTypeOf<() => void>();
    meter.on('priced', (events) => {
      expectTypeOf(events).toEqualTypeOf<PricedEvent[]>();
    });
  });

  it('refuses an event name it does not emit, and a listener of the wrong shape', () => {
    // @ts-expect-error there is no 'flushed' event
    meter.on('flushed', () => {});
    // @ts-expect-error 'acknowledged' hands over ids, not an error
    meter.on('acknowledged', (info: MeterErrorInfo) => info);
  });
});

describe('OverflowPolicy', () => {
  it("is 'drop-newest' or 'drop-oldest', with 'error' still accepted as the deprecated name of 'drop-newest'", () => {
    expectTypeOf<OverflowPolicy>().toEqualTypeOf<'drop-newest' | 'drop-oldest' | 'error'>();
    expectTypeOf<MeterOptions['overflow']>().toEqualTypeOf<OverflowPolicy | undefined>();
  });

  it('refuses a policy the Meter does not have', () => {
    // @ts-expect-error there is no blocking policy: track() never waits
    createMeter({ overflow: 'block' });
  });
});
