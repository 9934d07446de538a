import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';
import { bodyHash } from './ingest.js';

describe.each(STORE_KINDS)('one event id, as event_id or as Idempotency-Key, on %s', (kind) => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    await api.call('PUT', '/v1/tiers/default', { body: { base_fee: '0.25' } });
  });
  afterEach(async () => cleanup());

  const meter = (body: unknown, headers?: Record<string, string>) =>
    api.call('POST', '/v1/meter', { body, ...(headers ? { headers } : {}) });
  const event = { agent_id: 'agent', action: 'chat', tokens_input: 10 };

  it('an event sent with the header, then with the same id as event_id, is a replay (and the other way round)', async () => {
    const first = await meter(event, { 'idempotency-key': 'K1' });
    expect(first.body).toMatchObject({ event_id: 'K1', replayed: false });
    const again = await meter({ ...event, event_id: 'K1' });
    expect([again.status, again.body.replayed, again.body.price]).toEqual([200, true, first.body.price]);

    expect((await meter({ ...event, event_id: 'K2' })).body.replayed).toBe(false);
    const byHeader = await meter(event, { 'idempotency-key': 'K2' });
    expect([byHeader.status, byHeader.body.replayed]).toEqual([200, true]);
    const both = await meter({ ...event, event_id: 'K2' }, { 'idempotency-key': 'K2' });
    expect([both.status, both.body.replayed]).toEqual([200, true]);
  });

  it('a different event under the same id is still refused, however the id is sent', async () => {
    await meter(event, { 'idempotency-key': 'K3' });
    const changed = await meter({ ...event, tokens_input: 11, event_id: 'K3' });
    expect([changed.status, changed.body.code]).toEqual([409, 'idempotency_key_reused']);
    const changedByHeader = await meter({ ...event, tokens_input: 11 }, { 'idempotency-key': 'K3' });
    expect([changedByHeader.status, changedByHeader.body.code]).toEqual([409, 'idempotency_key_reused']);
  });

  it("a batch event's derived id ({key}:{index}) is the same identifier as that id sent as event_id", async () => {
    const batch = await api.call('POST', '/v1/meter/batch', {
      body: { events: [event, { ...event, action: 'other' }] },
      headers: { 'idempotency-key': 'B' },
    });
    expect(batch.body.results.map((result: { event_id: string }) => result.event_id)).toEqual(['B:0', 'B:1']);
    const single = await meter({ ...event, event_id: 'B:0' });
    expect([single.status, single.body.replayed]).toEqual([200, true]);
    const byHeader = await meter({ ...event, action: 'other' }, { 'idempotency-key': 'B:1' });
    expect([byHeader.status, byHeader.body.replayed]).toEqual([200, true]);
    // And in a batch the other way: the explicit id of the first, the derived one of the second.
    const mixed = await api.call('POST', '/v1/meter/batch', {
      body: {
        events: [
          { ...event, event_id: 'B:0' },
          { ...event, action: 'other' },
        ],
      },
      headers: { 'idempotency-key': 'B' },
    });
    expect(mixed.body.summary).toEqual({ accepted: 0, duplicate: 2, rejected: 0 });
  });

  it('events stored under the earlier hash (header ids without event_id) still replay either way', async () => {
    // A row as it was stored before: an id from the header, hashed over the body without event_id.
    const template = await meter(event, { 'idempotency-key': 'template' });
    expect(template.status).toBe(200);
    const stored = await api.store.getEvent(api.projectId, 'template');
    if (!stored) throw new Error('the template event was not stored');
    const { seq: _seq, ...row } = stored;
    await api.store.insertEvents(api.projectId, [
      { ...row, eventId: 'legacy-header', bodyHash: bodyHash(event) },
    ]);
    // And one sent with event_id in the body, hashed over the body as sent (which included the id).
    await api.store.insertEvents(api.projectId, [
      { ...row, eventId: 'legacy-body', bodyHash: bodyHash({ ...event, event_id: 'legacy-body' }) },
    ]);

    for (const [id, send] of [
      ['legacy-header', 'header'],
      ['legacy-header', 'body'],
      ['legacy-body', 'header'],
      ['legacy-body', 'body'],
    ] as const) {
      const replay =
        send === 'header'
          ? await meter(event, { 'idempotency-key': id })
          : await meter({ ...event, event_id: id });
      expect([id, send, replay.status, replay.body.replayed]).toEqual([id, send, 200, true]);
    }
    const changed = await meter({ ...event, tokens_input: 99 }, { 'idempotency-key': 'legacy-header' });
    expect(changed.body.code).toBe('idempotency_key_reused');
  });
});
