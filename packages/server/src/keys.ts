import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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

/** Keys are stored only as this hash. They are long random secrets, so a fast hash is the right one. */
export function hashKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares two hex hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** What a key's listing shows of it: enough to recognise, never enough to use. */
export const keyPrefix = (secret: string) => `${secret.slice(0, 10)}…`;

/** The minimum length of a key given through AGENTMETER_ADMIN_KEY. */
export const MIN_KEY_LENGTH = 16;
