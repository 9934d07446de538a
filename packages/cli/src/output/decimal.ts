// Exact decimal strings from the API, formatted for reading. Formatting only: no value is ever turned
// into a binary float; comparisons and sums use BigInt on the digits.

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function parts(value: string): { sign: string; integer: string; fraction: string } {
  const match = DECIMAL.exec(value);
  if (!match) throw new TypeError(`Expected an exact decimal string, got ${JSON.stringify(value)}.`);
  return { sign: match[1] ?? '', integer: match[2] ?? '0', fraction: match[3] ?? '' };
}

/** `1234567.5` → `1,234,567.5`: thousands separators, every digit kept. */
export function groupDigits(value: string): string {
  const { sign, integer, fraction } = parts(value);
  const grouped = integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${fraction ? `.${fraction}` : ''}`;
}

/** An integer count with thousands separators. */
export function formatCount(value: number): string {
  return groupDigits(String(value));
}

/**
 * A column of decimals aligned on the decimal point: each value keeps all its digits and is padded
 * with spaces after the last one, so `8.40`, `0.0084` and `50.00` line up when right-aligned.
 */
export function alignDecimals(values: readonly (string | null | undefined)[]): string[] {
  const fractionWidth = Math.max(0, ...values.map((value) => (value ? parts(value).fraction.length : 0)));
  return values.map((value) => {
    if (value === null || value === undefined) return '—' + ' '.repeat(fractionWidth + 1);
    const { fraction } = parts(value);
    const shown = groupDigits(value);
    const missing = fractionWidth - fraction.length + (fraction.length === 0 && fractionWidth > 0 ? 1 : 0);
    return shown + ' '.repeat(missing);
  });
}

/** The decimal as a scaled BigInt with `scale` fractional digits (exact; throws when it has more). */
function scaled(value: string, scale: number): bigint {
  const { sign, integer, fraction } = parts(value);
  if (fraction.length > scale) throw new RangeError(`${value} has more than ${scale} fractional digits.`);
  const digits = BigInt(integer + fraction.padEnd(scale, '0'));
  return sign === '-' ? -digits : digits;
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`, exactly. */
export function compareDecimals(a: string, b: string): number {
  const scale = Math.max(parts(a).fraction.length, parts(b).fraction.length);
  const difference = scaled(a, scale) - scaled(b, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** The exact sum of decimal strings, as a decimal string with at least two fractional digits. */
export function sumDecimals(values: readonly string[]): string {
  const scale = Math.max(2, ...values.map((value) => parts(value).fraction.length));
  const total = values.reduce((sum, value) => sum + scaled(value, scale), 0n);
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  let fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${negative ? '-' : ''}${digits.slice(0, digits.length - scale)}.${fraction}`;
}
