import { addPrice, formatMoney, parseMoney, zeroAmounts } from '@agentmeter/pricing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, type ContractApi, contractApi, type Schemas, T0 } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';

describe.each(STORE_KINDS)('reads on %s', (kind) => {
  let api: ContractApi;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = contractApi(await apiHarness(opened.store));
    await api.call('PUT', '/v1/tiers/default', {
      body: {
        base_fee: '0.01',
        token_rate_input: '0.003',
        token_rate_output: '0.006',
        token_rate_cached_input: '0.0003',
        outcome_bonus: '5',
      },
    });
  });
  afterEach(async () => cleanup());

  async function seed() {
    const events = [];
    for (let index = 0; index < 30; index++) {
      events.push({
        agent_id: index % 2 ? 'agent-odd' : 'agent-even',
        action: index % 3 ? 'email.sent' : 'research',
        customer_id: `cus-${index % 4}`,
        event_id: `seed-${index}`,
        timestamp: new Date(T0 - (index % 3) * 86_400_000).toISOString(),
        tokens_input: 1000 + index * 37,
        tokens_cached_input: index * 7,
        tokens_output: 200 + index * 11,
        tokens_reasoning: index,
        ...(index % 5 === 0 ? { outcome: 'pending' } : index % 7 === 0 ? { outcome: 'success' } : {}),
      });
    }
    const batch = await api.call('POST', '/v1/meter/batch', { body: { events } });
    expect(batch.body.summary.accepted).toBe(30);
    await api.call('POST', '/v1/outcomes/out_seed-0/resolve', { body: { outcome: 'success' } });
    await api.call('POST', '/v1/outcomes/out_seed-5/resolve', { body: { outcome: 'failure' } });
    await api.call('POST', '/v1/outcomes/out_seed-10/resolve', { body: { outcome: 'success' } });
  }

  /** Every event's charge (with its resolution) summed independently from the ledger. */
  async function ledgerTotal(query = '') {
    const total = zeroAmounts();
    let cursor: string | null = null;
    do {
      const page: Schemas['EventPage'] = (
        await api.call('GET', `/v1/events?limit=7${query}${cursor ? `&cursor=${cursor}` : ''}`)
      ).body;
      for (const event of page.data) {
        addPrice(total, {
          base: parseMoney(event.price.base, 'base'),
          tokens: parseMoney(event.price.tokens, 'tokens'),
          outcome:
            parseMoney(event.price.outcome, 'outcome') + parseMoney(event.outcome_charged, 'outcome_charged'),
        });
      }
      cursor = page.next_cursor;
    } while (cursor);
    return total;
  }

  it('sum of event charges = usage total = invoice totals, to the last digit', async () => {
    await seed();
    const ledger = await ledgerTotal();
    const usage = (await api.call('GET', '/v1/usage')).body.totals[0];
    expect(usage?.amounts).toEqual({
      base: formatMoney(ledger.base),
      tokens: formatMoney(ledger.tokens),
      outcome: formatMoney(ledger.outcome),
      total: formatMoney(ledger.total),
    });
    const invoices = zeroAmounts();
    for (const customer of ['cus-0', 'cus-1', 'cus-2', 'cus-3']) {
      const invoice = (await api.call('GET', `/v1/invoices/preview?customer_id=${customer}`)).body;
      const lines = invoice.lines.reduce((sum, line) => sum + parseMoney(line.amount, 'amount'), 0n);
      expect(invoice.total).toBe(formatMoney(lines));
      expect(invoice.currency).toBe('USD');
      expect(formatMoney((await ledgerTotal(`&customer_id=${customer}`)).total)).toBe(invoice.total);
      addPrice(invoices, { base: parseMoney(invoice.total, 'total'), tokens: 0n, outcome: 0n });
    }
    expect(invoices.total).toBe(ledger.total);
  });

  it('groups usage by customer, agent, action and day, with tokens by kind and outcomes by status', async () => {
    await seed();
    const byAgent = (await api.call('GET', '/v1/usage?group_by=agent_id')).body;
    expect(byAgent.groups.map((g) => [g.key.agent_id, g.calls])).toEqual([
      ['agent-even', 15],
      ['agent-odd', 15],
    ]);
    const all = (await api.call('GET', '/v1/usage')).body.totals[0];
    expect(all?.calls).toBe(30);
    expect(all?.tokens).toEqual({
      input: 30 * 1000 + 37 * 435,
      output: 30 * 200 + 11 * 435,
      cached_input: 7 * 435,
      cache_write: 0,
      reasoning: 435,
      cache_write_1h: 0,
      audio_input: 0,
      audio_output: 0,
      web_search_requests: 0,
    });
    // pending: 0,5,…,25 (6), of which 0 and 10 resolved success and 5 failure; immediate success: 7, 14, 21, 28.
    expect(all?.outcomes).toEqual({ pending: 3, success: 6, failure: 1, expired: 0 });
    const combined = (await api.call('GET', '/v1/usage?group_by=customer_id,action&customer_id=cus-1')).body;
    expect(combined.groups.every((g) => g.key.customer_id === 'cus-1')).toBe(true);
    expect(combined.groups.reduce((n, g) => n + g.calls, 0)).toBe(8);
    const byDay = (await api.call('GET', '/v1/usage?group_by=day')).body.groups.map((g) => [
      g.key.day,
      g.calls,
    ]);
    expect(byDay).toEqual([
      ['2026-11-24', 10],
      ['2026-11-25', 10],
      ['2026-11-26', 10],
    ]);
    const window = (
      await api.call(
        'GET',
        `/v1/usage?from=${new Date(T0 - 86_400_000).toISOString()}&to=${new Date(T0).toISOString()}`,
      )
    ).body;
    expect(window.totals[0]?.calls).toBe(10);
    expect((await api.call('GET', '/v1/usage?group_by=day,day')).status).toBe(400);
    expect((await api.call('GET', '/v1/usage?group_by=month')).status).toBe(400);
    expect(
      (
        await api.call(
          'GET',
          `/v1/usage?from=${new Date(T0).toISOString()}&to=${new Date(T0 - 1).toISOString()}`,
        )
      ).status,
    ).toBe(400);
  });

  it('pages through the ledger newest first, every event exactly once', async () => {
    await seed();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Schemas['EventPage'] = (
        await api.call('GET', `/v1/events?limit=4${cursor ? `&cursor=${cursor}` : ''}`)
      ).body;
      seen.push(...page.data.map((event) => event.event_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(8);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, index) => `seed-${29 - index}`));
    const filtered = (await api.call('GET', '/v1/events?agent_id=agent-odd&action=research&limit=100')).body
      .data;
    expect(filtered.every((e) => e.agent_id === 'agent-odd' && e.action === 'research')).toBe(true);
    expect(filtered).toHaveLength(5);
    for (const cursor of ['garbage', 'eyJzIjotMX0', Buffer.from('{"s":"1"}').toString('base64url')]) {
      expect((await api.call('GET', `/v1/events?cursor=${cursor}`)).problem.code).toBe('validation_error');
    }
    expect((await api.call('GET', '/v1/events?limit=0')).status).toBe(400);
    expect((await api.call('GET', '/v1/events?limit=1001')).status).toBe(400);
  });

  it('simulates the four reference models for a described workload', async () => {
    const { body } = await api.call('POST', '/v1/simulate', {
      body: {
        workload: { calls: 1000, avg_tokens_input: 2000, avg_tokens_output: 800, success_rate: 0.015 },
      },
    });
    expect(body.successes).toBe(15);
    expect(body.results.map((r) => [r.name, r.revenue.total, r.revenue_per_call])).toEqual([
      ['per_token', '8.40', '0.0084'],
      ['per_call', '50.00', '0.05'],
      ['outcome', '85.00', '0.085'],
      ['hybrid', '85.25', '0.08525'],
    ]);
    const bad = await api.call('POST', '/v1/simulate', { body: { workload: { calls: 10, successes: 11 } } });
    expect([bad.status, bad.problem.errors?.[0]?.field]).toEqual([422, '/workload/successes']);
    expect((await api.call('POST', '/v1/simulate', { body: {} })).status).toBe(400);
    const badCandidate = await api.call('POST', '/v1/simulate', {
      body: { workload: { calls: 1 }, candidates: { x: { currency: 'XYZ' } } },
    });
    expect(badCandidate.problem.errors?.[0]?.field).toBe('/candidates/x/currency');
  });

  it("reprices real history under candidate tiers, and the current tier reproduces the ledger's own total", async () => {
    await seed();
    const ledger = await ledgerTotal();
    const { body } = await api.call('POST', '/v1/simulate', {
      body: {
        history: { from: new Date(T0 - 10 * 86_400_000).toISOString(), to: new Date(T0 + 1).toISOString() },
        tiers: ['default'],
        candidates: { flat: { base_fee: '0.05' } },
      },
    });
    expect(body).toMatchObject({ source: 'history', calls: 30, successes: 6 });
    expect(body.results[0]).toMatchObject({ name: 'default', tier_version: 2 });
    expect(body.results[0]?.revenue.total).toBe(formatMoney(ledger.total));
    expect(body.results[1]?.revenue.total).toBe('1.50');
  });
});
