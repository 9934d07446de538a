import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, T0 } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';

// Bodies are sent as JSON text: in a JavaScript object literal `__proto__: …` sets the prototype
// instead of making a key, which is exactly what must never happen to a user's key on the server.
const TIER = `{"outcome_bonus":"1","outcome_bonus_by_action":{"__proto__":"7","constructor":"8","toString":"9"}}`;
const BONUS: [string, string][] = [
  ['__proto__', '7.00'],
  ['constructor', '8.00'],
  ['toString', '9.00'],
  ['valueOf', '1.00'],
  ['plain', '1.00'],
];

describe.each(STORE_KINDS)('user keys named like Object.prototype members, on %s', (kind) => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
  });
  afterEach(async () => cleanup());

  const ownKeys = (value: object) => Object.keys(value).sort();

  it('a tier keeps its __proto__, constructor and toString action bonuses through PUT and GET', async () => {
    const put = await api.call('PUT', '/v1/tiers/odd', { body: TIER });
    expect(put.status).toBe(200);
    expect(ownKeys(put.body.outcome_bonus_by_action)).toEqual(['__proto__', 'constructor', 'toString']);
    const got = await api.call('GET', '/v1/tiers/odd');
    expect(ownKeys(got.body.outcome_bonus_by_action)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(got.body.outcome_bonus_by_action, '__proto__')?.value).toBe(
      '7.00',
    );
    // Putting the same definition again is no new version: the stored form is the full one.
    expect((await api.call('PUT', '/v1/tiers/odd', { body: TIER })).body.version).toBe(1);
  });

  it('events of those actions are charged their own bonus', async () => {
    await api.call('PUT', '/v1/tiers/odd', { body: TIER });
    for (const [action, bonus] of BONUS) {
      const now = await api.call('POST', '/v1/meter', {
        body: { agent_id: 'a', action, outcome: 'success', tier: 'odd' },
      });
      expect([action, now.status, now.body.price.outcome]).toEqual([action, 200, bonus]);
      const later = await api.call('POST', '/v1/meter', {
        body: { agent_id: 'a', action, outcome: 'pending', tier: 'odd' },
      });
      const resolved = await api.call('POST', `/v1/outcomes/${later.body.outcome_id}/resolve`, {
        body: { outcome: 'success' },
      });
      expect([action, resolved.status, resolved.body.price.total]).toEqual([action, 200, bonus]);
    }
  });

  it('the simulator uses them, for a stored tier, an inline candidate and the history', async () => {
    await api.call('PUT', '/v1/tiers/odd', { body: TIER });
    for (const [action, bonus] of BONUS) {
      const simulated = await api.call('POST', '/v1/simulate', {
        body: `{"workload":{"calls":4,"successes":2,"action":${JSON.stringify(action)}},"tiers":["odd"],"candidates":{"inline":${TIER}}}`,
      });
      expect(simulated.status).toBe(200);
      const outcome = (2 * Number(bonus)).toFixed(2);
      expect([action, ...simulated.body.results.map((result: any) => result.revenue.outcome)]).toEqual([
        action,
        outcome,
        outcome,
      ]);
    }
    await api.call('POST', '/v1/meter', {
      body: {
        agent_id: 'a',
        action: '__proto__',
        outcome: 'success',
        timestamp: new Date(T0 - 1000).toISOString(),
      },
    });
    const history = await api.call('POST', '/v1/simulate', {
      body: {
        history: { from: new Date(T0 - 60_000).toISOString(), to: new Date(T0 + 60_000).toISOString() },
        tiers: ['odd'],
      },
    });
    expect(history.body.results[0].revenue.outcome).toBe('7.00');
  });

  it('metadata keys and usage groups of such names come back as they were sent', async () => {
    const metered = await api.call('POST', '/v1/meter', {
      body: `{"agent_id":"constructor","action":"__proto__","event_id":"odd-1","metadata":{"__proto__":{"x":1},"toString":"t"}}`,
    });
    expect(metered.status).toBe(200);
    const [event] = (await api.call('GET', '/v1/events')).body.data;
    expect(ownKeys(event.metadata)).toEqual(['__proto__', 'toString']);
    expect(Object.getOwnPropertyDescriptor(event.metadata, '__proto__')?.value).toEqual({ x: 1 });
    const usage = (await api.call('GET', '/v1/usage?group_by=agent_id,action')).body;
    expect(usage.groups.map((group: any) => group.key)).toEqual([
      { agent_id: 'constructor', action: '__proto__' },
    ]);
  });
});
