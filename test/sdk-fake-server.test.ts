// The SDK's delivery tests run against FakeIngest, a hand-written stand-in for the ingest routes; it
// is only a fair stand-in while what it answers is what openapi.yaml allows. Every response it sends
// is checked against the contract (a test drawing a non-conforming one fails after it); here every
// route and answer it has is drawn once, so a drift shows even where no delivery test reaches.
import { describe, expect, it } from 'vitest';
import { FakeIngest } from './sdk-fake-server.js';

const event = (id: string, extra: Record<string, unknown> = {}) => ({
  event_id: id,
  agent_id: 'agent',
  action: 'reply',
  customer_id: 'cus_1',
  timestamp: '2026-11-26T12:00:00.000Z',
  ...extra,
});

async function send(fake: FakeIngest, path: string, body: unknown, key = 'test-key') {
  const response = await fake.handle(
    new Request(`http://fake.test${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.status, body: (await response.json()) as any };
}

describe('FakeIngest answers as openapi.yaml says', () => {
  it('on every route, for every answer it has', async () => {
    const fake = new FakeIngest();
    expect((await send(fake, '/v1/meter', event('evt_single_1'))).status).toBe(200);
    expect((await send(fake, '/v1/meter', event('evt_single_1'))).body.replayed).toBe(true);
    const pending = await send(fake, '/v1/meter', event('evt_pending_1', { outcome: 'pending' }));
    expect(pending.body.outcome_id).toBe('out_evt_pending_1');
    const batch = await send(fake, '/v1/meter/batch', {
      events: [event('evt_batch_1'), event('evt_batch_2', { outcome: 'pending' }), event('evt_batch_1')],
      resolutions: [
        { outcome_id: 'out_evt_batch_2', outcome: 'success' },
        { outcome_id: 'out_evt_nothing', outcome: 'failure' },
      ],
    });
    expect(batch.body.summary).toEqual({ accepted: 2, duplicate: 1, rejected: 0 });
    const resolved = await send(fake, '/v1/outcomes/out_evt_pending_1/resolve', {
      outcome: 'success',
      metadata: { note: 'done' },
    });
    expect([resolved.status, resolved.body.status, resolved.body.outcome.charged]).toEqual([
      200,
      'success',
      '0.500000000000',
    ]);
    expect(
      (await send(fake, '/v1/outcomes/out_evt_pending_1/resolve', { outcome: 'success' })).body.replayed,
    ).toBe(true);
    expect((await send(fake, '/v1/outcomes/out_evt_nothing/resolve', { outcome: 'success' })).status).toBe(
      404,
    );
    expect(
      (await send(fake, '/v1/outcomes/out_evt_pending_1/resolve', { outcome: 'success', x: 1 })).status,
    ).toBe(400);
    fake.rejectEvent = () => ({ code: 'validation_error', retryable: false });
    expect((await send(fake, '/v1/meter', event('evt_refused_1'))).status).toBe(422);
    expect(
      (await send(fake, '/v1/meter/batch', { events: [event('evt_refused_2')] })).body.summary.rejected,
    ).toBe(1);
    fake.maxBatchEvents = 0;
    expect((await send(fake, '/v1/meter/batch', { events: [event('evt_big_1')] })).status).toBe(413);
    expect((await send(fake, '/v1/meter', event('evt_1'), 'wrong-key')).status).toBe(401);
    expect((await send(fake, '/v1/nowhere', {})).status).toBe(404);
    fake.fault = () => ({ status: 503, headers: { 'retry-after': '1' } });
    expect((await send(fake, '/v1/meter/batch', { events: [] })).status).toBe(503);
    fake.fault = () => ({ status: 502 });
    expect((await send(fake, '/v1/meter/batch', { events: [] })).status).toBe(502);

    expect(fake.contractViolations).toEqual([]);
  });

  it('notices an answer the contract does not allow', async () => {
    const fake = new FakeIngest();
    fake.fault = () => ({ status: 503, body: { message: 'down' } });
    await send(fake, '/v1/meter/batch', { events: [] });

    expect(fake.contractViolations).toEqual([
      "POST /v1/meter/batch answered 503: / must have required property 'type'; / must have required property 'title'; / must have required property 'status'; / must have required property 'code'",
    ]);
    // Seen; not this test's failure.
    fake.contractViolations.length = 0;
  });
});
