import { describe, expect, it } from 'vitest';
import { pairsOption } from './parse.js';

describe('pairsOption', () => {
  it('keeps every action name as a key, __proto__ and constructor included', () => {
    const pairs = pairsOption('--bonus-for', ['__proto__=5', 'constructor=1.5', 'a=b=2']);
    expect(Object.keys(pairs ?? {})).toEqual(['__proto__', 'constructor', 'a=b']);
    expect(JSON.stringify(pairs)).toBe('{"__proto__":"5","constructor":"1.5","a=b":"2"}');
  });

  it('refuses a pair without an action or an amount, naming the flag', () => {
    for (const bad of ['=5', 'meeting=', 'meeting'])
      expect(() => pairsOption('--bonus-for', [bad])).toThrow(/--bonus-for must look like action=amount/);
    expect(pairsOption('--bonus-for', [])).toBeUndefined();
  });
});
