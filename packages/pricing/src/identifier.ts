/**
 * The contract's `Identifier` and `TierId` (openapi.yaml), for every package that checks one before
 * the server does: the SDK and its integrations at construction, the OpenTelemetry span processor
 * and the server's `/v1/traces` when they pick attribution out of span attributes.
 *
 * Lengths count code points, as the server's JSON Schema validation (`maxLength`) does: an emoji is
 * one character of the 128, not two. A lone surrogate counts as one code point too, also as there.
 */

/** How the contract's `Identifier` is described in messages. */
export const IDENTIFIER_EXPECTATION = 'a string of 1 to 128 characters without control characters';

/** How the contract's `TierId` is described in messages. */
export const TIER_ID_EXPECTATION = 'a tier id (lower-case letters, digits and `_.-`, up to 64 characters)';

/** The most code points an `Identifier` may have. */
export const MAX_IDENTIFIER_LENGTH = 128;

// With the `u` flag the quantifier counts code points, not UTF-16 units.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the contract's Identifier excludes exactly these.
const IDENTIFIER = /^[^\u0000-\u001F\u007F]{1,128}$/u;
const TIER_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** The contract's `Identifier`: a string of 1 to 128 code points, none of them a control character. */
export function isIdentifier(value: unknown): value is string {
  // More than two UTF-16 units per allowed code point cannot be one: no need to scan a huge string.
  return typeof value === 'string' && value.length <= 2 * MAX_IDENTIFIER_LENGTH && IDENTIFIER.test(value);
}

/** The contract's `TierId`: lower-case letters, digits and `_.-`, starting with a letter or digit, up to 64 characters. */
export function isTierId(value: unknown): value is string {
  return typeof value === 'string' && TIER_ID.test(value);
}
