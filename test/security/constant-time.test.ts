// Key comparison. Authentication hashes the presented key, finds the row by that hash and compares the
// stored and computed digests with `sameHash` (crypto.timingSafeEqual on the decoded bytes), so the
// secret itself is never compared and the comparison always runs on two digests of one length.
// What can be wrong, and is checked here through the real API and on both stores: a wrong key that
// shares a prefix with the real one, differs in one character, is shorter or is longer must be refused
// exactly as any other unknown key (same status, body and headers), so a caller learns nothing from
// the answer about how close a guess was; the same for a key stored under its pre-secret plain hash.
// And `sameHash` itself must say equal for equal digests and unequal for anything else, including
// digests of different lengths and empty input. (No timing test: a timing assertion on a shared
// machine proves nothing either way.)
import { createHash } from 'node:crypto';
import { hashKey } from '@agentmeter/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameHash } from '../../packages/server/src/keys.js';
import { type ApiHarness, apiHarness } from '../support/api.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';

/** A non-empty key as an `Authorization: Bearer` header carries it: printable, no white space. */
const keyChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/=');

/** Guesses close to `key`: one character changed, a prefix, the key with more after it. */
function nearMisses(key: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc
      .tuple(fc.nat({ max: key.length - 1 }), keyChar)
      .map(([at, char]) => `${key.slice(0, at)}${char}${key.slice(at + 1)}`),
    fc.nat({ max: key.length - 1 }).map((length) => key.slice(0, Math.max(1, length))),
    fc.string({ unit: keyChar, minLength: 1, maxLength: 8 }).map((tail) => `${key}${tail}`),
  );
}

describe.each(STORE_KINDS)('key comparison on %s', (kind) => {
  let opened: TestStore;
  let api: ApiHarness;
  beforeAll(async () => {
    opened = await openTestStore(kind);
    api = await apiHarness(opened.store);
  });
  afterAll(async () => opened.cleanup());

  const refusal = async (key: string) => {
    const response = await api.call('GET', '/v1/tiers', { key });
    return {
      status: response.status,
      body: response.body,
      authenticate: response.headers.get('www-authenticate'),
    };
  };

  it('refuses a wrong key of the same length and of another length exactly as an unrelated one', async () => {
    expect((await api.call('GET', '/v1/tiers')).status).toBe(200);
    const unrelated = await refusal('an-unrelated-key-nobody-issued');
    expect(unrelated.status).toBe(401);
    expect(unrelated.body.code).toBe('invalid_api_key');
    expect(unrelated.authenticate).toBe('Bearer');
    const key = api.adminKey;
    // The hand-picked cases first (last character off: same length, longest shared prefix), then
    // generated near misses.
    for (const guess of [
      `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`,
      key.slice(0, -1),
      `${key}z`,
    ]) {
      expect(guess).not.toBe(key);
      expect(await refusal(guess)).toEqual(unrelated);
    }
    await fc.assert(
      fc.asyncProperty(
        nearMisses(key).filter((guess) => guess !== key),
        async (guess) => {
          expect(await refusal(guess)).toEqual(unrelated);
        },
      ),
      { numRuns: 60 },
    );
    expect((await api.call('GET', '/v1/tiers')).status).toBe(200);
  });

  it('does the same for a key still stored under its plain hash from before the store had a key secret', async () => {
    const other = await api.otherProject();
    const keyed = hashKey(other.adminKey, opened.store.keySecret);
    const stored = await opened.store.findKeyByHash(keyed);
    if (!stored) throw new Error('the new project has no admin key');
    // Back to the hash a server without a key secret wrote.
    await opened.store.rehashKey(
      stored.keyId,
      keyed,
      createHash('sha256').update(other.adminKey).digest('hex'),
    );
    const unrelated = await refusal('an-unrelated-key-nobody-issued');
    for (const guess of [
      `${other.adminKey.slice(0, -1)}q`,
      other.adminKey.slice(0, -1),
      `${other.adminKey}q`,
    ]) {
      expect(await refusal(guess)).toEqual(unrelated);
    }
    // The real key still opens its project (and, where there is a key secret, is moved to the keyed hash).
    expect((await api.call('GET', '/v1/tiers', { key: other.adminKey })).status).toBe(200);
    expect((await api.call('GET', '/v1/tiers', { key: other.adminKey })).status).toBe(200);
  });
});

describe('sameHash', () => {
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

  it('is true exactly for two equal, non-empty digests, whatever their lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        const equal = a.length > 0 && Buffer.from(a).equals(Buffer.from(b));
        expect(sameHash(hex(a), hex(b))).toBe(equal);
        expect(sameHash(hex(a), hex(a))).toBe(a.length > 0);
      }),
      { numRuns: 500 },
    );
  });

  it('tells a digest from the same digest with one byte changed, cut short or extended', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat({ max: 31 }),
        fc.integer({ min: 1, max: 255 }),
        (digest, at, flip) => {
          const changed = Uint8Array.from(digest);
          changed[at] = (changed[at] ?? 0) ^ flip;
          expect(sameHash(hex(digest), hex(changed))).toBe(false);
          expect(sameHash(hex(digest), hex(digest.subarray(0, at)))).toBe(false);
          expect(sameHash(hex(digest), `${hex(digest)}00`)).toBe(false);
          expect(sameHash(hex(digest), hex(Uint8Array.from(digest)))).toBe(true);
        },
      ),
    );
  });

  it('matches the stored digest of a key only for that key', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: keyChar, minLength: 1, maxLength: 48 }),
        fc.string({ unit: keyChar, minLength: 1, maxLength: 48 }),
        (a, b) => {
          expect(sameHash(hashKey(a), hashKey(b))).toBe(a === b);
          expect(sameHash(hashKey(a), hashKey(a))).toBe(true);
        },
      ),
    );
  });
});
