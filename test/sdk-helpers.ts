import { createMeter, type Meter, type MeterErrorInfo, type MeterOptions } from '@agentmeter/sdk';
import { vi } from 'vitest';
import { FakeIngest } from './sdk-fake-server.js';

export interface Harness {
  server: FakeIngest;
  meter: Meter;
  errors: MeterErrorInfo[];
}

/** A Meter wired to a fresh contract fake through an injected fetch. */
export function harness(options: MeterOptions = {}, server = new FakeIngest()): Harness {
  const errors: MeterErrorInfo[] = [];
  const meter = createMeter({
    apiKey: 'test-key',
    fetch: server.fetch,
    flushIntervalMs: 60_000,
    onError: (info) => errors.push(info),
    ...options,
  });
  return { server, meter, errors };
}

/** Under fake timers: advances the clock until `promise` settles (or `limitMs` of fake time passed). */
export async function settle<T>(promise: Promise<T>, { stepMs = 100, limitMs = 3_600_000 } = {}): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let elapsed = 0; !done && elapsed < limitMs; elapsed += stepMs)
    await vi.advanceTimersByTimeAsync(stepMs);
  if (!done) throw new Error(`Still pending after ${limitMs} ms of fake time.`);
  return promise;
}

export function useFakeClock(now: Date | number = new Date('2026-03-01T12:00:00.000Z')): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now });
}

export const event = (n: number, extra: Record<string, unknown> = {}) => ({
  agent_id: 'agent',
  action: 'chat',
  customer_id: 'acme',
  tokens_input: n,
  tokens_output: 1,
  ...extra,
});

/** Intervals between consecutive batch requests, in ms of (fake) time. */
export function intervals(server: FakeIngest): number[] {
  const times = server.requests
    .filter((request) => request.path === '/v1/meter/batch')
    .map((request) => request.at);
  return times.slice(1).map((at, index) => at - (times[index] as number));
}
