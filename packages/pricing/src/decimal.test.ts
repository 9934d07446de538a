import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTier, PricingError, parseDecimal, simulateWorkload } from './index.js';

function refusal(run: () => unknown): PricingError {
  try {
    run();
  } catch (error) {
    if (PricingError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a PricingError');
}

describe('parseDecimal exponents', () => {
  it('refuses an exponent past 10^64 instead of cutting the value down', () => {
    // The value is 10^250: returning any other number would be a wrong amount.
    expect(refusal(() => parseDecimal('1e250', 'fee', 0))).toMatchObject({
      code: 'money_too_large',
      field: 'fee',
    });
    expect(refusal(() => parseDecimal(1e250, 'fee', 0))).toMatchObject({ code: 'money_too_large' });
    expect(refusal(() => parseDecimal('1e64', 'fee', 0))).toMatchObject({ code: 'money_too_large' });
    expect(refusal(() => parseDecimal('1E+190', 'rate'))).toMatchObject({ code: 'money_too_large' });
  });

  it('reads the largest values below 10^64 exactly', () => {
    expect(parseDecimal('9.99e63', 'fee', 0)).toBe(999n * 10n ** 61n);
    expect(parseDecimal('1e63', 'fee', 0)).toBe(10n ** 63n);
    expect(parseDecimal('1e63', 'fee')).toBe(10n ** 75n);
    expect(parseDecimal('0e99999999', 'fee')).toBe(0n);
  });

  it('a success rate with a huge exponent is refused, not simulated', () => {
    const tier = compileTier({ base_fee: '0.01' });
    expect(
      refusal(() => simulateWorkload({ calls: 10, success_rate: '1e250' }, [{ name: 't', tier }])),
    ).toMatchObject({ field: 'success_rate' });
  });

  it('refuses a scale that is not a non-negative integer', () => {
    expect(() => parseDecimal('1', 'fee', -1)).toThrow(RangeError);
    expect(() => parseDecimal('1', 'fee', 1.5)).toThrow(RangeError);
  });

  it('is exact for every exponent, or refuses with the right code', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 30n }),
        fc.nat({ max: 30 }),
        fc.integer({ min: -400, max: 400 }),
        fc.integer({ min: 0, max: 20 }),
        (digits, pointFromRight, exponent, scale) => {
          // Write `digits` with a decimal point `pointFromRight` places from its end, then an exponent.
          const plain = digits.toString().padStart(pointFromRight + 1, '0');
          const cut = plain.length - pointFromRight;
          const text = `${plain.slice(0, cut)}${pointFromRight > 0 ? `.${plain.slice(cut)}` : ''}e${exponent}`;
          // Independently: the value is digits × 10^power; it has digitCount + power integer digits.
          const power = exponent - pointFromRight;
          const units = power + scale;
          if (digits.toString().length + power > 64) {
            expect(refusal(() => parseDecimal(text, 'x', scale)).code).toBe('money_too_large');
          } else if (units >= 0) {
            expect(parseDecimal(text, 'x', scale)).toBe(digits * 10n ** BigInt(units));
          } else if (digits % 10n ** BigInt(-units) !== 0n) {
            expect(refusal(() => parseDecimal(text, 'x', scale)).code).toBe('too_many_decimals');
          } else {
            expect(parseDecimal(text, 'x', scale)).toBe(digits / 10n ** BigInt(-units));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
