import { isUtf8 } from 'node:buffer';
import { fieldAt, MAX_FINDINGS, MAX_SCAN_DEPTH, scanJson } from './json-scan.js';
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
  const scan = scanJson(text, { itemArrays, maxNamed: MAX_NAMED });
  if (scan.tooDeep) {
    throw validationError(
      [{ field: '/', message: `nests objects and arrays deeper than ${MAX_SCAN_DEPTH} levels` }],
      `The request body nests deeper than ${MAX_SCAN_DEPTH} levels.`,
    );
  }
  if (scan.tooMany) {
    throw validationError(
      [
        {
          field: '/',
          message: `holds over ${MAX_FINDINGS} numbers or strings JSON would change as it reads them`,
        },
      ],
      'The request body holds too many numbers a binary float cannot hold exactly, or lone surrogates; send numbers as decimal strings and text as valid Unicode.',
    );
  }
  const errors: FieldError[] = scan.findings.map(({ field, kind, token }) => ({
    field,
    message:
      kind === 'inexact'
        ? `is a number a binary float cannot hold exactly (${token} would be read as ${String(Number(token))}); send a decimal string`
        : 'holds a lone UTF-16 surrogate (not a Unicode character)',
  }));
  const itemErrors: FieldError[] = [];
  const bodyErrors: FieldError[] = [];
  for (const error of errors) {
    const [, array] = /^\/([^/]+)\/\d+(?:\/|$)/.exec(error.field) ?? [];
    (array !== undefined && itemArrays.includes(array) ? itemErrors : bodyErrors).push(error);
  }
  if (bodyErrors.length > 0) throw validationError(bodyErrors);
  return { value, itemErrors };
}
