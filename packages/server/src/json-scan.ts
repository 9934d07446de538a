/**
 * Reads JSON text token by token, knowing where each value sits (its JSON pointer). Node 20's
 * JSON.parse gives a reviver no source text, so what the parsed value cannot tell — the digits a
 * number was written with — is read here, from the text. Only for text JSON.parse accepted (or, for
 * `pointerAt`, text that may be broken: it then answers the root).
 */

/** A JSON pointer as the API's errors name fields: `/events/3/customer_id`, or `/` for the root. */
export function fieldOf(path: readonly (string | number)[]): string {
  if (path.length === 0) return '/';
  let out = '';
  for (const part of path)
    out += `/${typeof part === 'number' ? part : part.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return out;
}

interface Frame {
  array: boolean;
  /** The member name of an object (the key last read), or the index of an array. */
  at: string | number;
  expectKey: boolean;
}

type Visit = (
  kind: 'number' | 'string' | 'key' | 'deep',
  start: number,
  end: number,
  frames: readonly Frame[],
) => boolean;

/** The JSON pointer of the value the walk is at. */
const pathOf = (frames: readonly Frame[]) => frames.map((frame) => frame.at);

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The end (exclusive) of the string token that opens at `start` (a `"`), or -1 when it is not closed. */
function stringEnd(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x5c) index++;
    else if (code === 0x22) return index + 1;
  }
  return -1;
}

/**
 * Walks the tokens of `text`; stops when `visit` returns true or the text stops making sense, and
 * (with a `'deep'` visit) where objects and arrays nest deeper than `maxDepth`. Nothing here costs
 * more than the text's length times that depth.
 */
function walk(text: string, visit: Visit, maxDepth = Number.POSITIVE_INFINITY): void {
  const stack: Frame[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    const top = stack[stack.length - 1];
    switch (char) {
      case '{':
      case '[':
        if (stack.length >= maxDepth) {
          visit('deep', index, index + 1, stack);
          return;
        }
        stack.push({ array: char === '[', at: char === '[' ? 0 : '', expectKey: char === '{' });
        index++;
        break;
      case '}':
      case ']':
        stack.pop();
        index++;
        break;
      case ',':
        if (top?.array) top.at = (top.at as number) + 1;
        else if (top) top.expectKey = true;
        index++;
        break;
      case '"': {
        const end = stringEnd(text, index);
        if (end < 0) return;
        if (top && !top.array && top.expectKey) {
          let key: unknown;
          try {
            key = JSON.parse(text.slice(index, end));
          } catch {
            key = text.slice(index + 1, end - 1);
          }
          top.at = String(key);
          top.expectKey = false;
          if (visit('key', index, end, stack)) return;
        } else if (visit('string', index, end, stack)) return;
        index = end;
        break;
      }
      default: {
        if (char === '-' || (char >= '0' && char <= '9')) {
          NUMBER.lastIndex = index;
          if (!NUMBER.test(text)) return;
          if (visit('number', index, NUMBER.lastIndex, stack)) return;
          index = NUMBER.lastIndex;
        } else index++; // whitespace, `:`, and the letters of true/false/null
      }
    }
  }
}

/** A decimal as sign, significant digits (no leading or trailing zeros) and the exponent of the last one. */
function decimalOf(token: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!match) return token; // Infinity, NaN: never equal to a number token
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0'; // every zero, -0 included, is the same value
  let power = Number(exponent) - fraction.length;
  const kept = digits.replace(/0+$/, '');
  power += digits.length - kept.length;
  digits = kept;
  return `${sign}${digits}e${power}`;
}

/**
 * Whether the number token names exactly the value of the double it parses to, taking that double
 * as its shortest decimal form (`String(Number(token))`): `1.10` and `1e2` do; `9007199254740993`,
 * `1234567.123456789012` and `1e400` do not.
 */
export function numberIsExact(token: string): boolean {
  const shortest = String(Number(token));
  // Written as its own shortest form (the common case): exact, with no decimal comparison.
  return shortest === token || decimalOf(token) === decimalOf(shortest);
}

/**
 * A number token that may not be exact: 16 or more digits (the dot aside), or an exponent. A token
 * of at most 15 significant digits and no exponent always reads back as written, so text without
 * one needs no scan. A number starts the text or follows `:`, `,` or `[`, which keeps hex ids in
 * strings (`…4e5…`) from matching; a string that still matches only costs the scan, which tells.
 */
const MAYBE_INEXACT = /(?:^|[:,[])\s*-?(?:(?:\d\.?){16}|\d+(?:\.\d+)?[eE])/;

/** A `\uD800`–`\uDFFF` escape: the only way a surrogate gets into text that is valid UTF-8. */
const SURROGATE_ESCAPE = /\\u[dD][89abcdefABCDEF]/;

/** The deepest a request body's objects and arrays may nest before the scan refuses to read it. */
export const MAX_SCAN_DEPTH = 64;
/** Past this many findings the scan stops: such a body is refused whole. */
export const MAX_FINDINGS = 5000;
/** Items named at most (a batch carries at most 1,000; a longer one is refused anyway). */
const MAX_NAMED_ITEMS = 1000;

export interface JsonFinding {
  field: string;
  kind: 'inexact' | 'surrogate';
  /** The number token, for `inexact`. */
  token?: string;
}

export interface JsonScan {
  /** What JSON.parse would silently change: named up to `maxNamed`, plus the first of each item. */
  findings: JsonFinding[];
  /** How many there were in all (some may be unnamed). */
  total: number;
  /** The text nests deeper than `MAX_SCAN_DEPTH`: nothing past that point was read. */
  tooDeep: boolean;
  /** The scan stopped at `MAX_FINDINGS`. */
  tooMany: boolean;
}

/**
 * One pass over (valid) JSON text for what JSON.parse would silently change: number tokens a double
 * cannot hold exactly, and strings or member names holding a lone UTF-16 surrogate. Text with
 * neither a long number nor a surrogate escape is not walked at all. Every finding is counted;
 * `maxNamed` of them are named, and besides, in each item of the top-level arrays `itemArrays`
 * (`/events/3/…`) the first one, so a batch can refuse exactly the items concerned.
 */
export function scanJson(
  text: string,
  { itemArrays = [], maxNamed = 50 }: { itemArrays?: readonly string[]; maxNamed?: number } = {},
): JsonScan {
  const scan: JsonScan = { findings: [], total: 0, tooDeep: false, tooMany: false };
  const numbers = MAYBE_INEXACT.test(text);
  const surrogates = SURROGATE_ESCAPE.test(text);
  if (!numbers && !surrogates) return scan;
  const namedItems = new Set<string>();
  let namedOutside = 0;
  const record = (frames: readonly Frame[], kind: JsonFinding['kind'], token?: string) => {
    scan.total++;
    // The item this finding is in, when it is in one: `events/3`.
    const array = frames[0]?.at;
    const item =
      frames.length >= 2 && typeof array === 'string' && frames[0]?.array === false && frames[1]?.array
        ? itemArrays.includes(array)
          ? `${array}/${frames[1].at}`
          : undefined
        : undefined;
    const full = scan.findings.length >= maxNamed;
    if (item === undefined) {
      // Past the cap, the first finding outside every item is still named: it refuses the body.
      if (full && namedOutside > 0) return;
      namedOutside++;
    } else {
      if (full && (namedItems.has(item) || namedItems.size >= MAX_NAMED_ITEMS)) return;
      namedItems.add(item);
    }
    scan.findings.push({ field: fieldOf(pathOf(frames)), kind, ...(token === undefined ? {} : { token }) });
  };
  walk(
    text,
    (kind, start, end, frames) => {
      if (kind === 'deep') {
        scan.tooDeep = true;
        return true;
      }
      if (scan.total >= MAX_FINDINGS) {
        scan.tooMany = true;
        return true;
      }
      if (kind === 'number') {
        // Up to 15 digits and no exponent: always exact, no need to compare.
        if (numbers && (end - start > 15 || /[eE]/.test(text.slice(start, end)))) {
          const token = text.slice(start, end);
          if (!numberIsExact(token)) record(frames, 'inexact', token);
        }
        return false;
      }
      if (!surrogates) return false;
      const raw = text.slice(start, end);
      if (!SURROGATE_ESCAPE.test(raw)) return false;
      const value = JSON.parse(raw) as string;
      if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) {
        // A member name's finding names the member itself.
        record(frames, 'surrogate');
      }
      return false;
    },
    MAX_SCAN_DEPTH,
  );
  return scan;
}

/** The number tokens of (valid) JSON text a double cannot hold exactly, with their fields (the first 50). */
export function inexactNumbers(text: string): { field: string; token: string }[] {
  return scanJson(text).findings.flatMap((finding) =>
    finding.kind === 'inexact' ? [{ field: finding.field, token: finding.token as string }] : [],
  );
}

/** The field whose string (value or member name) holds the character at `offset`; `/` when none does. */
export function fieldAt(text: string, offset: number): string {
  let found = '/';
  walk(text, (kind, start, end, frames) => {
    if (start > offset) return true;
    if (kind !== 'number' && offset < end) {
      found = fieldOf(pathOf(frames));
      return true;
    }
    return false;
  });
  return found;
}
