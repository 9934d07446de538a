// Outcomes, trackNow(), resolveNow() and withContext() against the contract fake.
import { MeterError } from '@agentmeter/sdk';
import { describe, expect, it, vi } from 'vitest';
import { event, harness, settle, useFakeClock } from './sdk-helpers.js';

describe('outcomes', () => {
  it('sends a pending event and its resolution in one batch, events first, and maps event ids to outcome ids', async () => {
    const { server, meter, errors } = harness();
    const opened = meter.track(event(1, { outcome: 'pending', expires_at: '2026-12-31T00:00:00.000Z' }));
    meter.resolve(opened, 'success', { reviewer: 'qa' });
    const other = meter.track(event(2, { outcome: 'pending' }));
    meter.resolve(`out_${other}`, 'failure');
    await meter.flush();
    expect(server.requests).toHaveLength(1);
    const body = JSON.parse(server.requests[0]?.body ?? '{}');
    expect(body.events.map((e: { event_id: string }) => e.event_id)).toEqual([opened, other]);
    expect(body.resolutions).toEqual([
      { outcome_id: `out_${opened}`, outcome: 'success', metadata: { reviewer: 'qa' } },
      { outcome_id: `out_${other}`, outcome: 'failure' },
    ]);
    expect(server.ledger.get(opened)?.outcome).toBe('success');
    expect(server.ledger.get(other)?.outcome).toBe('failure');
    expect(errors).toEqual([]);
  });

  it('keeps a resolution behind its event when batches split the queue', async () => {
    const { server, meter, errors } = harness({ maxBatchEvents: 2, flushAt: 1000 });
    const ids = [1, 2, 3].map((n) => meter.track(event(n, { outcome: 'pending' })));
    meter.resolve(ids[2] as string, 'success');
    await meter.flush();
    expect(server.requests.map((request) => JSON.parse(request.body))).toEqual([
      {
        events: [
          expect.objectContaining({ event_id: ids[0] }),
          expect.objectContaining({ event_id: ids[1] }),
        ],
      },
      {
        events: [expect.objectContaining({ event_id: ids[2] })],
        resolutions: [{ outcome_id: `out_${ids[2]}`, outcome: 'success' }],
      },
    ]);
    expect(server.ledger.get(ids[2] as string)?.outcome).toBe('success');
    expect(errors).toEqual([]);
  });

  it('reports a resolution the server rejects, with its outcome id', async () => {
    const { meter, errors } = harness();
    meter.resolve('never-metered', 'success');
    await meter.flush();
    expect(errors).toEqual([expect.objectContaining({ code: 'rejected', ids: ['out_never-metered'] })]);
  });

  it('reports an invalid resolution locally and queues nothing', async () => {
    const { server, meter, errors } = harness();
    meter.resolve('abc', 'maybe' as 'success');
    await meter.flush();
    expect(errors).toEqual([expect.objectContaining({ code: 'invalid_event', ids: ['out_abc'] })]);
    expect(server.requests).toHaveLength(0);
  });

  it('resolveNow() first delivers the queued event that opened the outcome', async () => {
    const { server, meter } = harness();
    const opened = meter.track(event(1, { outcome: 'pending' }));
    const response = await meter.resolveNow(opened, 'success');
    expect(response).toMatchObject({ outcome_id: `out_${opened}`, status: 'success' });
    expect(server.requests.map((request) => request.path)).toEqual([
      '/v1/meter/batch',
      `/v1/outcomes/out_${opened}/resolve`,
    ]);
  });
});

describe('trackNow()', () => {
  it('sends at once, idempotently, and returns the typed price', async () => {
    const { server, meter } = harness();
    const priced: number[] = [];
    meter.on('priced', (events) => priced.push(...events.map((e) => e.price_charged)));
    const response = await meter.trackNow(event(1, { event_id: 'call-1' }));
    expect(response).toMatchObject({
      event_id: 'call-1',
      price_charged: 0.01,
      price_breakdown: { base: 0.01, tokens: 0, outcome: 0 },
    });
    expect(server.requests[0]).toMatchObject({ path: '/v1/meter', key: 'call-1' });
    const again = await meter.trackNow(event(1, { event_id: 'call-1' }));
    expect(again.replayed).toBe(true);
    expect(server.ledger.size).toBe(1);
    expect(priced).toEqual([0.01, 0.01]);
  });

  it('throws a typed error naming the event for a rejected event, without retrying', async () => {
    const { server, meter } = harness();
    server.rejectEvent = () => ({ code: 'unknown_tier', retryable: false });
    const failure = await meter.trackNow(event(1, { event_id: 'bad-1' })).catch((error: unknown) => error);
    expect(MeterError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'rejected', status: 422, ids: ['bad-1'] });
    expect(server.requests).toHaveLength(1);
  });

  it('retries under the event id as the key, and reports exhausted retries as delivery_failed', async () => {
    useFakeClock();
    try {
      const { server, meter } = harness({ maxRetries: 1 });
      server.fault = (_request, index) => (index === 0 || index >= 2 ? { status: 503 } : undefined);
      const ok = await settle(meter.trackNow(event(1, { event_id: 'retry-1' })));
      expect(ok.event_id).toBe('retry-1');
      expect(server.requests.map((request) => request.key)).toEqual(['retry-1', 'retry-1']);
      const failure = await settle(
        meter.trackNow(event(2, { event_id: 'retry-2' })).catch((error: unknown) => error),
      );
      expect(failure).toMatchObject({ code: 'delivery_failed', status: 503, ids: ['retry-2'] });
      expect(server.requests).toHaveLength(4);
      expect([...server.ledger.keys()]).toEqual(['retry-1']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs many concurrent calls without piling listeners onto one abort signal', async () => {
    const { server, meter } = harness();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      await Promise.all(Array.from({ length: 40 }, (_, n) => meter.trackNow(event(n))));
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    expect(server.ledger.size).toBe(40);
  });

  it('the deprecated meter() is trackNow(): the same request, response and events, under its own name', async () => {
    const { server, meter } = harness();
    const acknowledged: string[] = [];
    meter.on('acknowledged', (ids) => acknowledged.push(...ids));
    const sent = event(1, { event_id: 'alias-1', timestamp: new Date().toISOString() });
    const viaAlias = await meter.meter(sent);
    const viaNew = await meter.trackNow(sent);
    expect(viaNew).toEqual({ ...viaAlias, replayed: true });
    expect(server.requests.map(({ path, key }) => ({ path, key }))).toEqual([
      { path: '/v1/meter', key: 'alias-1' },
      { path: '/v1/meter', key: 'alias-1' },
    ]);
    expect(acknowledged).toEqual(['alias-1', 'alias-1']);
    await meter.shutdown();
    await expect(meter.meter(event(2))).rejects.toThrow('meter() after shutdown().');
    await expect(meter.trackNow(event(2))).rejects.toThrow('trackNow() after shutdown().');
  });

  it("the deprecated 'flush' event gets the ids 'acknowledged' gets, batched or sent at once, until unsubscribed", async () => {
    const { meter } = harness();
    const acknowledged: string[] = [];
    const flushed: string[] = [];
    meter.on('acknowledged', (ids) => acknowledged.push(...ids));
    const stop = meter.on('flush', (ids) => flushed.push(...ids));
    const queued = [meter.track(event(1)), meter.track(event(2))];
    await meter.flush();
    const direct = await meter.trackNow(event(3));
    expect(acknowledged).toEqual([...queued, direct.event_id]);
    expect(flushed).toEqual(acknowledged);
    stop();
    meter.track(event(4));
    await meter.flush();
    expect(acknowledged).toHaveLength(4);
    expect(flushed).toHaveLength(3);
  });

  it('throws invalid_event for an event without agent_id or action', async () => {
    const { meter } = harness();
    await expect(meter.trackNow({ action: 'x' } as never)).rejects.toThrow(
      'Expected `agent_id` (on the event or from withContext) to be a non-empty string.',
    );
  });
});

describe('withContext()', () => {
  it('bills the customer of the request in effect, across awaits, and merges nested contexts', async () => {
    const { server, meter } = harness();
    const handle = async (customer: string) =>
      meter.withContext(
        { customer_id: customer, agent_id: 'support', metadata: { region: 'eu', plan: 'pro' } },
        async () => {
          await new Promise((resolve) => setTimeout(resolve, customer === 'a' ? 5 : 1));
          return meter.withContext({ action: 'answer', metadata: { plan: 'team' } }, () =>
            meter.track({ tokens_input: 1, metadata: { ticket: customer } }),
          );
        },
      );
    const [a, b] = await Promise.all([handle('a'), handle('b')]);
    await meter.flush();
    expect(server.ledger.get(a)?.event).toMatchObject({
      customer_id: 'a',
      agent_id: 'support',
      action: 'answer',
      metadata: { region: 'eu', plan: 'team', ticket: 'a' },
    });
    expect(server.ledger.get(b)?.event).toMatchObject({ customer_id: 'b' });
    expect(meter.currentContext()).toBeUndefined();
  });

  it("lets the event's own fields win over the context", async () => {
    const { server, meter } = harness();
    const id = meter.withContext({ customer_id: 'ctx', agent_id: 'ctx-agent', action: 'ctx-action' }, () =>
      meter.track({ customer_id: 'own', agent_id: 'own-agent', action: 'own-action' }),
    );
    await meter.flush();
    expect(server.ledger.get(id)?.event).toMatchObject({
      customer_id: 'own',
      agent_id: 'own-agent',
      action: 'own-action',
    });
  });

  it('reports an event missing agent_id as invalid_event, and returns its id', async () => {
    const { server, meter, errors } = harness();
    const id = meter.track({ action: 'x' } as never);
    await meter.flush();
    expect(errors).toEqual([expect.objectContaining({ code: 'invalid_event', ids: [id] })]);
    expect(server.requests).toHaveLength(0);
  });
});
