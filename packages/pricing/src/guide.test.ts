import { describe, expect, it } from 'vitest';
import {
  addPrice,
  compileTier,
  formatMoney,
  moneyToNumber,
  priceEvent,
  REFERENCE_MODELS,
  referenceCandidates,
  resolutionCharge,
  simulateWorkload,
  zeroAmounts,
} from './index.js';

describe('worked numbers of the four reference models', () => {
  it('per-token: $0.003 per 1K tokens on 2,000 + 800 tokens is 0.0084', () => {
    const tier = compileTier({ token_rate_input: 0.003, token_rate_output: 0.003, token_unit: 1000 });
    const price = priceEvent(tier, { action: 'research.complete', tokens_input: 2000, tokens_output: 800 });
    expect(formatMoney(price.total)).toBe('0.0084');
    expect(formatMoney(price.tokens)).toBe('0.0084');
    expect(price.base).toBe(0n);
    expect(moneyToNumber(price.total)).toBe(0.0084);
    expect(JSON.stringify({ price_charged: moneyToNumber(price.total) })).toBe('{"price_charged":0.0084}');
  });

  it('per-call: 10 calls at $0.05 are 0.50, whatever the tokens', () => {
    const tier = compileTier({ base_fee: '0.05' });
    const total = zeroAmounts();
    for (let call = 0; call < 10; call++) {
      const price = priceEvent(tier, {
        action: 'ticket.classified',
        tokens_input: 500 + call * 5000,
        tokens_output: 50,
      });
      expect(formatMoney(price.total)).toBe('0.05');
      addPrice(total, price);
    }
    expect(formatMoney(total.total)).toBe('0.50');
  });

  it('outcome: $0.01 base + $5.00 per success over 1,000 calls with 15 successes is 85.00', () => {
    const tier = compileTier({ base_fee: '0.01', outcome_bonus: '5.00' });
    const total = zeroAmounts();
    for (let call = 0; call < 1000; call++) {
      const price = priceEvent(tier, {
        action: 'email.sent',
        tokens_input: 1400,
        tokens_output: 380,
        outcome: 'pending',
      });
      addPrice(total, price);
      const resolution = call < 15 ? 'success' : 'failure';
      addPrice(total, { base: 0n, tokens: 0n, outcome: resolutionCharge(price.pendingBonus, resolution) });
    }
    expect(formatMoney(total.base)).toBe('10.00');
    expect(formatMoney(total.outcome)).toBe('75.00');
    expect(formatMoney(total.total)).toBe('85.00');

    const simulated = simulateWorkload({ calls: 1000, success_rate: 0.015 }, [{ name: 'outcome', tier }]);
    expect(simulated.successes).toBe(15);
    expect(formatMoney(simulated.results[0]!.revenue.total)).toBe('85.00');
    expect(formatMoney(simulated.results[0]!.revenuePerCall)).toBe('0.085');
  });

  it('hybrid: a successful call with 2,800 input tokens is {base 0.01, tokens 0.00035, outcome 5.00}', () => {
    const tier = compileTier(REFERENCE_MODELS.hybrid);
    const price = priceEvent(tier, {
      action: 'lead.qualified',
      tokens_input: 2800,
      tokens_output: 650,
      outcome: 'success',
    });
    expect([price.base, price.tokens, price.outcome].map(moneyToNumber)).toEqual([0.01, 0.00035, 5]);
    expect(formatMoney(price.total)).toBe('5.01035');
  });

  it('pending charges base + tokens now and fixes the bonus for the resolution', () => {
    const tier = compileTier({
      base_fee: '0.01',
      outcome_bonus: '5',
      outcome_bonus_by_action: { 'meeting.booked': '50' },
    });
    const pending = priceEvent(tier, { action: 'meeting.booked', outcome: 'pending' });
    expect(formatMoney(pending.total)).toBe('0.01');
    expect(formatMoney(pending.pendingBonus)).toBe('50.00');
    expect(resolutionCharge(pending.pendingBonus, 'failure')).toBe(0n);
    const failure = priceEvent(tier, { action: 'email.sent', outcome: 'failure' });
    expect(formatMoney(failure.total)).toBe('0.01');
    expect(failure.pendingBonus).toBe(0n);
  });

  it('the simulator compares the four reference models side by side', () => {
    const simulation = simulateWorkload(
      { calls: 1000, avg_tokens_input: 2000, avg_tokens_output: 800, success_rate: '0.015' },
      referenceCandidates(),
    );
    const byName = Object.fromEntries(simulation.results.map((r) => [r.name, formatMoney(r.revenue.total)]));
    expect(byName).toEqual({ per_token: '8.40', per_call: '50.00', outcome: '85.00', hybrid: '85.25' });
    expect(simulation.tokens.input).toBe(2_000_000);
  });

  it('cached input is priced at its own rate, and subsets are never added twice', () => {
    const tier = compileTier({
      token_rate_input: '3',
      token_rate_cached_input: '0.3',
      token_rate_cache_write: '3.75',
      token_rate_output: '15',
      token_unit: 1000000,
    });
    const price = priceEvent(tier, {
      action: 'chat',
      tokens_input: 10_000,
      tokens_cached_input: 6_000,
      tokens_cache_write: 1_000,
      tokens_output: 2_000,
      tokens_reasoning: 1_500,
    });
    // 3,000 uncached × 3/1M + 6,000 × 0.3/1M + 1,000 × 3.75/1M + 2,000 × 15/1M
    expect(formatMoney(price.tokens)).toBe('0.04455');
  });
});

describe('the 0.1 names of the reference models', () => {
  it('are the same objects under their deprecated names', async () => {
    const pricing = await import('./index.js');
    expect(pricing.GUIDE_PRESETS).toBe(pricing.REFERENCE_MODELS);
    expect(pricing.guideCandidates).toBe(pricing.referenceCandidates);
  });
});
