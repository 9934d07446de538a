// Display formatting. Money arrives as exact decimal strings and is only ever re-spelled here (grouped
// digits, a currency sign), never converted to a binary float. No DOM: the unit tests run it in Node.

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
const LOCALE = 'en-US';

const symbols = new Map<string, string>();

/** "$" for USD, "€" for EUR; codes without a sign of their own read "CHF " and so on. */
export function currencySymbol(currency: string): string {
  let symbol = symbols.get(currency);
  if (symbol === undefined) {
    try {
      const parts = new Intl.NumberFormat(LOCALE, { style: 'currency', currency }).formatToParts(0);
      symbol = parts.find((part) => part.type === 'currency')?.value ?? `${currency} `;
    } catch {
      symbol = `${currency} `;
    }
    if (/^[A-Z]{3}$/.test(symbol)) symbol = `${symbol} `;
    symbols.set(currency, symbol);
  }
  return symbol;
}

/** "1234567" → "1,234,567". */
export function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** An exact decimal string as money: ("1234.5000", "USD") → "$1,234.50"; every significant digit kept. */
export function formatMoney(decimal: string, currency: string): string {
  const match = DECIMAL.exec(decimal);
  if (!match) return decimal;
  const [, sign, whole = '0', rawFraction = ''] = match;
  let fraction = rawFraction.replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${sign}${currencySymbol(currency)}${groupDigits(whole)}.${fraction}`;
}

/** An integer count with grouped digits: 1234567 → "1,234,567". */
export function formatCount(value: number): string {
  return new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }).format(value);
}

/** A short count for cards and axes: 2800000 → "2.8M". */
export function formatCompactCount(value: number): string {
  return new Intl.NumberFormat(LOCALE, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

/** A share given as an exact decimal string, as a percentage: "0.125" → "12.5%". */
export function decimalToPercent(decimal: string): string {
  const match = DECIMAL.exec(decimal);
  if (!match) return decimal;
  const [, sign, whole = '0', fraction = ''] = match;
  const shifted = `${whole}${fraction.slice(0, 2).padEnd(2, '0')}`.replace(/^0+(?=\d)/, '');
  const rest = fraction.slice(2).replace(/0+$/, '');
  return `${sign}${shifted}${rest ? `.${rest}` : ''}%`;
}

/**
 * A percentage typed by the user as the API's decimal share: "12.5" → "0.125", "100" → "1".
 * Null unless it is a number from 0 to 100 with at most 10 decimals.
 */
export function percentToDecimal(text: string): string | null {
  const match = /^(\d{1,3})(?:\.(\d{1,10}))?$/.exec(text.trim());
  if (!match) return null;
  const [, whole = '0', fraction = ''] = match;
  const value = Number(whole);
  if (value > 100 || (value === 100 && /[1-9]/.test(fraction))) return null;
  const padded = whole.padStart(3, '0');
  const integer = padded.slice(0, -2).replace(/^0+(?=\d)/, '');
  const decimals = `${padded.slice(-2)}${fraction}`.replace(/0+$/, '');
  return decimals ? `${integer}.${decimals}` : integer;
}

/** Compares two exact decimal strings: -1, 0 or 1. */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const left = normalize(a);
  const right = normalize(b);
  if (left.negative !== right.negative) return left.negative ? -1 : 1;
  const flip = left.negative ? -1 : 1;
  if (left.whole.length !== right.whole.length)
    return ((left.whole.length < right.whole.length ? -1 : 1) * flip) as -1 | 1;
  const width = Math.max(left.fraction.length, right.fraction.length);
  const x = left.whole + left.fraction.padEnd(width, '0');
  const y = right.whole + right.fraction.padEnd(width, '0');
  if (x === y) return 0;
  return ((x < y ? -1 : 1) * flip) as -1 | 1;
}

function normalize(decimal: string) {
  const match = DECIMAL.exec(decimal);
  if (!match) throw new TypeError(`Expected a decimal string, got "${decimal}".`);
  const whole = (match[2] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const zero = whole === '0' && fraction === '';
  return { negative: match[1] === '-' && !zero, whole, fraction };
}

/** Money as the API takes it: up to 10 integer and 12 fractional digits. */
export function isMoneyInput(text: string): boolean {
  return /^[0-9]{1,10}(\.[0-9]{1,12})?$/.test(text);
}

/** A share of two counts for display only (never money): (15, 100) → "15.0%"; "–" when `whole` is 0. */
export function countShare(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((part / whole) * 100).toFixed(1)}%`;
}

/** "2026-11-26" → "Nov 26". */
export function formatDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return date.toLocaleDateString(LOCALE, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** An RFC 3339 timestamp as a short local date and time. */
export function formatTimestamp(timestamp: string): string {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return timestamp;
  return date.toLocaleString(LOCALE, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/**
 * The tier editor's bonus rows as `outcome_bonus_by_action`. Action names are data, not code: in a
 * plain object `__proto__` would be swallowed as a prototype change and `constructor` or `toString`
 * would look taken already, so the map has no prototype. Rows that are empty, repeat an action or
 * hold no valid amount are returned by index.
 */
export function bonusesByAction(rows: readonly (readonly [string, string])[]): {
  byAction: Record<string, string>;
  invalid: Set<number>;
} {
  const byAction: Record<string, string> = Object.create(null);
  const invalid = new Set<number>();
  rows.forEach(([rawAction, rawAmount], index) => {
    const action = rawAction.trim();
    const amount = rawAmount.trim();
    if (action === '' || Object.hasOwn(byAction, action) || !isMoneyInput(amount)) invalid.add(index);
    else byAction[action] = amount;
  });
  return { byAction, invalid };
}
