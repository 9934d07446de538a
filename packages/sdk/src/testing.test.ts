import { describe, expect, it } from 'vitest';
import { createTestMeter } from './testing.js';
import type { Meter } from './types.js';

/** Agent code under test: written against the Meter interface only. */
async function answerTicket(meter: Meter, customer: string, solved: boolean): Promise<string> {
  return meter.withContext({ customer_id: customer, agent_id: 'support-bot' }, async () => {
    const id = meter.track({ action: 'answer', tokens_input: 1200, tokens_output: 300, outcome: 'pending' });
    await Promise.resolve();
    meter.resolve(id, solved ? 'success' : 'failure');
    return id;
  });
}

const tier = {
  base_fee: '0.002',
  token_rate_input: '0.01',
  token_rate_output: '0.03',
  token_unit: 1000,
  outcome_bonus: '0.50',
};

describe('createTestMeter', () => {
  it('records events as the real Meter sends them, context applied, and prices them exactly', async () => {
    const meter = createTestMeter({ tier });
    const solved = await answerTicket(meter, 'acme', true);
    const unsolved = await answerTicket(meter, 'globex', false);
    expect(meter.events).toEqual([
      expect.objectContaining({
        event_id: solved,
        customer_id: 'acme',
        agent_id: 'support-bot',
        action: 'answer',
        timestamp: expect.any(String),
      }),
      expect.objectContaining({ event_id: unsolved, customer_id: 'globex' }),
    ]);
    expect(meter.resolutions).toEqual([
      { outcome_id: `out_${solved}`, event_id: solved, outcome: 'success', charged: '0.50' },
      { outcome_id: `out_${unsolved}`, event_id: unsolved, outcome: 'failure', charged: '0.00' },
    ]);
    // 0.002 base + 1.2 × 0.01 input + 0.3 × 0.03 output = 0.023, plus the 0.50 bonus on success.
    expect(meter.priceOf(solved)?.price).toEqual({
      total: '0.023',
      base: '0.002',
      tokens: '0.021',
      outcome: '0.00',
    });
    expect(meter.total('acme')).toBe('0.523');
    expect(meter.total('globex')).toBe('0.023');
    expect(meter.total()).toBe('0.546');
    expect(meter.errors).toEqual([]);
  });

  it('dedupes by event_id like the server, and trackNow() returns the priced response', async () => {
    const meter = createTestMeter({ tier });
    const first = await meter.trackNow({
      agent_id: 'a',
      action: 'b',
      event_id: 'call-1',
      tokens_output: 1000,
    });
    const again = await meter.trackNow({
      agent_id: 'a',
      action: 'b',
      event_id: 'call-1',
      tokens_output: 1000,
    });
    expect(first).toMatchObject({
      event_id: 'call-1',
      price_charged: 0.032,
      price_breakdown: { base: 0.002, tokens: 0.03, outcome: 0 },
      replayed: false,
    });
    expect(again.replayed).toBe(true);
    expect(meter.events).toHaveLength(1);
  });

  it('reports what the real server would refuse', async () => {
    const meter = createTestMeter();
    meter.resolve('nothing-pending', 'success');
    meter.track({ agent_id: 'a' } as never);
    meter.track({ agent_id: 'a', action: 'b', tokens_input: 1, tokens_cached_input: 5 });
    expect(meter.errors.map((error) => error.code)).toEqual(['rejected', 'invalid_event', 'rejected']);
    await expect(meter.resolveNow('nothing-pending', 'success')).rejects.toMatchObject({ code: 'rejected' });
  });

  it('emits acknowledged and priced on flush(), and reports calls after shutdown()', async () => {
    const meter = createTestMeter();
    const flushed: string[] = [];
    const priced: string[] = [];
    meter.on('acknowledged', (ids) => flushed.push(...ids));
    meter.on('priced', (events) => priced.push(...events.map((event) => event.price.total)));
    const id = meter.track({ agent_id: 'a', action: 'b' });
    expect(flushed).toEqual([]);
    await meter.flush();
    expect(flushed).toEqual([id]);
    expect(priced).toEqual(['0.00']);
    expect(await meter.shutdown()).toEqual({ sent: 1, failed: 0, pending: 0, pendingIds: [] });
    const late = meter.track({ agent_id: 'a', action: 'b' });
    expect(meter.errors).toEqual([expect.objectContaining({ code: 'after_shutdown', ids: [late] })]);
    meter.reset();
    expect([meter.events, meter.errors]).toEqual([[], []]);
  });
});
