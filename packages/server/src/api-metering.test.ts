import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, type ContractApi, contractApi, T0 } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';

describe.each(STORE_KINDS)('metering on %s', (kind) => {
  let api: ContractApi;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = contractApi(await apiHarness(opened.store));
  });
  afterEach(async () => cleanup());

  const put = <P extends string>(path: P, body: unknown) => api.call('PUT', path, { body });
  const meter = (body: unknown, headers?: Record<string, string>) =>
    api.call('POST', '/v1/meter', { body, ...(headers ? { headers } : {}) });

  it('prices per token: $0.003 per 1K on 2,000 + 800 tokens is 0.0084', async () => {
    expect(
      (
        await put('/v1/tiers/default', {
          token_rate_input: 0.003,
          token_rate_output: 0.003,
          token_unit: 1000,
        })
      ).status,
    ).toBe(200);
    const { status, body } = await meter({
      agent_id: 'research-agent-v1',
      action: 'research.complete',
      tokens_input: 2000,
      tokens_output: 800,
      metadata: { query: 'competitor analysis Q2' },
    });
    expect(status).toBe(200);
    expect(body.price_charged).toBe(0.0084);
    expect(body.price_breakdown).toEqual({ base: 0, tokens: 0.0084, outcome: 0 });
    expect(body.price).toEqual({ total: '0.0084', base: '0.00', tokens: '0.0084', outcome: '0.00' });
    expect(body).toMatchObject({
      tier: 'default',
      currency: 'USD',
      outcome_id: null,
      outcome_status: 'none',
      replayed: false,
    });
  });

  it('prices per call: ten calls at $0.05 are 0.50 whatever their tokens', async () => {
    await put('/v1/tiers/per-call', { base_fee: '0.05' });
    await put('/v1/agents/classify-agent', { tier: 'per-call' });
    for (let call = 0; call < 10; call++) {
      const { body } = await meter({
        agent_id: 'classify-agent',
        action: 'ticket.classified',
        tokens_input: 600 * (call + 1),
        tokens_output: 50,
      });
      expect(body.price_charged).toBe(0.05);
      expect(body.tier).toBe('per-call');
    }
    const usage = await api.call('GET', '/v1/usage?agent_id=classify-agent');
    expect(usage.body.totals[0]?.amounts).toEqual({
      base: '0.50',
      tokens: '0.00',
      outcome: '0.00',
      total: '0.50',
    });
    expect(usage.body.totals[0]?.calls).toBe(10);
  });

  it('returns all three components for a hybrid tier', async () => {
    await put('/v1/tiers/hybrid', {
      base_fee: '0.01',
      token_rate_input: '0.125',
      token_unit: 1000000,
      outcome_bonus: '5.00',
    });
    const { body } = await meter({
      agent_id: 'sales-agent-v3',
      action: 'lead.qualified',
      tokens_input: 2800,
      tokens_output: 650,
      outcome: 'success',
      tier: 'hybrid',
      metadata: { lead_score: 87, company: 'Acme Corp', deal_size: 45000 },
    });
    expect(body.price_breakdown).toEqual({ base: 0.01, tokens: 0.00035, outcome: 5 });
    expect(body.price_charged).toBe(5.01035);
    expect(body.outcome_status).toBe('success');
  });

  it('applies the most specific tier: event tier, then customer, then agent, then default', async () => {
    await put('/v1/tiers/default', { base_fee: '1' });
    await put('/v1/tiers/agent-tier', { base_fee: '2' });
    await put('/v1/tiers/customer-tier', { base_fee: '3' });
    await put('/v1/tiers/event-tier', { base_fee: '4' });
    await put('/v1/agents/agent-a', { tier: 'agent-tier' });
    await put('/v1/customers/cus-a', { tier: 'customer-tier' });
    const tierOf = async (event: Record<string, unknown>) =>
      (await meter({ action: 'x', ...event })).body.tier;
    expect(await tierOf({ agent_id: 'other' })).toBe('default');
    expect(await tierOf({ agent_id: 'agent-a' })).toBe('agent-tier');
    expect(await tierOf({ agent_id: 'agent-a', customer_id: 'cus-a' })).toBe('customer-tier');
    expect(await tierOf({ agent_id: 'agent-a', customer_id: 'cus-a', tier: 'event-tier' })).toBe(
      'event-tier',
    );
    await put('/v1/customers/cus-a', { tier: null });
    expect(await tierOf({ agent_id: 'agent-a', customer_id: 'cus-a' })).toBe('agent-tier');
    const unknown = await meter({ agent_id: 'a', action: 'x', tier: 'nope' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'unknown_tier', errors: [{ field: '/tier' }] });
  });

  it('a replay returns the original response once, and a changed body under the same id is a 409 that changes nothing', async () => {
    await put('/v1/tiers/default', { base_fee: '0.10' });
    const event = { agent_id: 'a', action: 'b', event_id: 'evt-1', tokens_input: 10 };
    const first = await meter(event);
    await put('/v1/tiers/default', { base_fee: '0.20' });
    const again = await meter({ tokens_input: 10, action: 'b', event_id: 'evt-1', agent_id: 'a' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    const changed = await meter({ ...event, tokens_input: 11 });
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ code: 'idempotency_key_reused', status: 409 });
    const ledger = await api.call('GET', '/v1/events');
    expect(ledger.body.data).toHaveLength(1);
    expect(ledger.body.data[0]?.tokens.input).toBe(10);
    expect(ledger.body.data[0]?.price.total).toBe('0.10');
  });

  it('accepts the Idempotency-Key header as the event id, and refuses one that contradicts event_id', async () => {
    const first = await meter({ agent_id: 'a', action: 'b' }, { 'idempotency-key': 'key-123' });
    expect(first.body.event_id).toBe('key-123');
    const replay = await meter({ agent_id: 'a', action: 'b' }, { 'idempotency-key': 'key-123' });
    expect(replay.body.replayed).toBe(true);
    const mismatch = await meter(
      { agent_id: 'a', action: 'b', event_id: 'other' },
      { 'idempotency-key': 'key-123' },
    );
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toMatchObject({
      code: 'idempotency_key_mismatch',
      errors: [{ field: 'header.Idempotency-Key' }],
    });
    expect((await meter({ agent_id: 'a', action: 'b' }, { 'idempotency-key': 'bad key!' })).status).toBe(400);
    // An empty header is no header: the server mints an id instead of storing an empty one.
    const empty = await meter({ agent_id: 'a', action: 'b' }, { 'idempotency-key': '' });
    expect([empty.status, empty.body.event_id.length > 0]).toEqual([200, true]);
    // Batch ids derived from the key ({key}:{index}) must be valid event ids: the key is at most 190.
    const long = await api.call('POST', '/v1/meter/batch', {
      body: { events: [] },
      headers: { 'idempotency-key': 'k'.repeat(191) },
    });
    expect([long.status, long.problem.errors?.[0]?.field]).toEqual([400, 'header.Idempotency-Key']);
  });

  it('records the tier version that priced each event; a tier change never reprices history', async () => {
    await put('/v1/tiers/default', { base_fee: '0.01' });
    await meter({ agent_id: 'a', action: 'b', customer_id: 'c1', event_id: 'old' });
    const v2 = await put('/v1/tiers/default', { base_fee: '0.02' });
    expect(v2.body.version).toBe(3); // v1 is the bootstrap zero tier
    expect((await put('/v1/tiers/default', { base_fee: '0.02' })).body.version).toBe(3); // unchanged body: no new version
    await meter({ agent_id: 'a', action: 'b', customer_id: 'c1', event_id: 'new' });
    const ledger = (await api.call('GET', '/v1/events')).body.data;
    expect(ledger.map((event) => [event.event_id, event.tier_version, event.price.total])).toEqual([
      ['new', 3, '0.02'],
      ['old', 2, '0.01'],
    ]);
    const invoice = (await api.call('GET', '/v1/invoices/preview?customer_id=c1')).body;
    expect(
      invoice.lines.map((line) => [line.tier_version, line.component, line.quantity, line.amount]),
    ).toEqual([
      [2, 'base', 1, '0.01'],
      [3, 'base', 1, '0.02'],
    ]);
    expect(invoice.total).toBe('0.03');
    expect((await api.call('GET', '/v1/tiers/default?version=2')).body.base_fee).toBe('0.01');
  });

  it('batches: per-event results, valid events accepted beside rejected ones, and a replayed batch is all duplicates at the original price', async () => {
    await put('/v1/tiers/default', { base_fee: '0.05' });
    const events = [
      { agent_id: 'a', action: 'x', event_id: 'b-1' },
      { agent_id: 'a', event_id: 'b-2' },
      { agent_id: 'a', action: 'x', event_id: 'b-3', tokens_input: 5, tokens_cached_input: 6 },
      { agent_id: 'a', action: 'x', event_id: 'b-4', tier: 'missing' },
      { agent_id: 'a', action: 'x', event_id: 'b-1' },
      { agent_id: 'a', action: 'y', event_id: 'b-5' },
    ];
    const first = await api.call('POST', '/v1/meter/batch', { body: { events } });
    expect(first.status).toBe(200);
    expect(first.body.results.map((r) => [r.event_id, r.status, r.error?.code ?? r.price_charged])).toEqual([
      ['b-1', 'accepted', 0.05],
      ['b-2', 'rejected', 'validation_error'],
      ['b-3', 'rejected', 'token_subset_exceeds_total'],
      ['b-4', 'rejected', 'unknown_tier'],
      ['b-1', 'duplicate', 0.05],
      ['b-5', 'accepted', 0.05],
    ]);
    expect(first.body.results[1]?.error).toMatchObject({ field: '/action', retryable: false });
    expect(first.body.results[2]?.error?.field).toBe('/tokens_cached_input');
    expect(first.body.summary).toEqual({ accepted: 2, duplicate: 1, rejected: 3 });

    await put('/v1/tiers/default', { base_fee: '0.07' });
    const replay = await api.call('POST', '/v1/meter/batch', { body: { events: [events[0], events[5]] } });
    expect(replay.body.results.map((r) => [r.status, r.price_charged])).toEqual([
      ['duplicate', 0.05],
      ['duplicate', 0.05],
    ]);
    expect((await api.call('GET', '/v1/events')).body.data).toHaveLength(2);
  });

  it('derives ids of id-less batch events from the Idempotency-Key header, so a retried batch is not charged twice', async () => {
    const body = {
      events: [
        { agent_id: 'a', action: 'x' },
        { agent_id: 'a', action: 'y' },
      ],
    };
    const headers = { 'idempotency-key': 'batch-42' };
    const first = await api.call('POST', '/v1/meter/batch', { body, headers });
    expect(first.body.results.map((r) => r.event_id)).toEqual(['batch-42:0', 'batch-42:1']);
    const retry = await api.call('POST', '/v1/meter/batch', { body, headers });
    expect(retry.body.summary).toEqual({ accepted: 0, duplicate: 2, rejected: 0 });
  });

  it('carries resolutions after the events of the same batch', async () => {
    await put('/v1/tiers/default', { base_fee: '0.01', outcome_bonus: '5' });
    const { body } = await api.call('POST', '/v1/meter/batch', {
      body: {
        events: [{ agent_id: 'a', action: 'x', event_id: 'p1', outcome: 'pending' }],
        resolutions: [
          { outcome_id: 'out_p1', outcome: 'success' },
          { outcome_id: 'out_p1', outcome: 'success' },
          { outcome_id: 'out_missing', outcome: 'success' },
          { outcome_id: 'out_p1', outcome: 'failure' },
          { outcome_id: 'bad', outcome: 'success' },
        ],
      },
    });
    expect(body.resolution_results.map((r) => [r.status, r.price ?? r.error?.code])).toEqual([
      ['accepted', '5.00'],
      ['duplicate', '5.00'],
      ['rejected', 'outcome_not_found'],
      ['rejected', 'outcome_already_resolved'],
      ['rejected', 'validation_error'],
    ]);
    const usage = await api.call('GET', '/v1/usage');
    expect(usage.body.totals[0]?.amounts.total).toBe('5.01');
  });

  it('refuses bad events with a typed error naming the field, and records nothing', async () => {
    const day = 86_400_000;
    const cases: [Record<string, unknown>, number, string, string | undefined][] = [
      [{ agent_id: 'a', action: 'b', tokens_input: -1 }, 400, 'validation_error', '/tokens_input'],
      [{ agent_id: 'a', action: 'b', tokens_input: 1.5 }, 400, 'validation_error', '/tokens_input'],
      [{ agent_id: 'a', action: 'b', tokens_input: '100' }, 400, 'validation_error', '/tokens_input'],
      [{ agent_id: 'a', action: 'b', tokens_input: 1e12 }, 400, 'validation_error', '/tokens_input'],
      [{ agent_id: 'a', action: 'b', token_input: 5 }, 400, 'validation_error', '/token_input'],
      [{ agent_id: 'a'.repeat(129), action: 'b' }, 400, 'validation_error', '/agent_id'],
      [{ agent_id: 'a\u0000b', action: 'b' }, 400, 'validation_error', '/agent_id'],
      [{ agent_id: 'a', action: 'b', timestamp: 'yesterday' }, 400, 'validation_error', '/timestamp'],
      [
        { agent_id: 'a', action: 'b', timestamp: new Date(T0 - 36 * day).toISOString() },
        422,
        'timestamp_too_old',
        '/timestamp',
      ],
      [
        { agent_id: 'a', action: 'b', timestamp: new Date(T0 + 600_000).toISOString() },
        422,
        'timestamp_in_future',
        '/timestamp',
      ],
      [
        { agent_id: 'a', action: 'b', expires_at: new Date(T0 + day).toISOString() },
        422,
        'expires_at_requires_pending',
        '/expires_at',
      ],
      [
        { agent_id: 'a', action: 'b', outcome: 'pending', expires_at: new Date(T0 + 91 * day).toISOString() },
        422,
        'invalid_expires_at',
        '/expires_at',
      ],
      [
        { agent_id: 'a', action: 'b', outcome: 'pending', expires_at: new Date(T0 - 1000).toISOString() },
        422,
        'invalid_expires_at',
        '/expires_at',
      ],
      [{ agent_id: 'a', action: 'b', outcome: 'maybe' }, 400, 'validation_error', '/outcome'],
      [
        { agent_id: 'a', action: 'b', tokens_output: 3, tokens_reasoning: 4 },
        422,
        'token_subset_exceeds_total',
        '/tokens_reasoning',
      ],
      [
        { agent_id: 'a', action: 'b', metadata: { blob: 'x'.repeat(9000) } },
        422,
        'metadata_too_large',
        '/metadata',
      ],
      [{ agent_id: 'a', action: 'b', metadata: 'text' }, 400, 'validation_error', '/metadata'],
      [{ agent_id: 'a', action: 'b', event_id: 'has space' }, 400, 'validation_error', '/event_id'],
    ];
    for (const [event, status, code, field] of cases) {
      const response = await meter(event);
      expect({ event, status: response.status, code: response.problem.code }).toEqual({
        event,
        status,
        code,
      });
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      if (field) expect(response.problem.errors?.map((e) => e.field)).toContain(field);
    }
    const invalidJson = await api.call('POST', '/v1/meter', { body: '{"agent_id": "a",' });
    expect([invalidJson.status, invalidJson.problem.code]).toEqual([400, 'invalid_json']);
    const notObject = await api.call('POST', '/v1/meter', { body: '[1,2]' });
    expect(notObject.status).toBe(400);
    expect((await api.call('GET', '/v1/events')).body.data).toEqual([]);
  });

  it('enforces body limits: 64 KiB for one event, 1 MiB and 1,000 events for a batch', async () => {
    const big = { agent_id: 'a', action: 'b', metadata: { blob: 'x'.repeat(70_000) } };
    const tooLarge = await meter(big);
    expect([tooLarge.status, tooLarge.problem.code]).toEqual([413, 'payload_too_large']);
    const tooMany = await api.call('POST', '/v1/meter/batch', {
      body: {
        events: Array.from({ length: 1001 }, (_, i) => ({ agent_id: 'a', action: 'b', event_id: `e${i}` })),
      },
    });
    expect([tooMany.status, tooMany.problem.code]).toEqual([413, 'batch_too_large']);
    const tooBig = await api.call('POST', '/v1/meter/batch', {
      body: {
        events: Array.from({ length: 200 }, (_, i) => ({
          agent_id: 'a',
          action: 'b',
          event_id: `e${i}`,
          metadata: { x: 'y'.repeat(6000) },
        })),
      },
    });
    expect(tooBig.status).toBe(413);
    expect((await api.call('GET', '/v1/events')).body.data).toEqual([]);
  });
});
