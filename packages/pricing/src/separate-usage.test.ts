import { describe, expect, it } from 'vitest';
import { compileTier, createRepricer, formatMoney, PricingError, priceEvent, tierToJson } from './index.js';

// Usage the providers bill apart from plain input and output tokens: audio tokens (OpenAI), cache
// writes kept for an hour (Anthropic), and server-side web searches (a fee per request).

describe('audio tokens at audio rates', () => {
  const tier = compileTier({
    token_rate_input: '3',
    token_rate_audio_input: '40',
    token_rate_output: '12',
    token_rate_audio_output: '80',
    token_unit: 1000000,
  });

  it('1,000 input of which 200 audio, at $3/M and $40/M audio, is 0.0104 (folded it was 0.003)', () => {
    const price = priceEvent(tier, { action: 'voice', tokens_input: 1000, tokens_audio_input: 200 });
    // 800 × 3/1M + 200 × 40/1M = 0.0024 + 0.008
    expect(formatMoney(price.tokens)).toBe('0.0104');
    const folded = priceEvent(tier, { action: 'voice', tokens_input: 1000 });
    expect(formatMoney(folded.tokens)).toBe('0.003');
  });

  it('500 output of which 100 audio, at $12/M and $80/M audio, is 0.0128', () => {
    const price = priceEvent(tier, { action: 'voice', tokens_output: 500, tokens_audio_output: 100 });
    // 400 × 12/1M + 100 × 80/1M = 0.0048 + 0.008
    expect(formatMoney(price.tokens)).toBe('0.0128');
  });

  it('cache reads keep their rate beside audio input, and reasoning stays at the output rate', () => {
    const cachedTier = compileTier({
      token_rate_input: '2.5',
      token_rate_cached_input: '1.25',
      token_rate_audio_input: '40',
      token_rate_output: '10',
      token_rate_audio_output: '80',
      token_unit: 1000000,
    });
    const price = priceEvent(cachedTier, {
      action: 'voice',
      tokens_input: 10_000,
      tokens_cached_input: 4_000,
      tokens_audio_input: 1_000,
      tokens_output: 2_000,
      tokens_reasoning: 1_200,
      tokens_audio_output: 500,
    });
    // 5,000 × 2.5 + 4,000 × 1.25 + 1,000 × 40 + 1,500 × 10 + 500 × 80, per million
    // = 0.0125 + 0.005 + 0.04 + 0.015 + 0.04
    expect(formatMoney(price.tokens)).toBe('0.1125');
  });

  it('reasoning is not priced apart, so it may overlap audio output without a refusal', () => {
    const price = priceEvent(tier, {
      action: 'voice',
      tokens_output: 100,
      tokens_reasoning: 80,
      tokens_audio_output: 50,
    });
    // 50 × 12/1M + 50 × 80/1M
    expect(formatMoney(price.tokens)).toBe('0.0046');
  });
});

describe('Anthropic cache writes: 1 hour at 2× input, 5 minutes at 1.25×', () => {
  const sonnet = {
    token_rate_input: '3',
    token_rate_cached_input: '0.3',
    token_rate_cache_write: '3.75',
    token_rate_output: '15',
    token_unit: 1000000,
  };
  const event = {
    action: 'chat',
    tokens_input: 10_000,
    tokens_cached_input: 2_000,
    tokens_cache_write: 6_000,
    tokens_cache_write_1h: 4_000,
    tokens_output: 1_000,
  };

  it('prices the 4,000 1-hour writes at $6/M and the other 2,000 at $3.75/M', () => {
    const price = priceEvent(compileTier({ ...sonnet, token_rate_cache_write_1h: '6' }), event);
    // 2,000 × 3 + 2,000 × 0.3 + 2,000 × 3.75 + 4,000 × 6 + 1,000 × 15, per million
    // = 0.006 + 0.0006 + 0.0075 + 0.024 + 0.015
    expect(formatMoney(price.tokens)).toBe('0.0531');
  });

  it('without a 1-hour rate every write is priced at the cache-write rate, as before', () => {
    const price = priceEvent(compileTier(sonnet), event);
    expect(formatMoney(price.tokens)).toBe('0.0441');
    const { tokens_cache_write_1h: _, ...withoutSplit } = event;
    expect(priceEvent(compileTier(sonnet), withoutSplit).tokens).toBe(price.tokens);
  });
});

describe('web searches: a fee per request', () => {
  it('3 searches at $0.01 add 0.03 to the tokens component', () => {
    const tier = compileTier({
      base_fee: '0.05',
      token_rate_input: '3',
      web_search_request_fee: '0.01',
      token_unit: 1000000,
    });
    const price = priceEvent(tier, { action: 'research', tokens_input: 1000, web_search_requests: 3 });
    expect(formatMoney(price.tokens)).toBe('0.033');
    expect(formatMoney(price.total)).toBe('0.083');
  });

  it('$10 per 1,000 searches is exact at any count', () => {
    const tier = compileTier({ web_search_request_fee: '0.01' });
    const price = priceEvent(tier, { action: 'research', web_search_requests: 1_000_000_000 });
    expect(formatMoney(price.tokens)).toBe('10000000.00');
  });

  it('a tier without a fee does not charge searches apart, as before', () => {
    const price = priceEvent(compileTier({ base_fee: '0.05' }), {
      action: 'research',
      web_search_requests: 3,
    });
    expect(price.tokens).toBe(0n);
    expect(formatMoney(price.total)).toBe('0.05');
  });
});

describe('defaults and the canonical tier', () => {
  it('each new rate defaults to the rate its usage was folded into', () => {
    const tier = compileTier({
      token_rate_input: '3',
      token_rate_output: '15',
      token_rate_cache_write: '3.75',
    });
    expect(tier.tokenRateAudioInput).toBe(tier.tokenRateInput);
    expect(tier.tokenRateAudioOutput).toBe(tier.tokenRateOutput);
    expect(tier.tokenRateCacheWrite1h).toBe(tier.tokenRateCacheWrite);
    expect(tier.webSearchRequestFee).toBe(0n);
    // The cache-write rate itself defaults to input, and the 1-hour rate follows it.
    expect(compileTier({ token_rate_input: '3' }).tokenRateCacheWrite1h).toBe(3_000_000_000_000n);
  });

  it('a tier without the new rates keeps exactly the JSON it had', () => {
    expect(tierToJson(compileTier({ token_rate_input: '3', token_rate_output: '15' }))).toEqual({
      description: null,
      base_fee: '0.00',
      token_rate_input: '3.00',
      token_rate_output: '15.00',
      token_rate_cached_input: '3.00',
      token_rate_cache_write: '3.00',
      token_unit: 1000,
      outcome_bonus: '0.00',
      outcome_bonus_by_action: {},
      currency: 'USD',
    });
  });

  it('names a new rate in the JSON when it differs from its default, and not when it equals it', () => {
    const json = tierToJson(
      compileTier({
        token_rate_input: '3',
        token_rate_output: '15',
        token_rate_audio_input: '40',
        token_rate_audio_output: '15',
        token_rate_cache_write_1h: '6',
        web_search_request_fee: 0.01,
      }),
    );
    expect(json).toMatchObject({
      token_rate_audio_input: '40.00',
      token_rate_cache_write_1h: '6.00',
      web_search_request_fee: '0.01',
    });
    expect(json).not.toHaveProperty('token_rate_audio_output');
  });
});

describe('counts and rates that cannot be priced are refused, naming the field', () => {
  const tier = compileTier({ token_rate_input: '3' });
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(PricingError.isInstance(error)).toBe(true);
      return { code: (error as PricingError).code, field: (error as PricingError).field };
    }
    throw new Error('expected a PricingError');
  };

  it.each([
    [{ tokens_cache_write: 5, tokens_input: 10, tokens_cache_write_1h: 6 }, 'tokens_cache_write_1h'],
    [{ tokens_input: 10, tokens_audio_input: 11 }, 'tokens_audio_input'],
    // Audio input is the uncached part: it cannot overlap the cache reads and writes.
    [
      { tokens_input: 10, tokens_cached_input: 4, tokens_cache_write: 3, tokens_audio_input: 4 },
      'tokens_audio_input',
    ],
    [{ tokens_output: 10, tokens_audio_output: 11 }, 'tokens_audio_output'],
  ])('a subset beyond its total: %j → token_subset_exceeds_total on %s', (fields, field) => {
    expect(refusal(() => priceEvent(tier, { action: 'a', ...fields }))).toEqual({
      code: 'token_subset_exceeds_total',
      field,
    });
    expect(
      refusal(() => createRepricer([{ name: 't', tier }]).add({ action: 'a', succeeded: false, ...fields })),
    ).toEqual({
      code: 'token_subset_exceeds_total',
      field,
    });
  });

  it.each([
    [{ tokens_audio_input: -1 }, 'invalid_token_count', 'tokens_audio_input'],
    [{ tokens_audio_output: 1.5 }, 'invalid_token_count', 'tokens_audio_output'],
    [{ tokens_cache_write_1h: '4' }, 'invalid_token_count', 'tokens_cache_write_1h'],
    [{ web_search_requests: -1 }, 'invalid_count', 'web_search_requests'],
    [{ web_search_requests: 2.5 }, 'invalid_count', 'web_search_requests'],
    [{ web_search_requests: '3' }, 'invalid_count', 'web_search_requests'],
    [{ web_search_requests: 1_000_000_001 }, 'invalid_count', 'web_search_requests'],
  ])('a count %j → %s on %s', (fields, code, field) => {
    expect(refusal(() => priceEvent(tier, { action: 'a', ...(fields as object) }))).toEqual({ code, field });
  });

  it.each([
    [{ token_rate_audio_input: '-40' }, 'negative_money', 'token_rate_audio_input'],
    [{ token_rate_audio_output: 'eighty' }, 'invalid_money', 'token_rate_audio_output'],
    [{ token_rate_cache_write_1h: null }, 'invalid_money', 'token_rate_cache_write_1h'],
    [{ web_search_request_fee: '0.0000000000001' }, 'too_many_decimals', 'web_search_request_fee'],
    [{ web_search_request_fee: -0.01 }, 'negative_money', 'web_search_request_fee'],
    [{ web_search_request_fee: '1e12' }, 'money_too_large', 'web_search_request_fee'],
  ])('a rate %j → %s on %s', (input, code, field) => {
    expect(refusal(() => compileTier(input))).toEqual({ code, field });
  });
});

describe('the simulator', () => {
  it('replays history with the new counts priced, and totals them', () => {
    const tier = compileTier({
      token_rate_input: '3',
      token_rate_audio_input: '40',
      web_search_request_fee: '0.01',
      token_unit: 1000000,
    });
    const repricer = createRepricer([{ name: 'voice', tier }]);
    repricer.add({ action: 'voice', tokens_input: 1000, tokens_audio_input: 200, succeeded: false });
    repricer.add({ action: 'research', web_search_requests: 3, succeeded: true });
    const replay = repricer.result();
    expect(formatMoney(replay.results[0]!.revenue.total)).toBe('0.0404');
    expect(replay.tokens).toMatchObject({ input: 1000, audioInput: 200, webSearchRequests: 3 });
  });
});
