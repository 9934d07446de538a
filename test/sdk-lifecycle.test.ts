// Failure modes 1 (exit drain), 2 (serverless), 13 (hang) and 15 (calls after shutdown) of
// docs/delivery.md, in process. The process-level cases are in sdk-process.test.ts.
import { MeterError } from '@agentmeter/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { event, harness, settle, useFakeClock } from './sdk-helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('exit drain (1)', () => {
  it('shutdown() delivers every queued event exactly once', async () => {
    const { server, meter } = harness({ flushAt: 10_000, maxBatchEvents: 100 });
    const ids = Array.from({ length: 250 }, (_, n) => meter.track(event(n)));
    const result = await meter.shutdown();
    expect(result).toEqual({ sent: 250, failed: 0, pending: 0, pendingIds: [] });
    expect(server.ledger.size).toBe(250);
    for (const id of ids) expect(server.deliveries.get(id)).toBe(1);
  });
});

describe('serverless (2)', () => {
  it('hands each flush to waitUntil and loses nothing across warm invocations', async () => {
    const pending: Promise<unknown>[] = [];
    const { server, meter } = harness({ waitUntil: (promise) => pending.push(promise) });
    const handler = (n: number) => [0, 1, 2].map((k) => meter.track(event(n * 10 + k)));
    const tracked: string[] = [];
    for (let invocation = 0; invocation < 3; invocation++) {
      tracked.push(...handler(invocation));
      expect(pending.length).toBeGreaterThan(0);
      // The platform keeps the invocation alive until every waitUntil promise settles, then freezes it.
      await Promise.all(pending.splice(0));
      expect(tracked.every((id) => server.ledger.has(id))).toBe(true);
    }
    for (const id of tracked) expect(server.deliveries.get(id)).toBe(1);
  });

  it('an awaited flush() per invocation delivers what the invocation tracked', async () => {
    const { server, meter } = harness({ flushAt: 1000 });
    for (let invocation = 0; invocation < 3; invocation++) {
      const ids = [1, 2].map((n) => meter.track(event(n)));
      await meter.flush();
      for (const id of ids) expect(server.ledger.has(id)).toBe(true);
    }
    expect(server.ledger.size).toBe(6);
  });
});

describe('hang (13)', () => {
  it('shutdown returns at its deadline with the stuck events pending, even if fetch ignores abort', async () => {
    useFakeClock();
    const { server, meter } = harness({ requestTimeoutMs: 60_000 });
    server.fault = () => ({ stall: true, ignoreAbort: true });
    const ids = [1, 2, 3].map((n) => meter.track(event(n)));
    let result: unknown;
    void meter.shutdown({ timeoutMs: 5000 }).then((value) => {
      result = value;
    });
    await vi.advanceTimersByTimeAsync(4999);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toEqual({ sent: 0, failed: 0, pending: 3, pendingIds: ids });
  });

  it('the per-attempt deadline fires when fetch ignores abort, and the batch is retried under the same key', async () => {
    useFakeClock();
    const { server, meter } = harness({ requestTimeoutMs: 3000 });
    server.fault = (_request, index) => (index === 0 ? { stall: true, ignoreAbort: true } : undefined);
    const id = meter.track(event(1));
    await settle(meter.flush());
    expect(server.requests.map((request) => request.key)).toEqual([
      server.requests[0]?.key,
      server.requests[0]?.key,
    ]);
    expect([...server.ledger.keys()]).toEqual([id]);
  });
});

describe('shutdown is idempotent; calls after it are reported (15)', () => {
  it('returns the same result twice and reports track()/resolve() after it', async () => {
    const { server, meter, errors } = harness();
    meter.track(event(1));
    const first = meter.shutdown();
    expect(meter.shutdown()).toBe(first);
    expect(await first).toMatchObject({ sent: 1, pending: 0 });
    const late = meter.track(event(2));
    meter.resolve(late, 'success');
    expect(errors).toEqual([
      expect.objectContaining({ code: 'after_shutdown', ids: [late] }),
      expect.objectContaining({ code: 'after_shutdown', ids: [`out_${late}`] }),
    ]);
    await expect(meter.trackNow(event(3))).rejects.toSatisfy(
      (error) => MeterError.isInstance(error) && error.code === 'after_shutdown',
    );
    expect(server.ledger.size).toBe(1);
    expect(await meter.shutdown()).toBe(await first);
  });

  it('validates the shutdown timeout', async () => {
    const { meter } = harness();
    await expect(meter.shutdown({ timeoutMs: -1 })).rejects.toThrow(
      'Expected `timeoutMs` to be a non-negative number, got -1.',
    );
  });
});
