// The inputs the fuzzer found answered with a 5xx, pinned: each is now a typed 400 naming the field
// (or, in a batch, that one event rejected while the others are accepted), and changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, T0 } from '../support/api.js';
import { openTestStore, STORE_KINDS } from '../support/stores.js';

const deep = (depth: number) => {
  let value: unknown = 1;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
};
// Built as text: JSON.stringify itself cannot write 5,000 levels on every stack.
const deepText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const at = (ms: number) => new Date(ms).toISOString();

describe.each(STORE_KINDS)('hostile inputs found by fuzzing, on %s', (kind) => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    await api.call('PUT', '/v1/tiers/default', { body: { base_fee: '0.01' } });
  });
  afterEach(async () => cleanup());

  const ledger = async () => (await api.call('GET', '/v1/events?limit=1000')).body.data.length;

  it('refuses a leap second (a time JavaScript cannot hold) as a 400 naming the field', async () => {
    const leap = '2026-06-30T23:59:60Z';
    const single = await api.call('POST', '/v1/meter', {
      body: { agent_id: 'a', action: 'b', timestamp: leap },
    });
    expect([single.status, single.body.code, single.body.errors[0].field]).toEqual([
      400,
      'validation_error',
      '/timestamp',
    ]);
    const batch = await api.call('POST', '/v1/meter/batch', {
      body: {
        events: [
          { agent_id: 'a', action: 'b', event_id: 'leap', timestamp: leap },
          { agent_id: 'a', action: 'b', event_id: 'fine', timestamp: at(T0 - 1000) },
          {
            agent_id: 'a',
            action: 'b',
            event_id: 'leap-expiry',
            outcome: 'pending',
            expires_at: '2026-12-31T23:59:60Z',
          },
        ],
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: any) => [r.status, r.error?.field ?? null])).toEqual([
      ['rejected', '/timestamp'],
      ['accepted', null],
      ['rejected', '/expires_at'],
    ]);
    const query = await api.call('GET', `/v1/usage?from=${encodeURIComponent(leap)}`);
    expect([query.status, query.body.errors[0].field]).toEqual([400, 'query.from']);
    expect(await ledger()).toBe(1);
  });

  it('refuses metadata nested deeper than 32 levels, in events, resolutions and assignments', async () => {
    expect(
      (
        await api.call('POST', '/v1/meter', {
          body: { agent_id: 'a', action: 'b', metadata: { x: deep(31) } },
        })
      ).status,
    ).toBe(200);
    const tooDeep = await api.call('POST', '/v1/meter', {
      body: { agent_id: 'a', action: 'b', metadata: { x: deep(32) } },
    });
    expect([tooDeep.status, tooDeep.body.code, tooDeep.body.errors[0].field]).toEqual([
      400,
      'validation_error',
      '/metadata',
    ]);
    // 5,000 levels overflowed the stack (a 500 for the whole batch); now only that event is refused.
    const batch = await api.call('POST', '/v1/meter/batch', {
      body: `{"events":[{"agent_id":"a","action":"b","event_id":"deep","metadata":{"x":${deepText(5000)}}},{"agent_id":"a","action":"b","event_id":"shallow","outcome":"pending"}]}`,
    });
    expect(batch.body.results.map((r: any) => [r.status, r.error?.field ?? null])).toEqual([
      ['rejected', '/metadata'],
      ['accepted', null],
    ]);
    const resolve = await api.call('POST', '/v1/outcomes/out_shallow/resolve', {
      body: `{"outcome":"success","metadata":{"x":${deepText(5000)}}}`,
    });
    expect([resolve.status, resolve.body.errors[0].field]).toEqual([400, '/metadata']);
    expect((await api.call('GET', '/v1/outcomes/out_shallow')).body.status).toBe('pending');
    const customer = await api.call('PUT', '/v1/customers/c', {
      body: `{"tier":null,"metadata":{"x":${deepText(5000)}}}`,
    });
    expect([customer.status, customer.body.errors[0].field]).toEqual([400, '/metadata']);
    expect((await api.call('GET', '/v1/customers/c')).status).toBe(404);
    expect(await ledger()).toBe(2);
  });

  it('refuses U+0000 in stored text on both stores (PostgreSQL text cannot hold it)', async () => {
    for (const field of ['model', 'provider']) {
      const response = await api.call('POST', '/v1/meter', {
        body: { agent_id: 'a', action: 'b', [field]: 'gpt\u0000' },
      });
      expect([response.status, response.body.errors[0].field]).toEqual([400, `/${field}`]);
    }
    const customer = await api.call('PUT', '/v1/customers/c', { body: { tier: null, name: 'A\u0000B' } });
    expect([customer.status, customer.body.errors[0].field]).toEqual([400, '/name']);
    const key = await api.call('POST', '/v1/keys', { body: { scope: 'ingest', name: '\u0000' } });
    expect([key.status, key.body.errors[0].field]).toEqual([400, '/name']);
    // An invalid customer id in one event of a batch used to reach the database (and fail the batch).
    const batch = await api.call('POST', '/v1/meter/batch', {
      body: {
        events: [
          { agent_id: 'a', action: 'b', customer_id: '\u0000' },
          { agent_id: '\u0000', action: 'b' },
          { agent_id: 'a', action: 'b', event_id: 'clean', customer_id: 'c' },
        ],
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: any) => r.status)).toEqual(['rejected', 'rejected', 'accepted']);
    expect((await api.call('GET', '/v1/keys')).body.data).toHaveLength(1);
    expect(await ledger()).toBe(1);
  });
});
