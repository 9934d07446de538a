import { describe, expect, it } from 'vitest';
import { compileTier, PricingError, type PricingErrorCode, priceEvent, simulateWorkload } from './index.js';

function refusal(fn: () => unknown): { code: PricingErrorCode; field: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(PricingError.isInstance(error)).toBe(true);
    const { code, field, message } = error as PricingError;
    return { code, field, message };
  }
  throw new Error('expected a PricingError');
}

describe('bad input is a typed error naming the field, never a price', () => {
  const tier = compileTier({ base_fee: '0.01', token_rate_input: '0.003', token_rate_output: '0.003' });

  it.each([
    [{ tokens_input: -1 }, 'invalid_token_count', 'tokens_input'],
    [{ tokens_output: Number.NaN }, 'invalid_token_count', 'tokens_output'],
    [{ tokens_output: 1.5 }, 'invalid_token_count', 'tokens_output'],
    [{ tokens_input: Number.POSITIVE_INFINITY }, 'invalid_token_count', 'tokens_input'],
    [{ tokens_input: '100' }, 'invalid_token_count', 'tokens_input'],
    [{ tokens_input: 1_000_000_001 }, 'invalid_token_count', 'tokens_input'],
    [{ tokens_input: 10, tokens_cached_input: 11 }, 'token_subset_exceeds_total', 'tokens_cached_input'],
    [
      { tokens_input: 10, tokens_cached_input: 5, tokens_cache_write: 6 },
      'token_subset_exceeds_total',
      'tokens_cache_write',
    ],
    [{ tokens_output: 10, tokens_reasoning: 11 }, 'token_subset_exceeds_total', 'tokens_reasoning'],
    [{ outcome: 'maybe' }, 'invalid_outcome', 'outcome'],
    // A bad action is the action's own refusal, not an outcome one.
    [{ action: '' }, 'invalid_action', 'action'],
    [{ action: 42 }, 'invalid_action', 'action'],
    [{ action: undefined }, 'invalid_action', 'action'],
  ])('event %j → %s on %s', (fields, code, field) => {
    const error = refusal(() => priceEvent(tier, { action: 'a', ...(fields as object) }));
    expect(error).toMatchObject({ code, field });
    expect(error.message).toContain(field);
  });

  it.each([
    [{ base_fee: -0.01 }, 'negative_money', 'base_fee'],
    [{ base_fee: '-1' }, 'negative_money', 'base_fee'],
    [{ token_rate_input: Number.NaN }, 'invalid_money', 'token_rate_input'],
    [{ token_rate_input: Number.POSITIVE_INFINITY }, 'invalid_money', 'token_rate_input'],
    [{ token_rate_output: 'three' }, 'invalid_money', 'token_rate_output'],
    [{ token_rate_output: '0x10' }, 'invalid_money', 'token_rate_output'],
    [{ token_rate_output: '1,5' }, 'invalid_money', 'token_rate_output'],
    [{ token_rate_output: '' }, 'invalid_money', 'token_rate_output'],
    [{ token_rate_output: true }, 'invalid_money', 'token_rate_output'],
    [{ token_rate_output: null }, 'invalid_money', 'token_rate_output'],
    [{ outcome_bonus: '0.0000000000001' }, 'too_many_decimals', 'outcome_bonus'],
    [{ outcome_bonus: 0.1 + 0.2 }, 'too_many_decimals', 'outcome_bonus'],
    [{ outcome_bonus: '1'.repeat(40) }, 'money_too_large', 'outcome_bonus'],
    [{ outcome_bonus: '1e400' }, 'money_too_large', 'outcome_bonus'],
    [{ outcome_bonus: '12345678901' }, 'money_too_large', 'outcome_bonus'],
    [
      { outcome_bonus_by_action: { 'email.sent': '-5' } },
      'negative_money',
      'outcome_bonus_by_action.email.sent',
    ],
    [{ token_unit: 100 }, 'invalid_token_unit', 'token_unit'],
    [{ token_unit: '1000' }, 'invalid_token_unit', 'token_unit'],
    [{ currency: 'XYZ' }, 'unknown_currency', 'currency'],
    [{ currency: 'usd' }, 'unknown_currency', 'currency'],
    [{ token_rate: '0.1' }, 'unknown_field', 'token_rate'],
  ])('tier %j → %s on %s', (input, code, field) => {
    expect(refusal(() => compileTier(input))).toMatchObject({ code, field });
  });

  it('accepts exact inputs in every accepted spelling', () => {
    const fromNumber = compileTier({ token_rate_input: 0.003, outcome_bonus: 1e-7, base_fee: 5 });
    const fromString = compileTier({
      token_rate_input: '0.003',
      outcome_bonus: '0.0000001',
      base_fee: '5.00',
    });
    expect(fromNumber).toEqual(fromString);
    expect(compileTier({ currency: 'EUR' }).currency).toBe('EUR');
  });

  it('refuses workloads that cannot be priced', () => {
    const candidates = [{ name: 't', tier }];
    expect(refusal(() => simulateWorkload({ calls: -1 }, candidates))).toMatchObject({ field: 'calls' });
    expect(refusal(() => simulateWorkload({ calls: 10, success_rate: 1.5 }, candidates))).toMatchObject({
      field: 'success_rate',
    });
    expect(refusal(() => simulateWorkload({ calls: 10, successes: 11 }, candidates))).toMatchObject({
      field: 'successes',
    });
  });
});

describe('extreme exponents are refused quickly, without huge arithmetic', () => {
  it.each([
    ['1e-99999999', 'too_many_decimals'],
    ['9e99999999', 'money_too_large'],
    ['0e99999999', null],
  ])('%s', (value, code) => {
    if (code === null) expect(compileTier({ base_fee: value }).baseFee).toBe(0n);
    else expect(refusal(() => compileTier({ base_fee: value }))).toMatchObject({ code, field: 'base_fee' });
  });
});
