// Failure modes 7 (429 and Retry-After) and 8 (5xx storm, then recovery) of docs/delivery.md.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { event, harness, intervals, settle, useFakeClock } from './sdk-helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('Retry-After', () => {
  it.each([
    ['delta-seconds', { 'retry-after': '7' }, 7000],
    ['retry-after-ms', { 'retry-after-ms': '2500' }, 2500],
  ])(
    'waits at least the %s the server asks for, without using the retry budget (7)',
    async (_name, headers, wait) => {
      useFakeClock();
      const { server, meter, errors } = harness({ maxRetries: 0 });
      server.fault = (_request, index) => (index < 2 ? { status: 429, headers } : undefined);
      const id = meter.track(event(1));
      await settle(meter.flush(), { stepMs: 10 });
      expect(server.requests).toHaveLength(3);
      for (const interval of intervals(server)) {
        expect(interval).toBeGreaterThanOrEqual(wait);
        expect(interval).toBeLessThanOrEqual(Math.max(wait, 1000));
      }
      expect([...server.ledger.keys()]).toEqual([id]);
      expect(errors).toEqual([]);
    },
  );

  it('honours an HTTP-date (7)', async () => {
    useFakeClock(new Date('2026-03-01T12:00:00.000Z'));
    const { server, meter } = harness({ maxRetries: 0 });
    server.fault = (_request, index) =>
      index === 0
        ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 12_000).toUTCString() } }
        : undefined;
    meter.track(event(1));
    await settle(meter.flush(), { stepMs: 10 });
    expect(server.requests.map((request) => new Date(request.at).toISOString())).toEqual([
      '2026-03-01T12:00:00.000Z',
      '2026-03-01T12:00:12.000Z',
    ]);
  });

  it.each([
    ['0', { 'retry-after': '0' }],
    ['a past date', { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }],
  ])('treats Retry-After %s as "now" and still backs off with jitter (7)', async (_name, headers) => {
    useFakeClock();
    const { server, meter } = harness({ maxRetries: 0 });
    server.fault = (_request, index) => (index === 0 ? { status: 429, headers } : undefined);
    meter.track(event(1));
    await settle(meter.flush(), { stepMs: 10 });
    const [interval] = intervals(server);
    expect(interval).toBeGreaterThanOrEqual(500);
    expect(interval).toBeLessThanOrEqual(1000);
  });

  it('clamps a very long Retry-After to 300 s (7)', async () => {
    useFakeClock();
    const { server, meter } = harness();
    server.fault = (_request, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '86400' } } : undefined;
    meter.track(event(1));
    await settle(meter.flush(), { stepMs: 1000 });
    expect(intervals(server)).toEqual([300_000]);
  });

  it('pauses the whole pipeline: a trackNow() call during the pause waits for it (7)', async () => {
    useFakeClock();
    const { server, meter } = harness({ maxRetries: 0 });
    server.fault = (request, index) =>
      index === 0 && request.path === '/v1/meter/batch'
        ? { status: 429, headers: { 'retry-after': '20' } }
        : undefined;
    meter.track(event(1));
    const flushed = meter.flush();
    await vi.advanceTimersByTimeAsync(1000);
    const direct = meter.trackNow(event(2));
    await settle(Promise.all([flushed, direct]), { stepMs: 10 });
    const start = server.requests[0]?.at ?? 0;
    const meterRequest = server.requests.find((request) => request.path === '/v1/meter');
    expect((meterRequest?.at ?? 0) - start).toBeGreaterThanOrEqual(20_000);
  });
});

describe('5xx storm, then recovery', () => {
  it('delivers every event exactly once and keeps every backoff inside its jitter bounds (8)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(500, 502, 503, 504, 408), { minLength: 0, maxLength: 5 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 8,
          maxLength: 8,
        }),
        fc.integer({ min: 1, max: 40 }),
        async (storm, randoms, count) => {
          useFakeClock();
          let draw = 0;
          vi.spyOn(Math, 'random').mockImplementation(() => randoms[draw++ % randoms.length] as number);
          const { server, meter, errors } = harness({ maxRetries: 5, flushAt: 1000 });
          server.fault = (_request, index) =>
            index < storm.length ? { status: storm[index] as number } : undefined;
          const ids = Array.from({ length: count }, (_, n) => meter.track(event(n)));
          await settle(meter.flush(), { stepMs: 50 });
          expect(errors).toEqual([]);
          expect(server.ledger.size).toBe(count);
          for (const id of ids) expect(server.deliveries.get(id)).toBe(1);
          intervals(server).forEach((interval, retry) => {
            const ceiling = Math.min(30_000, 1000 * 2 ** retry);
            expect(interval).toBeGreaterThanOrEqual(Math.max(500, ceiling / 2));
            expect(interval).toBeLessThanOrEqual(Math.max(500, ceiling));
          });
          vi.restoreAllMocks();
          vi.useRealTimers();
        },
      ),
      { numRuns: 40 },
    );
  });
});
