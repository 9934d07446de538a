import { CliError } from './errors.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** `--from`/`--to`: an RFC 3339 timestamp, or a date (`2026-01-31`, midnight UTC). Anything else goes to the server to judge. */
export function timeOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value;
}

/** A non-negative integer flag, with an exact message naming the flag. */
export function integerOption(
  flag: string,
  value: string | undefined,
  max = 1_000_000_000,
): number | undefined {
  if (value === undefined) return undefined;
  const normalized = value.replace(/_/g, '');
  if (!/^\d+$/.test(normalized) || Number(normalized) > max)
    throw new CliError(`${flag} must be an integer from 0 to ${max}, got ${JSON.stringify(value)}.`, 2);
  return Number(normalized);
}

/** Commander's collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `1K`, `1k`, `1000`, `1M`, `1m`, `1000000` → 1000 or 1000000. */
export function tokenUnitOption(value: string | undefined): 1000 | 1000000 | undefined {
  if (value === undefined) return undefined;
  const normalized = value.toLowerCase().replace(/[,_]/g, '');
  if (normalized === '1k' || normalized === '1000') return 1000;
  if (normalized === '1m' || normalized === '1000000') return 1000000;
  throw new CliError(`--token-unit must be 1K or 1M, got ${JSON.stringify(value)}.`, 2);
}

/** `action=amount` pairs of `--bonus-for`. */
export function pairsOption(flag: string, values: string[] | undefined): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  // Keys are the user's action names: no prototype, so `__proto__` is a key like any other.
  const result: Record<string, string> = Object.create(null);
  for (const value of values) {
    const index = value.lastIndexOf('=');
    if (index <= 0 || index === value.length - 1)
      throw new CliError(`${flag} must look like action=amount, got ${JSON.stringify(value)}.`, 2);
    result[value.slice(0, index)] = value.slice(index + 1);
  }
  return result;
}

/** One of a fixed set of values. */
export function choiceOption<T extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value))
    throw new CliError(`${flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}.`, 2);
  return value as T;
}
