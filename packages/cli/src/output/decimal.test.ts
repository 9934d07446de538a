import { describe, expect, it } from 'vitest';
import { alignDecimals, compareDecimals, groupDigits, sumDecimals } from './decimal.js';

describe('exact decimal formatting', () => {
  it('groups thousands and keeps every digit', () => {
    expect(groupDigits('1234567.000000000001')).toBe('1,234,567.000000000001');
    expect(groupDigits('-1000')).toBe('-1,000');
    expect(groupDigits('999.5')).toBe('999.5');
  });

  it('aligns a column on the decimal point without changing a value', () => {
    const aligned = alignDecimals(['8.40', '0.0084', '50', null, '3.333333333333']);
    expect(aligned).toEqual([
      '8.40          ',
      '0.0084        ',
      '50             ',
      '—             ',
      '3.333333333333',
    ]);
    expect(aligned.map((value) => value.trim())).toEqual(['8.40', '0.0084', '50', '—', '3.333333333333']);
  });

  it('compares and sums exactly, beyond what a double holds', () => {
    expect(compareDecimals('0.1', '0.10')).toBe(0);
    expect(compareDecimals('9007199254740993.000000000001', '9007199254740993')).toBe(1);
    expect(compareDecimals('-0.5', '0.25')).toBe(-1);
    expect(sumDecimals(['0.1', '0.2'])).toBe('0.30');
    expect(sumDecimals(['0.010168125', '5.00', '0.0084'])).toBe('5.018568125');
    expect(sumDecimals(['9007199254740993.000000000001', '0.000000000001'])).toBe(
      '9007199254740993.000000000002',
    );
    expect(sumDecimals([])).toBe('0.00');
  });

  it('refuses what is not an exact decimal string', () => {
    expect(() => groupDigits('1e3')).toThrow('Expected an exact decimal string, got "1e3".');
  });
});
