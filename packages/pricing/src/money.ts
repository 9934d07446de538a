import { PricingError } from './errors.js';

/**
 * Money is a bigint of units of 10^-12 of the currency: 12 fractional digits, never a binary
 * float. Every component of every charge is rounded once, half to even, at the 12th digit.
 */
export type Money = bigint;

export const MONEY_SCALE = 12;
export const MONEY_ONE = 10n ** BigInt(MONEY_SCALE);
/** Inputs are below 10^10 (ten integer digits). */
const MONEY_LIMIT = 10n ** 10n * MONEY_ONE;
/**
 * `parseDecimal` reads at most 64 characters, so a plainly written value is below 10^64; an
 * exponent may not reach past that either.
 */
const DECIMAL_MAX_INTEGER_DIGITS = 64;
const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/** Divides non-negative `numerator` by positive `denominator`, rounding half to even. */
export function divideRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (numerator < 0n) return -divideRoundHalfEven(-numerator, denominator);
  const quotient = numerator / denominator;
  const twiceRemainder = (numerator % denominator) * 2n;
  if (twiceRemainder > denominator) return quotient + 1n;
  if (twiceRemainder === denominator && quotient % 2n === 1n) return quotient + 1n;
  return quotient;
}

/**
 * Parses an exact non-negative decimal into units of 10^-`scale`, refusing (never rounding)
 * digits beyond `scale` and values of 10^64 or more. Accepts a decimal string, or a JSON number
 * read through its shortest round-trip decimal form (`0.003` is exactly 0.003).
 */
export function parseDecimal(value: unknown, field: string, scale: number = MONEY_SCALE): bigint {
  if (!Number.isSafeInteger(scale) || scale < 0) {
    throw new RangeError(`parseDecimal: scale must be a non-negative integer, got ${scale}.`);
  }
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new PricingError(
        'invalid_money',
        field,
        `Expected \`${field}\` to be a finite decimal, got ${value}.`,
      );
    }
    if (value < 0 || Object.is(value, -0)) {
      throw new PricingError(
        'negative_money',
        field,
        `Expected \`${field}\` to be zero or more, got ${value}.`,
      );
    }
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
    if (text.startsWith('-')) {
      throw new PricingError(
        'negative_money',
        field,
        `Expected \`${field}\` to be zero or more, got "${value}".`,
      );
    }
  } else {
    throw new PricingError(
      'invalid_money',
      field,
      `Expected \`${field}\` to be a decimal number or string, got ${value === null ? 'null' : typeof value}.`,
    );
  }
  const match = DECIMAL.exec(text);
  if (!match || text.length > 64) {
    throw new PricingError(
      'invalid_money',
      field,
      `Expected \`${field}\` to be a decimal like "0.003", got ${JSON.stringify(value)}.`,
    );
  }
  const [, whole = '0', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  // value = digits × 10^(exponent − fraction.length); we want value × 10^scale.
  const digits = BigInt(whole + fraction);
  if (digits === 0n) return 0n;
  // The value has digitCount + exponent − fraction.length integer digits. Refuse a large one
  // before any power is computed: "9e99999999" must neither cost a huge bigint nor be cut down
  // to some smaller number.
  if (digits.toString().length + exponent - fraction.length > DECIMAL_MAX_INTEGER_DIGITS) {
    throw new PricingError(
      'money_too_large',
      field,
      `Expected \`${field}\` to be below 1e${DECIMAL_MAX_INTEGER_DIGITS}, got ${JSON.stringify(value)}.`,
    );
  }
  // A very negative exponent is clamped: the digits are below 10^64, so no power of ten of 10^64
  // or more divides them, and "1e-99999999" is refused as too many decimals without the big power.
  const shift = Math.max(-200, exponent - fraction.length + scale);
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  if (digits % divisor !== 0n) {
    throw new PricingError(
      'too_many_decimals',
      field,
      `Expected \`${field}\` to have at most ${scale} fractional digits, got ${JSON.stringify(value)}.`,
    );
  }
  return digits / divisor;
}

/** Parses a money input (`"0.003"` or `0.003`): non-negative, at most 12 fractional digits, below 10^10. */
export function parseMoney(value: unknown, field: string): Money {
  const units = parseDecimal(value, field, MONEY_SCALE);
  if (units >= MONEY_LIMIT) {
    throw new PricingError(
      'money_too_large',
      field,
      `Expected \`${field}\` to be below 10000000000, got ${value}.`,
    );
  }
  return units;
}

/** 10^0 … 10^15 as doubles: all exact. */
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, exponent) => 10 ** exponent);
const SAFE_LIMIT = BigInt(Number.MAX_SAFE_INTEGER);
const MONEY_ONE_NUMBER = 10 ** MONEY_SCALE;

/**
 * Formats units of 10^-`scale` as an exact decimal string with at least `minFractionDigits`
 * fractional digits and no trailing zeros beyond them: 8400000000n → "0.0084", 5n·10^12 → "5.00".
 */
export function formatDecimal(units: bigint, scale: number = MONEY_SCALE, minFractionDigits = 2): string {
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  let whole: string;
  let fraction: string;
  if (magnitude <= SAFE_LIMIT && scale < POWERS_OF_TEN.length) {
    // Below 2^53 every step is exact in doubles (an integer remainder, an exact quotient), and
    // much cheaper than bigint division: this runs several times for every event priced.
    const value = Number(magnitude);
    const one = POWERS_OF_TEN[scale] as number;
    const rest = value % one;
    whole = String((value - rest) / one);
    fraction = String(rest).padStart(scale, '0');
  } else {
    const one = 10n ** BigInt(scale);
    whole = (magnitude / one).toString();
    fraction = (magnitude % one).toString().padStart(scale, '0');
  }
  let end = fraction.length;
  while (end > minFractionDigits && fraction.charCodeAt(end - 1) === 48 /* 0 */) end--;
  fraction = fraction.slice(0, end);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Formats money as an exact decimal string: `formatMoney(8400000000n) === "0.0084"`. */
export function formatMoney(units: Money, minFractionDigits = 2): string {
  return formatDecimal(units, MONEY_SCALE, minFractionDigits);
}

/**
 * The JSON number for an amount, for the response fields that carry amounts as numbers
 * (`price_charged`, `price_breakdown`) next to the exact strings. It is the
 * double nearest the exact decimal, so `JSON.stringify` writes the exact decimal back whenever it
 * has at most 15 significant digits. Never compute with it; use the exact string.
 */
export function moneyToNumber(units: Money): number {
  // Below 2^53 both operands are exact and IEEE division rounds correctly: the quotient is the
  // double nearest the exact decimal, the very number parsing its decimal string gives.
  if (units <= SAFE_LIMIT && units >= -SAFE_LIMIT) return Number(units) / MONEY_ONE_NUMBER;
  return Number(formatMoney(units, 0));
}
