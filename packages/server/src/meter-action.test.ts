import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';

// A bad `action` is refused as a problem with the action itself, naming `/action`, before any
// price is computed: it must never surface as an outcome error, and must record nothing.
const BAD_ACTIONS: [string, unknown][] = [
  ['empty', ''],
  ['a number', 42],
  ['null', null],
  ['129 characters', 'a'.repeat(129)],
  ['a control character', 'email\u0000sent'],
];

describe.each(STORE_KINDS)('a bad action on %s', (kind) => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    expect(
      (await api.call('PUT', '/v1/tiers/default', { body: { base_fee: '0.01', outcome_bonus: '1' } })).status,
    ).toBe(200);
    // One good event, so "nothing changed" compares against a ledger that is not empty.
    expect((await api.call('POST', '/v1/meter', { body: { agent_id: 'a', action: 'ok' } })).status).toBe(200);
  });
  afterEach(async () => cleanup());

  const ledger = async () => ({
    events: (await api.call('GET', '/v1/events')).body.data,
    usage: (await api.call('GET', '/v1/usage')).body,
  });

  it.each(BAD_ACTIONS)('%s is a 400 naming /action on /v1/meter and records nothing', async (_, action) => {
    const before = await ledger();
    const { status, body } = await api.call('POST', '/v1/meter', {
      body: { agent_id: 'a', action, outcome: 'success' },
    });
    expect(status).toBe(400);
    expect(body.code).toBe('validation_error');
    expect(body.errors.map((error: { field: string }) => error.field)).toEqual(['/action']);
    expect(await ledger()).toEqual(before);
  });

  it.each(BAD_ACTIONS)('%s is a rejected item naming /action in a batch', async (_, action) => {
    const before = await ledger();
    const { status, body } = await api.call('POST', '/v1/meter/batch', {
      body: { events: [{ agent_id: 'a', action, outcome: 'pending' }] },
    });
    expect(status).toBe(200);
    expect(body.results[0]).toMatchObject({
      status: 'rejected',
      error: { code: 'validation_error', field: '/action' },
    });
    expect(await ledger()).toEqual(before);
  });

  it('an empty action in a simulated workload is a 400 naming /workload/action', async () => {
    const { status, body } = await api.call('POST', '/v1/simulate', {
      body: { workload: { calls: 10, successes: 5, action: '' } },
    });
    expect(status).toBe(400);
    expect(body.code).toBe('validation_error');
    expect(body.errors.map((error: { field: string }) => error.field)).toEqual(['/workload/action']);
  });
});
