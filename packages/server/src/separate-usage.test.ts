// Usage the providers bill at their own rates (audio input and output, 1-hour cache writes, web
// searches) travels the whole way: priced at its tier's rates on /v1/meter, stored, shown in the
// ledger, usage and invoices, and repriced from history by the simulator. A tier that does not name
// these rates prices such an event exactly as it priced the same tokens before they were told apart.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, T0 } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';

/** Rates per 1K tokens. */
const PLAIN_RATES = {
  base_fee: '0.001',
  token_rate_input: '0.003',
  token_rate_output: '0.006',
  token_rate_cached_input: '0.0003',
  token_rate_cache_write: '0.00375',
};
const SEPARATE_RATES = {
  ...PLAIN_RATES,
  token_rate_cache_write_1h: '0.006',
  token_rate_audio_input: '0.04',
  token_rate_audio_output: '0.08',
  web_search_request_fee: '0.01',
};

const COUNTS = {
  tokens_input: 10_000,
  tokens_cached_input: 2_000,
  tokens_cache_write: 3_000,
  tokens_cache_write_1h: 1_000,
  tokens_audio_input: 1_500,
  tokens_output: 1_200,
  tokens_audio_output: 700,
  tokens_reasoning: 100,
  web_search_requests: 3,
};

// Under SEPARATE_RATES:
//   plain input   10000 - 2000 - 3000 - 1500 = 3500 × 0.003   / 1000 = 0.0105
//   cache reads   2000                            × 0.0003  / 1000 = 0.0006
//   5-min writes  3000 - 1000 = 2000              × 0.00375 / 1000 = 0.0075
//   1-hour writes 1000                            × 0.006   / 1000 = 0.006
//   audio input   1500                            × 0.04    / 1000 = 0.06
//   text output   1200 - 700 = 500                × 0.006   / 1000 = 0.003
//   audio output  700                             × 0.08    / 1000 = 0.056
//   web searches  3 × 0.01                                          = 0.03
//   tokens 0.1736, plus the base fee 0.001: 0.1746.
const SEPARATE_TOKENS = '0.1736';
// Under PLAIN_RATES (the rates the separate kinds were folded into):
//   uncached input 10000 - 2000 - 3000 = 5000 × 0.003   / 1000 = 0.015
//   cache reads    2000                       × 0.0003  / 1000 = 0.0006
//   cache writes   3000                       × 0.00375 / 1000 = 0.01125
//   output         1200                       × 0.006   / 1000 = 0.0072
//   tokens 0.03405 (no search fee), plus the base fee 0.001: 0.03505.
const PLAIN_TOKENS = '0.03405';

const TOKENS_VIEW = {
  input: 10_000,
  output: 1_200,
  cached_input: 2_000,
  cache_write: 3_000,
  reasoning: 100,
  cache_write_1h: 1_000,
  audio_input: 1_500,
  audio_output: 700,
  web_search_requests: 3,
};
const doubled = Object.fromEntries(Object.entries(TOKENS_VIEW).map(([key, value]) => [key, value * 2]));

describe.each(STORE_KINDS)('separately billed usage on %s', (kind) => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    for (const [tier, body] of [
      ['default', PLAIN_RATES],
      ['separate', SEPARATE_RATES],
    ] as const) {
      const put = await api.call('PUT', `/v1/tiers/${tier}`, { body });
      expect(put.status).toBe(200);
    }
  });
  afterEach(async () => cleanup());

  const meter = (body: Record<string, unknown>) =>
    api.call('POST', '/v1/meter', { body: { agent_id: 'bot', action: 'call', customer_id: 'cus', ...body } });

  it('a tier shows the rates it was given, and only those', async () => {
    const separate = (await api.call('GET', '/v1/tiers/separate')).body;
    expect(separate).toMatchObject({
      token_rate_cache_write_1h: '0.006',
      token_rate_audio_input: '0.04',
      token_rate_audio_output: '0.08',
      web_search_request_fee: '0.01',
    });
    const plain = (await api.call('GET', '/v1/tiers/default')).body;
    for (const field of [
      'token_rate_cache_write_1h',
      'token_rate_audio_input',
      'token_rate_audio_output',
      'web_search_request_fee',
    ])
      expect(plain).not.toHaveProperty(field);
    // The same definition again is the same version.
    expect((await api.call('PUT', '/v1/tiers/separate', { body: SEPARATE_RATES })).body.version).toBe(1);
    // A rate past 12 decimals is refused naming it, and changes nothing.
    const refused = await api.call('PUT', '/v1/tiers/separate', {
      body: { ...SEPARATE_RATES, token_rate_audio_output: '0.0000000000001' },
    });
    expect([refused.status, refused.body.errors?.[0]?.field]).toEqual([400, '/token_rate_audio_output']);
    expect((await api.call('GET', '/v1/tiers/separate')).body.version).toBe(1);
  });

  it('prices audio, 1-hour cache writes and web searches at their own rates, and exactly as before without them', async () => {
    const separate = await meter({ event_id: 'ev-separate', tier: 'separate', ...COUNTS });
    expect(separate.status).toBe(200);
    expect(separate.body.price).toEqual({
      total: '0.1746',
      base: '0.001',
      tokens: SEPARATE_TOKENS,
      outcome: '0.00',
    });
    const plain = await meter({ event_id: 'ev-plain', ...COUNTS });
    expect(plain.body.price).toEqual({
      total: '0.03505',
      base: '0.001',
      tokens: PLAIN_TOKENS,
      outcome: '0.00',
    });
    // The same tokens, not told apart: the same price under the plain tier.
    const {
      tokens_cache_write_1h: _1h,
      tokens_audio_input: _ai,
      tokens_audio_output: _ao,
      web_search_requests: _ws,
      ...folded
    } = COUNTS;
    expect((await meter({ event_id: 'ev-folded', ...folded })).body.price).toEqual(plain.body.price);

    const ledger = (await api.call('GET', '/v1/events/ev-separate')).body;
    expect(ledger.tokens).toEqual(TOKENS_VIEW);
    expect(ledger.price.tokens).toBe(SEPARATE_TOKENS);
    const listed = (await api.call('GET', '/v1/events')).body.data;
    expect(listed.find((event: { event_id: string }) => event.event_id === 'ev-plain').tokens).toEqual(
      TOKENS_VIEW,
    );
    expect(listed.find((event: { event_id: string }) => event.event_id === 'ev-folded').tokens).toMatchObject(
      {
        cache_write_1h: 0,
        audio_input: 0,
        audio_output: 0,
        web_search_requests: 0,
      },
    );
  });

  it('usage sums the new counts, invoices count the searches, history replay reprices them', async () => {
    await meter({ event_id: 'ev-separate', tier: 'separate', ...COUNTS });
    await meter({ event_id: 'ev-plain', ...COUNTS });

    const usage = (await api.call('GET', '/v1/usage?group_by=customer_id')).body;
    expect(usage.totals[0].tokens).toEqual(doubled);
    expect(usage.groups[0].tokens).toEqual(doubled);
    expect(usage.totals[0].amounts.tokens).toBe('0.20765'); // 0.1736 + 0.03405

    const invoice = (await api.call('GET', '/v1/invoices/preview?customer_id=cus')).body;
    const tokenLines = invoice.lines
      .filter((line: { component: string }) => line.component === 'tokens')
      .map((line: { description: string; quantity: number; amount: string }) => [
        line.description,
        line.quantity,
        line.amount,
      ]);
    expect(tokenLines).toEqual([
      // The searches are counted whatever their fee (none under this tier).
      ['Tokens and 3 web searches (tier default v2)', 11_200, PLAIN_TOKENS],
      ['Tokens and 3 web searches (tier separate v1)', 11_200, SEPARATE_TOKENS],
    ]);

    const history = {
      from: new Date(T0 - 3_600_000).toISOString(),
      to: new Date(T0 + 3_600_000).toISOString(),
    };
    const simulated = await api.call('POST', '/v1/simulate', {
      body: {
        history,
        tiers: ['separate', 'default'],
        // Plain rates with only a search fee: the searches alone add 2 × 3 × 0.5.
        candidates: { searches: { ...PLAIN_RATES, web_search_request_fee: '0.5' } },
      },
    });
    expect(simulated.status).toBe(200);
    expect(simulated.body.tokens).toEqual(doubled);
    expect(
      simulated.body.results.map((result: { name: string; revenue: { tokens: string } }) => [
        result.name,
        result.revenue.tokens,
      ]),
    ).toEqual([
      ['separate', '0.3472'],
      ['default', '0.0681'],
      ['searches', '3.0681'],
    ]);
  });

  it('a described workload takes averages of the new counts, refusing one beyond its total by name', async () => {
    const workload = {
      calls: 10,
      avg_tokens_input: 10_000,
      avg_tokens_cached_input: 2_000,
      avg_tokens_cache_write: 3_000,
      avg_tokens_cache_write_1h: 1_000,
      avg_tokens_audio_input: 1_500,
      avg_tokens_output: 1_200,
      avg_tokens_audio_output: 700,
      avg_web_search_requests: 3,
    };
    const simulated = await api.call('POST', '/v1/simulate', {
      body: { workload, tiers: ['separate', 'default'] },
    });
    expect(simulated.status).toBe(200);
    expect(simulated.body.tokens).toEqual({
      ...Object.fromEntries(Object.entries(TOKENS_VIEW).map(([key, value]) => [key, value * 10])),
      reasoning: 0,
    });
    expect(
      simulated.body.results.map((result: { revenue: { tokens: string } }) => result.revenue.tokens),
    ).toEqual(['1.736', '0.3405']);
    const refused = await api.call('POST', '/v1/simulate', {
      body: { workload: { ...workload, avg_tokens_cache_write_1h: 3_001 }, tiers: ['separate'] },
    });
    expect([refused.status, refused.body.code, refused.body.errors?.[0]?.field]).toEqual([
      422,
      'token_subset_exceeds_total',
      '/workload/avg_tokens_cache_write_1h',
    ]);
  });

  it('refuses a subset beyond its total naming it, and records nothing', async () => {
    const cases: [Record<string, unknown>, number, string, string][] = [
      [
        { tokens_input: 10, tokens_cache_write: 5, tokens_cache_write_1h: 6 },
        422,
        'token_subset_exceeds_total',
        '/tokens_cache_write_1h',
      ],
      [
        { tokens_input: 10, tokens_cached_input: 4, tokens_cache_write: 3, tokens_audio_input: 4 },
        422,
        'token_subset_exceeds_total',
        '/tokens_audio_input',
      ],
      [{ tokens_audio_input: 1 }, 422, 'token_subset_exceeds_total', '/tokens_audio_input'],
      [
        { tokens_output: 3, tokens_audio_output: 4 },
        422,
        'token_subset_exceeds_total',
        '/tokens_audio_output',
      ],
      [{ web_search_requests: -1 }, 400, 'validation_error', '/web_search_requests'],
      [{ web_search_requests: 1.5 }, 400, 'validation_error', '/web_search_requests'],
      [{ usage_missing: true, web_search_requests: 1 }, 400, 'validation_error', '/web_search_requests'],
      [{ usage_missing: true, tokens_audio_output: 1 }, 400, 'validation_error', '/tokens_audio_output'],
    ];
    for (const [counts, status, code, field] of cases) {
      const response = await meter({ tier: 'separate', ...counts });
      expect({ counts, status: response.status, code: response.body.code }).toEqual({ counts, status, code });
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    const batch = await api.call('POST', '/v1/meter/batch', {
      body: {
        events: [
          { agent_id: 'bot', action: 'call', tokens_output: 3, tokens_audio_output: 4 },
          {
            agent_id: 'bot',
            action: 'call',
            tokens_input: 10,
            tokens_cache_write: 5,
            tokens_cache_write_1h: 6,
          },
        ],
      },
    });
    expect(
      batch.body.results.map((result: { status: string; error?: { code: string; field: string } }) => [
        result.status,
        result.error?.code,
        result.error?.field,
      ]),
    ).toEqual([
      ['rejected', 'token_subset_exceeds_total', '/tokens_audio_output'],
      ['rejected', 'token_subset_exceeds_total', '/tokens_cache_write_1h'],
    ]);
    expect((await api.call('GET', '/v1/events')).body.data).toEqual([]);
    expect((await api.call('GET', '/v1/usage')).body.totals).toEqual([]);
  });
});

// A component of one event's charge beyond the limit is refused naming the field to correct: for the
// token component, the count whose charge is its largest share (input, output, a cache kind, audio, or
// the web searches and their fee), not always `tokens_input`; for the outcome bonus, `outcome`.
/** Rates per 1K tokens, high enough that a billion tokens of one kind exceed the limit of 1,000,000. */
const LARGE_RATES = {
  base_fee: '0.001',
  token_rate_input: '2',
  token_rate_output: '3',
  token_rate_cached_input: '1.5',
  token_rate_cache_write: '2.5',
  token_rate_cache_write_1h: '4',
  token_rate_audio_input: '6',
  token_rate_audio_output: '7',
  web_search_request_fee: '10',
  outcome_bonus: '2000000',
};

describe.each(STORE_KINDS)('a charge too large on %s', (kind) => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    expect((await api.call('PUT', '/v1/tiers/default', { body: LARGE_RATES })).status).toBe(200);
  });
  afterEach(async () => cleanup());

  const meter = (body: Record<string, unknown>) =>
    api.call('POST', '/v1/meter', { body: { agent_id: 'bot', action: 'call', ...body } });

  it('names the count that drives the token charge, and records nothing', async () => {
    const cases: [string, Record<string, unknown>][] = [
      // 200,000 searches × 10 = 2,000,000 with no tokens at all.
      ['web_search_requests', { web_search_requests: 200_000 }],
      // A few tokens beside them change nothing: the fee is the largest share.
      ['web_search_requests', { tokens_input: 1_000, tokens_output: 500, web_search_requests: 150_000 }],
      ['tokens_input', { tokens_input: 1_000_000_000 }],
      ['tokens_output', { tokens_input: 10, tokens_output: 400_000_000 }],
      // 1e9 of audio output at 7: the output is all audio, none at the text rate.
      ['tokens_audio_output', { tokens_output: 1_000_000_000, tokens_audio_output: 1_000_000_000 }],
      ['tokens_cached_input', { tokens_input: 1_000_000_000, tokens_cached_input: 1_000_000_000 }],
      [
        'tokens_cache_write_1h',
        {
          tokens_input: 1_000_000_000,
          tokens_cache_write: 1_000_000_000,
          tokens_cache_write_1h: 900_000_000,
        },
      ],
      ['tokens_audio_input', { tokens_input: 600_000_000, tokens_audio_input: 400_000_000 }],
      // Together over the limit, each under it: plain input 0.9e6, searches 0.2e6; input is larger.
      ['tokens_input', { tokens_input: 450_000_000, web_search_requests: 20_000 }],
      // And the other way round: searches 0.9e6, plain input 0.2e6.
      ['web_search_requests', { tokens_input: 100_000_000, web_search_requests: 90_000 }],
    ];
    for (const [field, counts] of cases) {
      const response = await meter(counts);
      expect({ counts, status: response.status, code: response.body.code }).toEqual({
        counts,
        status: 422,
        code: 'charge_too_large',
      });
      expect({ counts, fields: response.body.errors.map((error: { field: string }) => error.field) }).toEqual(
        {
          counts,
          fields: [`/${field}`],
        },
      );
    }
    const batch = await api.call('POST', '/v1/meter/batch', {
      body: {
        events: [
          { agent_id: 'bot', action: 'call', web_search_requests: 200_000 },
          { agent_id: 'bot', action: 'call', tokens_input: 10, tokens_output: 5 },
        ],
      },
    });
    expect(batch.status).toBe(200);
    expect(
      batch.body.results.map((result: { status: string; error?: { code: string; field?: string } }) => [
        result.status,
        result.error?.code,
        result.error?.field,
      ]),
    ).toEqual([
      ['rejected', 'charge_too_large', '/web_search_requests'],
      ['accepted', undefined, undefined],
    ]);
    expect((await api.call('GET', '/v1/events')).body.data).toHaveLength(1);
  });

  it('names `outcome` when the bonus it asks for is too large', async () => {
    for (const outcome of ['success', 'pending']) {
      const response = await meter({ tokens_input: 10, outcome });
      expect([response.status, response.body.code, response.body.errors[0].field]).toEqual([
        422,
        'charge_too_large',
        '/outcome',
      ]);
    }
    expect((await meter({ tokens_input: 10, outcome: 'failure' })).status).toBe(200);
  });
});
