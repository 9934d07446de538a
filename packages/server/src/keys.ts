import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random string over [A-Za-z0-9] with ~5.95 bits per character, without modulo bias. */
export function randomId(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** A new API key secret: `am_` + 40 random characters (~238 bits). */
export const newKeySecret = () => `am_${randomId(40)}`;
export const newKeyId = () => `key_${randomId(20)}`;
export const newProjectId = () => `proj_${randomId(16)}`;

/**
 * Keys are stored only as this hash: HMAC-SHA-256 under the server's key secret (kept outside the
 * database, see `openStore`), so a copy of the database alone lets no one test guesses offline; plain
 * SHA-256 where no secret is configured (and for rows written before the secret existed, upgraded on
 * their next use). Generated keys are long random secrets, so a fast hash is the right one: the secret
 * and `adminKeyWeakness` cover the one key an operator may choose.
 */
export function hashKey(secret: string, keySecret?: Uint8Array): string {
  return keySecret
    ? createHmac('sha256', keySecret).update(secret, 'utf8').digest('hex')
    : createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The least estimated strength of an admin key an operator chooses (AGENTMETER_ADMIN_KEY): 32 hex digits' worth. */
export const MIN_ADMIN_KEY_BITS = 128;

/**
 * Why an operator-chosen admin key is too easy to guess, or undefined. The estimate is deliberately
 * simple: length (at most twice the distinct characters, so repeats add little) × log2 of the size of
 * the character classes it uses. A random 32-character hex or base62 string passes; words, short keys
 * and repeated characters do not.
 */
export function adminKeyWeakness(key: string): string | undefined {
  if (/\s/.test(key)) return 'contains white space';
  let classes = 0;
  if (/[a-z]/.test(key)) classes += 26;
  if (/[A-Z]/.test(key)) classes += 26;
  if (/[0-9]/.test(key)) classes += 10;
  if (/[^a-zA-Z0-9]/.test(key)) classes += 32;
  const distinct = new Set(key).size;
  const bits = Math.floor(Math.min([...key].length, 2 * distinct) * Math.log2(Math.max(classes, 2)));
  if (bits >= MIN_ADMIN_KEY_BITS) return undefined;
  return `is too easy to guess (about ${bits} bits; at least ${MIN_ADMIN_KEY_BITS} needed): use 32 or more random characters, e.g. \`openssl rand -hex 32\`, or leave it unset and use the key the server generates`;
}

/** A new random key secret for a store (32 bytes). */
export const newKeyHashSecret = () => randomBytes(32);

/** Compares two hex hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** What a key's listing shows of it: enough to recognise, never enough to use. */
export const keyPrefix = (secret: string) => `${secret.slice(0, 10)}…`;

/** The minimum length of an admin key given to `createProject`. */
export const MIN_KEY_LENGTH = 16;
