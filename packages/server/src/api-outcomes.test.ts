import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, type ContractApi, contractApi, T0 } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';

const DAY = 86_400_000;

describe.each(STORE_KINDS)('outcomes on %s', (kind) => {
  let api: ContractApi;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = contractApi(await apiHarness(opened.store));
    await api.call('PUT', '/v1/tiers/default', { body: { base_fee: '0.01', outcome_bonus: '5.00' } });
  });
  afterEach(async () => cleanup());

  const pending = async (eventId: string, extra: Record<string, unknown> = {}) =>
    (
      await api.call('POST', '/v1/meter', {
        body: {
          agent_id: 'outreach-agent-v2',
          action: 'email.sent',
          tokens_input: 1400,
          tokens_output: 380,
          outcome: 'pending',
          event_id: eventId,
          customer_id: 'acme',
          ...extra,
        },
      })
    ).body;
  const resolve = (outcomeId: string, outcome: string, metadata?: unknown) =>
    api.call('POST', `/v1/outcomes/${outcomeId}/resolve`, {
      body: { outcome, ...(metadata ? { metadata } : {}) },
    });

  it('runs a deferred outcome: base now, the $5.00 bonus on success, exactly once', async () => {
    const opened = await pending('e1', { expires_at: new Date(T0 + 7 * DAY).toISOString() });
    expect(opened).toMatchObject({ price_charged: 0.01, outcome_id: 'out_e1', outcome_status: 'pending' });
    api.clock.now += 3 * DAY;
    const first = await resolve('out_e1', 'success', { reply_type: 'positive', meeting_booked: true });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'success',
      price_charged: 5,
      price_breakdown: { base: 0, tokens: 0, outcome: 5 },
      replayed: false,
    });
    expect(first.body.outcome).toMatchObject({
      status: 'success',
      charged: '5.00',
      metadata: { reply_type: 'positive', meeting_booked: true },
    });
    const again = await resolve('out_e1', 'success');
    expect(again.status).toBe(200);
    expect(again.body.replayed).toBe(true);
    const different = await resolve('out_e1', 'failure');
    expect([different.status, different.problem.code]).toEqual([409, 'outcome_already_resolved']);
    const invoice = (await api.call('GET', '/v1/invoices/preview?customer_id=acme')).body;
    expect(invoice.total).toBe('5.01');
    expect(invoice.lines.map((line) => [line.component, line.quantity, line.amount])).toEqual([
      ['base', 1, '0.01'],
      ['outcome', 1, '5.00'],
    ]);
    const read = await api.call('GET', '/v1/outcomes/out_e1');
    expect(read.body).toMatchObject({ status: 'success', bonus: '5.00', charged: '5.00' });
  });

  it('failure charges nothing more, and the original meter response replays unchanged after the resolution', async () => {
    const opened = await pending('e2');
    expect((await resolve('out_e2', 'failure')).body).toMatchObject({ status: 'failure', price_charged: 0 });
    const replay = await api.call('POST', '/v1/meter', {
      body: {
        agent_id: 'outreach-agent-v2',
        action: 'email.sent',
        tokens_input: 1400,
        tokens_output: 380,
        outcome: 'pending',
        event_id: 'e2',
        customer_id: 'acme',
      },
    });
    expect(replay.body).toEqual({ ...opened, replayed: true });
    expect((await api.call('GET', '/v1/usage')).body.totals[0]?.amounts.total).toBe('0.01');
  });

  it('expires by time: reads say expired and a late resolve is refused even though no sweeper ran', async () => {
    await pending('e3', { expires_at: new Date(T0 + DAY).toISOString() });
    expect((await api.call('GET', '/v1/outcomes/out_e3')).body.status).toBe('pending');
    api.clock.now = T0 + DAY;
    expect((await api.call('GET', '/v1/outcomes/out_e3')).body.status).toBe('expired');
    const late = await resolve('out_e3', 'success');
    expect([late.status, late.problem.code]).toEqual([409, 'outcome_expired']);
    const usage = (await api.call('GET', '/v1/usage')).body.totals[0];
    expect(usage?.outcomes).toEqual({ pending: 0, success: 0, failure: 0, expired: 1 });
    expect(usage?.amounts.outcome).toBe('0.00');
    expect((await api.call('GET', '/v1/events')).body.data[0]?.outcome_status).toBe('expired');
  });

  it('defaults expiry to 7 days after the event', async () => {
    const opened = await pending('e4');
    expect(opened.expires_at).toBe(new Date(T0 + 7 * DAY).toISOString());
    api.clock.now = T0 + 7 * DAY - 1;
    expect((await resolve('out_e4', 'success')).status).toBe(200);
  });

  it('charges a success once when many resolves race', async () => {
    await pending('race');
    const results = await Promise.all(Array.from({ length: 25 }, () => resolve('out_race', 'success')));
    expect(results.every((result) => result.status === 200)).toBe(true);
    expect(results.filter((result) => !result.body.replayed)).toHaveLength(1);
    expect((await api.call('GET', '/v1/usage')).body.totals[0]?.amounts.outcome).toBe('5.00');
  });

  it('charges one of two conflicting racing resolutions and refuses the other', async () => {
    await pending('race2');
    const results = await Promise.all([resolve('out_race2', 'success'), resolve('out_race2', 'failure')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('uses the bonus of the action and of the tier version that priced the event', async () => {
    await api.call('PUT', '/v1/tiers/default', {
      body: { base_fee: '0.01', outcome_bonus: '5', outcome_bonus_by_action: { 'meeting.booked': '50' } },
    });
    await api.call('POST', '/v1/meter', {
      body: { agent_id: 'a', action: 'meeting.booked', outcome: 'pending', event_id: 'm1' },
    });
    await api.call('PUT', '/v1/tiers/default', {
      body: { base_fee: '0.01', outcome_bonus: '5', outcome_bonus_by_action: { 'meeting.booked': '80' } },
    });
    expect((await resolve('out_m1', 'success')).body.price.total).toBe('50.00');
  });

  it('answers 404 for unknown outcomes and for events without a pending outcome', async () => {
    await api.call('POST', '/v1/meter', { body: { agent_id: 'a', action: 'b', event_id: 'plain' } });
    for (const id of ['out_nothing', 'out_plain']) {
      const response = await resolve(id, 'success');
      expect([response.status, response.problem.code]).toEqual([404, 'outcome_not_found']);
      expect((await api.call('GET', `/v1/outcomes/${id}`)).status).toBe(404);
    }
    expect((await resolve('not-an-outcome-id', 'success')).status).toBe(400);
    expect((await resolve('out_x', 'maybe')).status).toBe(400);
  });

  it('counts a bonus in the period it was charged', async () => {
    await pending('late-win');
    api.clock.now = T0 + 2 * DAY;
    await resolve('out_late-win', 'success');
    const byDay = (await api.call('GET', '/v1/usage?group_by=day')).body.groups.map((g) => [
      g.key.day,
      g.calls,
      g.amounts.total,
    ]);
    expect(byDay).toEqual([
      ['2026-11-26', 1, '0.01'],
      ['2026-11-28', 0, '5.00'],
    ]);
    const firstDay = (
      await api.call(
        'GET',
        `/v1/invoices/preview?customer_id=acme&from=${new Date(T0 - DAY).toISOString()}&to=${new Date(T0 + DAY).toISOString()}`,
      )
    ).body;
    expect(firstDay.total).toBe('0.01');
  });
});
