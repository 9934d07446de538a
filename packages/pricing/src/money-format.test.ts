import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDecimal, formatMoney, moneyToNumber } from './money.js';

// The exact bigint way, for every magnitude: what the fast paths below 2^53 must agree with.
function referenceFormat(units: bigint, scale: number, minFractionDigits: number): string {
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  const one = 10n ** BigInt(scale);
  let fraction = (magnitude % one).toString().padStart(scale, '0');
  let end = fraction.length;
  while (end > minFractionDigits && fraction[end - 1] === '0') end--;
  fraction = fraction.slice(0, end);
  return `${negative ? '-' : ''}${(magnitude / one).toString()}${fraction ? `.${fraction}` : ''}`;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
// Amounts on both sides of 2^53, where the fast path hands over to bigints.
const amounts = fc.oneof(
  fc.bigInt({ min: -SAFE, max: SAFE }),
  fc.bigInt({ min: SAFE - 1000n, max: SAFE + 1000n }),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
  fc.constantFrom(0n, 1n, -1n, 10n ** 12n, 8_400_000_000n, SAFE, SAFE + 1n, -SAFE, -SAFE - 1n),
);

describe('money formatting', () => {
  it('formats every amount exactly as the bigint reference, at any scale', () => {
    fc.assert(
      fc.property(
        amounts,
        fc.integer({ min: 0, max: 18 }),
        fc.integer({ min: 0, max: 4 }),
        (units, scale, min) => {
          const minFractionDigits = Math.min(min, scale);
          expect(formatDecimal(units, scale, minFractionDigits)).toBe(
            referenceFormat(units, scale, minFractionDigits),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gives the double nearest the exact decimal, as parsing the decimal string does', () => {
    fc.assert(
      fc.property(amounts, (units) => {
        expect(Object.is(moneyToNumber(units), Number(referenceFormat(units, 12, 0)))).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(moneyToNumber(8_400_000_000n)).toBe(0.0084);
    expect(formatMoney(5n * 10n ** 12n)).toBe('5.00');
  });
});
