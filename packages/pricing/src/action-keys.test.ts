import { describe, expect, it } from 'vitest';
import { compileTier, outcomeBonus, priceEvent, simulateWorkload, tierToJson } from './index.js';

// Built with JSON.parse, as a request body is: an object literal `{ __proto__: … }` would set the
// prototype rather than make the key this test is about.
const input = JSON.parse(
  '{"outcome_bonus":"1","outcome_bonus_by_action":{"__proto__":"7","constructor":"8","toString":"9","hasOwnProperty":"10"}}',
);
const EXPECTED: [string, bigint][] = [
  ['__proto__', 7n],
  ['constructor', 8n],
  ['toString', 9n],
  ['hasOwnProperty', 10n],
  ['valueOf', 1n],
  ['anything-else', 1n],
];
const units = (whole: bigint) => whole * 10n ** 12n;

describe('actions named like Object.prototype members', () => {
  it('get their own bonus, and every other action the default bonus', () => {
    const tier = compileTier(input);
    for (const [action, bonus] of EXPECTED) {
      expect([action, outcomeBonus(tier, action)]).toEqual([action, units(bonus)]);
      expect([action, priceEvent(tier, { action, outcome: 'success' }).outcome]).toEqual([
        action,
        units(bonus),
      ]);
      expect([action, priceEvent(tier, { action, outcome: 'pending' }).pendingBonus]).toEqual([
        action,
        units(bonus),
      ]);
    }
  });

  it('survive the canonical JSON round trip (what the server stores and serves)', () => {
    const json = JSON.stringify(tierToJson(compileTier(input)));
    const parsed = JSON.parse(json);
    expect(Object.keys(parsed.outcome_bonus_by_action).sort()).toEqual(
      ['__proto__', 'constructor', 'hasOwnProperty', 'toString'].sort(),
    );
    expect(Object.getOwnPropertyDescriptor(parsed.outcome_bonus_by_action, '__proto__')?.value).toBe('7.00');
    const again = compileTier(parsed);
    for (const [action, bonus] of EXPECTED)
      expect([action, outcomeBonus(again, action)]).toEqual([action, units(bonus)]);
  });

  it('are simulated with their own bonus', () => {
    const tier = compileTier(input);
    for (const [action, bonus] of EXPECTED) {
      const simulation = simulateWorkload({ calls: 10, successes: 3, action }, [{ name: 't', tier }]);
      expect([action, simulation.results[0]?.revenue.outcome]).toEqual([action, units(3n * bonus)]);
    }
  });
});
