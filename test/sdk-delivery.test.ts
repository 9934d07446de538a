// Failure modes 3, 4, 5, 6, 10, 11, 12, 14 and 16 of docs/delivery.md, against a
// contract fake of the batch endpoint (dedupes by event_id, per-event results).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeIngest } from './sdk-fake-server.js';
import { event, harness, settle, useFakeClock } from './sdk-helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('ambiguous outcomes and request identity', () => {
  it('counts an event once when the server commits and the response never arrives (3)', async () => {
    useFakeClock();
    const { server, meter, errors } = harness({ requestTimeoutMs: 2000 });
    server.fault = (_request, index) => (index === 0 ? { commitThenStall: true } : undefined);
    const priced: string[] = [];
    meter.on('priced', (events) => priced.push(...events.map((e) => `${e.event_id}:${e.status}`)));
    const ids = [1, 2, 3].map((n) => meter.track(event(n)));
    await settle(meter.flush());
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.key).toBe(server.requests[0]?.key);
    expect(server.requests[1]?.body).toBe(server.requests[0]?.body);
    expect(server.ledger.size).toBe(3);
    for (const id of ids) expect(server.deliveries.get(id)).toBe(2);
    expect(priced).toEqual(ids.map((id) => `${id}:duplicate`));
    expect(errors).toEqual([]);
    expect(await settle(meter.shutdown())).toMatchObject({ sent: 3, failed: 0, pending: 0 });
  });

  it('keeps the key, the body bytes and the event ids across attempts; only the attempt header changes (4)', async () => {
    useFakeClock();
    const { server, meter } = harness();
    const statuses = [503, 502, 500, 504];
    server.fault = (_request, index) =>
      index < statuses.length ? { status: statuses[index] as number } : undefined;
    const ids = [1, 2].map((n) => meter.track(event(n)));
    await settle(meter.flush());
    expect(server.requests).toHaveLength(5);
    const [first, ...rest] = server.requests;
    for (const request of rest) {
      expect(request.key).toBe(first?.key);
      expect(request.body).toBe(first?.body);
    }
    expect(server.requests.map((request) => request.attempt)).toEqual(['1', '2', '3', '4', '5']);
    expect(server.batchIds()).toEqual(Array(5).fill(ids));
    expect(first?.key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries a connection reset on the first attempt once, with the key, even with maxRetries 0 (5)', async () => {
    const { server, meter, errors } = harness({ maxRetries: 0 });
    server.fault = (_request, index) => (index === 0 ? { reset: 'ECONNRESET' } : undefined);
    const id = meter.track(event(1));
    await meter.flush();
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.key).toBe(server.requests[0]?.key);
    expect([...server.ledger.keys()]).toEqual([id]);
    expect(errors).toEqual([]);
  });

  it('does not retry a second reset when maxRetries is 0, and keeps the batch queued (5)', async () => {
    const { server, meter, errors } = harness({ maxRetries: 0 });
    server.fault = (_request, index) => (index < 2 ? { reset: 'EPIPE' } : undefined);
    const id = meter.track(event(1));
    await meter.flush();
    expect(server.requests).toHaveLength(2);
    expect(errors.map((error) => [error.code, error.ids])).toEqual([['delivery_failed', [id]]]);
    await meter.flush();
    expect(server.requests[2]?.key).toBe(server.requests[0]?.key);
    expect([...server.ledger.keys()]).toEqual([id]);
  });

  it('stamps the time at capture: an event taken at 23:59:59.900 keeps it when sent after midnight (16)', async () => {
    useFakeClock(new Date('2026-01-31T23:59:59.900Z'));
    const { server, meter } = harness();
    server.fault = (_request, index) => (index < 2 ? { status: 503 } : undefined);
    const id = meter.track(event(1));
    await settle(meter.flush());
    const last = server.requests.at(-1);
    expect(new Date(last?.at ?? 0).toISOString() >= '2026-02-01T00:00:00.000Z').toBe(true);
    expect(server.ledger.get(id)?.event['timestamp']).toBe('2026-01-31T23:59:59.900Z');
    expect(new Set(server.requests.map((request) => request.body)).size).toBe(1);
  });
});

describe('payload limits', () => {
  it('halves a batch on 413 under new keys, keeping event ids, with no loss or duplicate (6)', async () => {
    const { server, meter, errors } = harness({ flushAt: 1000 });
    server.maxBatchEvents = 3;
    const ids = Array.from({ length: 10 }, (_, n) => meter.track(event(n)));
    await meter.flush();
    expect([...server.ledger.keys()].sort()).toEqual([...ids].sort());
    for (const id of ids) expect(server.deliveries.get(id)).toBe(1);
    const accepted = server.requests.filter((request) => JSON.parse(request.body).events.length <= 3);
    expect(
      accepted.flatMap((request) =>
        JSON.parse(request.body).events.map((e: { event_id: string }) => e.event_id),
      ),
    ).toEqual(ids);
    const keys = server.requests.map((request) => request.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(errors).toEqual([]);
  });

  it('reports a single event larger than maxBatchBytes and does not let it block the queue (6)', async () => {
    const { server, meter, errors } = harness({ maxBatchBytes: 1024 });
    const big = meter.track(event(1, { metadata: { note: 'x'.repeat(2000) } }));
    const small = meter.track(event(2));
    await meter.flush();
    expect(errors).toEqual([expect.objectContaining({ code: 'event_too_large', ids: [big] })]);
    expect([...server.ledger.keys()]).toEqual([small]);
  });

  it('reports a lone item the server refuses as too large, and sends the rest (6)', async () => {
    const { server, meter, errors } = harness();
    server.fault = (request) => (request.body.includes('"poison"') ? { status: 413 } : undefined);
    const ids = [1, 2, 3].map((n) => meter.track(event(n, n === 2 ? { model: 'poison' } : {})));
    await meter.flush();
    expect(errors).toEqual([expect.objectContaining({ code: 'event_too_large', ids: [ids[1]] })]);
    expect([...server.ledger.keys()].sort()).toEqual([ids[0], ids[2]].sort());
  });
});

describe('exhausted retries and permanent errors', () => {
  it('returns an exhausted batch to the head with the same key and ids, then delivers it once (10)', async () => {
    useFakeClock();
    const { server, meter, errors } = harness({ maxRetries: 2 });
    let down = true;
    server.fault = () => (down ? { status: 503 } : undefined);
    const ids = [1, 2, 3].map((n) => meter.track(event(n)));
    await settle(meter.flush());
    expect(server.requests).toHaveLength(3);
    expect(errors.map((error) => [error.code, error.ids])).toEqual([['delivery_failed', ids]]);
    const later = meter.track(event(4));
    down = false;
    await settle(meter.flush());
    expect(server.requests[3]?.key).toBe(server.requests[0]?.key);
    expect(server.requests[3]?.body).toBe(server.requests[0]?.body);
    expect(server.batchIds().at(-1)).toEqual([later]);
    expect([...server.ledger.keys()]).toEqual([...ids, later]);
    for (const id of ids) expect(server.deliveries.get(id)).toBe(1);
  });

  it.each([400, 401, 403, 404, 422, 501, 505])(
    'does not retry %i; reports the ids; the next batch still goes (11)',
    async (status) => {
      const { server, meter, errors } = harness();
      server.fault = (_request, index) => (index === 0 ? { status } : undefined);
      const refused = [1, 2].map((n) => meter.track(event(n)));
      await meter.flush();
      expect(server.requests).toHaveLength(1);
      expect(errors).toEqual([expect.objectContaining({ code: 'rejected', ids: refused })]);
      const next = meter.track(event(3));
      await meter.flush();
      expect([...server.ledger.keys()]).toEqual([next]);
      expect(await meter.shutdown()).toMatchObject({ sent: 1, failed: 2, pending: 0 });
    },
  );

  it.each([408, 409, 429, 500, 502, 503, 504])('retries %i with the same key', async (status) => {
    useFakeClock();
    const { server, meter } = harness();
    server.fault = (_request, index) => (index === 0 ? { status } : undefined);
    const id = meter.track(event(1));
    await settle(meter.flush());
    expect(server.requests.map((request) => request.key)).toEqual([
      server.requests[0]?.key,
      server.requests[0]?.key,
    ]);
    expect([...server.ledger.keys()]).toEqual([id]);
  });

  it('resends only the events the server rejected as retryable; reports the permanent ones (12)', async () => {
    useFakeClock();
    const { server, meter, errors } = harness();
    let transient = 0;
    server.rejectEvent = (e) => {
      if (e['model'] === 'transient' && transient++ === 0) return { code: 'store_busy', retryable: true };
      if (e['model'] === 'bad') return { code: 'unknown_tier', retryable: false };
      return undefined;
    };
    const [ok1, flaky, bad, ok2] = ['m', 'transient', 'bad', 'm'].map((model, n) =>
      meter.track(event(n, { model })),
    );
    await settle(meter.flush());
    expect(server.batchIds()).toEqual([[ok1, flaky, bad, ok2], [flaky]]);
    expect(errors).toEqual([expect.objectContaining({ code: 'rejected', ids: [bad] })]);
    expect([...server.ledger.keys()].sort()).toEqual([ok1, flaky, ok2].sort());
    expect(await settle(meter.shutdown())).toMatchObject({ sent: 3, failed: 1, pending: 0 });
  });
});

describe('concurrency', () => {
  it('chains concurrent flushes: no loss, no double send, and each resolves after its own events (14)', async () => {
    const server = new FakeIngest();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const slow = harness(
      {
        flushAt: 1000,
        fetch: (input, init) =>
          calls++ === 0 ? gate.then(() => server.fetch(input, init)) : server.fetch(input, init),
      },
      server,
    );
    const first = [1, 2, 3].map((n) => slow.meter.track(event(n)));
    const flushA = slow.meter.flush().then(() => first.every((id) => server.ledger.has(id)));
    const second = [4, 5].map((n) => slow.meter.track(event(n)));
    const flushB = slow.meter.flush().then(() => second.every((id) => server.ledger.has(id)));
    const flushC = slow.meter.flush();
    const third = [6].map((n) => slow.meter.track(event(n)));
    release();
    expect(await Promise.all([flushA, flushB, flushC])).toEqual([true, true, undefined]);
    await slow.meter.flush();
    for (const id of [...first, ...second, ...third]) expect(server.deliveries.get(id)).toBe(1);
    expect(server.ledger.size).toBe(6);
  });
});
