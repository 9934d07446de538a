import { isUtf8 } from 'node:buffer';
import { fieldAt, fieldOf, inexactNumbers } from './json-scan.js';
import { ApiError, type FieldError, validationError } from './problem.js';

/** At most this many fields are named in one refusal (a batch could otherwise name thousands). */
const MAX_NAMED = 50;

// `fatal`: bytes that are not UTF-8 are an error, not U+FFFD (two different ids must not become
// one). A leading byte order mark is dropped, as the Fetch API's `text()` drops it.
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The field holding the first byte sequence that is not UTF-8, or `/` when it is outside any string. */
function invalidUtf8Field(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('utf8'); // each bad sequence becomes one U+FFFD
  const again = Buffer.from(text, 'utf8');
  let at = 0;
  while (at < buffer.length && buffer[at] === again[at]) at++;
  // The bytes agree up to `at`; when they end inside the bad sequence (it began with the same lead
  // byte U+FFFD has), that sequence's U+FFFD is the last character of the prefix.
  const prefix = buffer.subarray(0, at);
  const length = prefix.toString('utf8').length;
  return fieldAt(text, isUtf8(prefix) ? length : length - 1);
}

/** Where the parsed value has a string, or a member name, that is not well-formed UTF-16 (a lone surrogate). */
function loneSurrogates(value: unknown): string[] {
  const fields: string[] = [];
  const wellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();
  const stack: [unknown, (string | number)[]][] = [[value, []]];
  for (let item = stack.pop(); item && fields.length < MAX_NAMED; item = stack.pop()) {
    const [node, path] = item;
    if (typeof node === 'string') {
      if (!wellFormed(node)) fields.push(fieldOf(path));
    } else if (Array.isArray(node)) {
      for (let index = node.length - 1; index >= 0; index--) stack.push([node[index], [...path, index]]);
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, child] = entries[index] as [string, unknown];
        if (!wellFormed(key)) fields.push(fieldOf([...path, key]));
        else stack.push([child, [...path, key]]);
      }
    }
  }
  return fields;
}

/** A `\uD800`–`\uDFFF` escape: the only way a surrogate gets into text that is valid UTF-8. */
const SURROGATE_ESCAPE = /\\u[dD][89abcdefABCDEF]/;

/**
 * Parses a JSON request body and refuses, naming the field, what JSON.parse would silently change:
 * bytes that are not UTF-8, lone surrogates (both would become U+FFFD, so two different ids could
 * meter as one), and numbers a binary float cannot hold exactly (they would be rounded; money is
 * exact only as a decimal string).
 */
export function parseJsonBody(bytes: Uint8Array): unknown {
  const { value, itemErrors } = parseJsonBodyItems(bytes, []);
  if (itemErrors.length > 0) throw validationError(itemErrors);
  return value;
}

/**
 * As `parseJsonBody`, but what is refused inside an item of one of the top-level arrays named in
 * `itemArrays` (`/events/3/customer_id`) is returned instead of thrown: a batch refuses that item
 * alone and keeps the others. Anything else still refuses the whole body.
 */
export function parseJsonBodyItems(
  bytes: Uint8Array,
  itemArrays: readonly string[],
): { value: unknown; itemErrors: FieldError[] } {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    const field = invalidUtf8Field(bytes);
    throw validationError(
      [{ field, message: 'is not valid UTF-8' }],
      `The request body is not valid UTF-8 (at ${field}); send JSON encoded as UTF-8.`,
    );
  }
  if (text.trim() === '')
    throw validationError([{ field: '/', message: 'a JSON body is required' }], 'The request body is empty.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.', {
      errors: [{ field: '/', message: 'is not valid JSON' }],
    });
  }
  const errors: FieldError[] = [];
  for (const { field, token } of inexactNumbers(text).slice(0, MAX_NAMED)) {
    errors.push({
      field,
      message: `is a number a binary float cannot hold exactly (${token} would be read as ${String(Number(token))}); send a decimal string`,
    });
  }
  if (SURROGATE_ESCAPE.test(text)) {
    for (const field of loneSurrogates(value))
      errors.push({ field, message: 'holds a lone UTF-16 surrogate (not a Unicode character)' });
  }
  const itemErrors: FieldError[] = [];
  const bodyErrors: FieldError[] = [];
  for (const error of errors) {
    const [, array] = /^\/([^/]+)\/\d+(?:\/|$)/.exec(error.field) ?? [];
    (array !== undefined && itemArrays.includes(array) ? itemErrors : bodyErrors).push(error);
  }
  if (bodyErrors.length > 0) throw validationError(bodyErrors);
  return { value, itemErrors };
}
