// Failure mode 9 of docs/delivery.md: a long outage fills the queue. The overflow policy
// is enforced, every removed or refused id is reported, and memory stays bounded.
import type { MeterErrorInfo } from '@agentmeter/sdk';
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
  it("'error' (default) refuses the new events past the bound and names each of them", async () => {
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

  it("'drop-newest' discards the new events and names them", async () => {
    const { meter, errors } = harness(
      { maxQueueEvents: 10, flushAt: 1000, overflow: 'drop-newest' },
      outage(),
    );
    const ids = Array.from({ length: 12 }, (_, n) => meter.track(event(n)));
    await Promise.resolve();
    expect(overflowIds(errors)).toEqual(ids.slice(10));
    expect((await meter.shutdown({ timeoutMs: 0 })).pendingIds).toEqual(ids.slice(0, 10));
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
