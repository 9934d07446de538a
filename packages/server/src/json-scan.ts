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
  kind: 'number' | 'string' | 'key',
  start: number,
  end: number,
  path: () => (string | number)[],
) => boolean;

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

/** Walks the tokens of `text`; stops when `visit` returns true or the text stops making sense. */
function walk(text: string, visit: Visit): void {
  const stack: Frame[] = [];
  const path = () => stack.map((frame) => frame.at);
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    const top = stack[stack.length - 1];
    switch (char) {
      case '{':
      case '[':
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
          if (visit('key', index, end, path)) return;
        } else if (visit('string', index, end, path)) return;
        index = end;
        break;
      }
      default: {
        if (char === '-' || (char >= '0' && char <= '9')) {
          NUMBER.lastIndex = index;
          if (!NUMBER.test(text)) return;
          if (visit('number', index, NUMBER.lastIndex, path)) return;
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
  return decimalOf(token) === decimalOf(String(Number(token)));
}

/**
 * A number token that may not be exact: 16 or more digits (the dot aside), or an exponent. A token
 * of at most 15 significant digits and no exponent always reads back as written, so text without
 * one needs no scan. A number starts the text or follows `:`, `,` or `[`, which keeps hex ids in
 * strings (`…4e5…`) from matching; a string that still matches only costs the scan, which tells.
 */
const MAYBE_INEXACT = /(?:^|[:,[])\s*-?(?:(?:\d\.?){16}|\d+(?:\.\d+)?[eE])/;

/** The number tokens of (valid) JSON text a double cannot hold exactly, with their fields. */
export function inexactNumbers(text: string): { field: string; token: string }[] {
  if (!MAYBE_INEXACT.test(text)) return [];
  const found: { field: string; token: string }[] = [];
  walk(text, (kind, start, end, path) => {
    if (kind !== 'number') return false;
    const token = text.slice(start, end);
    if (!numberIsExact(token)) found.push({ field: fieldOf(path()), token });
    return false;
  });
  return found;
}

/** The field whose string (value or member name) holds the character at `offset`; `/` when none does. */
export function fieldAt(text: string, offset: number): string {
  let found = '/';
  walk(text, (kind, start, end, path) => {
    if (start > offset) return true;
    if (kind !== 'number' && offset < end) {
      found = fieldOf(path());
      return true;
    }
    return false;
  });
  return found;
}
