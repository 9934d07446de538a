// Failure mode 9 of docs/delivery.md: a long outage fills the queue. The overflow policy
// is enforced, every removed or refused id is reported, and memory stays bounded.
import type { MeterErrorInfo, OverflowPolicy } from '@agentmeter/sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeIngest } from './sdk-fake-server.js';
import { event, harness } from './sdk-helpers.js';

const outage = () => {
  const server = new FakeIngest();
  server.fault = () => ({ status: 503 });
  return server;
};

const overflowIds = (errors: MeterErrorInfo[]) =>
  errors.filter((error) => error.code === 'overflow').flatMap((error) => error.ids);

describe('long outage (9)', () => {
  it("'drop-newest' (the default) refuses the new events past the bound and names each of them", async () => {
    const { meter, errors } = harness({ maxQueueEvents: 100, flushAt: 1000, maxRetries: 0 }, outage());
    const ids = Array.from({ length: 150 }, (_, n) => meter.track(event(n)));
    await Promise.resolve();
    expect(overflowIds(errors)).toEqual(ids.slice(100));
    const result = await meter.shutdown({ timeoutMs: 0 });
    expect(result.pendingIds).toEqual(ids.slice(0, 100));
    expect(result.failed).toBe(50);
  });

  it("'drop-oldest' removes the oldest queued events to make room and names them", async () => {
    const { meter, errors } = harness(
      { maxQueueEvents: 100, flushAt: 1000, overflow: 'drop-oldest' },
      outage(),
    );
    const ids = Array.from({ length: 130 }, (_, n) => meter.track(event(n)));
    await Promise.resolve();
    expect(overflowIds(errors)).toEqual(ids.slice(0, 30));
    const result = await meter.shutdown({ timeoutMs: 0 });
    expect(result.pendingIds).toEqual(ids.slice(30));
  });

  /** What a policy did with `count` events past a bound of `bound`: the ids it reported, what stayed queued. */
  const fill = async (overflow: OverflowPolicy | undefined, bound: number, count: number) => {
    const { meter, errors } = harness(
      { maxQueueEvents: bound, flushAt: 1000, maxRetries: 0, ...(overflow ? { overflow } : {}) },
      outage(),
    );
    for (let n = 0; n < count; n++) meter.track(event(n, { event_id: `evt-${n}` }));
    await Promise.resolve();
    const result = await meter.shutdown({ timeoutMs: 0 });
    return {
      reported: overflowIds(errors),
      pending: result.pendingIds,
      failed: result.failed,
      messages: errors.filter((error) => error.code === 'overflow').map((error) => error.message),
    };
  };

  it("the default is 'drop-newest'; the deprecated 'error' is the same policy; 'drop-oldest' is another", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 30 }),
        async (bound, count) => {
          const ids = Array.from({ length: count }, (_, n) => `evt-${n}`);
          const byDefault = await fill(undefined, bound, count);
          const newest = await fill('drop-newest', bound, count);
          const alias = await fill('error', bound, count);
          const oldest = await fill('drop-oldest', bound, count);
          // 'drop-newest' keeps the first `bound` events and refuses, and names, the rest.
          expect(newest.reported).toEqual(ids.slice(bound));
          expect(newest.pending).toEqual(ids.slice(0, bound));
          expect(newest.failed).toBe(Math.max(0, count - bound));
          // The default and the old name are that policy exactly, down to the name the report gives.
          expect(byDefault).toEqual(newest);
          expect(alias).toEqual(newest);
          // 'drop-oldest' keeps the last `bound` instead: past the bound, the policies differ.
          expect(oldest.reported).toEqual(ids.slice(0, Math.max(0, count - bound)));
          expect(oldest.pending).toEqual(ids.slice(Math.max(0, count - bound)));
          if (count > bound) {
            expect(oldest.pending).not.toEqual(newest.pending);
            expect(newest.messages.join()).toContain("overflow 'drop-newest' refused");
          } else expect(oldest).toEqual(newest);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('bounds the queue by bytes as well as by count', async () => {
    const { meter, errors } = harness({ maxQueueBytes: 4096, maxBatchBytes: 1024, flushAt: 1000 }, outage());
    const ids = Array.from({ length: 40 }, (_, n) =>
      meter.track(event(n, { metadata: { pad: 'p'.repeat(150) } })),
    );
    await Promise.resolve();
    const refused = overflowIds(errors);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused).toEqual(ids.slice(ids.length - refused.length));
    const kept = (await meter.shutdown({ timeoutMs: 0 })).pendingIds;
    expect(kept).toEqual(ids.slice(0, ids.length - refused.length));
    expect(kept.length * 150).toBeLessThan(4096);
  });

  it('keeps memory bounded while the server is down for 300,000 events', async () => {
    let refused = 0;
    const { meter } = harness(
      {
        maxQueueEvents: 1000,
        flushAt: 500,
        maxRetries: 0,
        onError: (info) => (refused += info.code === 'overflow' ? info.ids.length : 0),
      },
      outage(),
    );
    const before = process.memoryUsage().heapUsed;
    for (let n = 0; n < 300_000; n++) {
      meter.track(event(n, { metadata: { pad: 'm'.repeat(200) } }));
      if (n % 10_000 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    const grown = process.memoryUsage().heapUsed - before;
    const result = await meter.shutdown({ timeoutMs: 0 });
    expect(result.pending).toBeLessThanOrEqual(1000);
    expect(result.pending + refused).toBe(300_000);
    // Unbounded, 300,000 queued events of ~400 bytes each would hold well over 100 MB.
    expect(grown).toBeLessThan(60 * 1024 * 1024);
  });
});
