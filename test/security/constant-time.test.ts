// Key comparison, reviewed: authentication hashes the presented key (HMAC-SHA-256 under the store's
// key secret), finds the row by that hash, and compares the stored and computed digests with crypto.timingSafeEqual. Nothing compares
// the secret itself, and the comparison always runs on two 32-byte digests. (No timing test: the
// code path is what is checked.)
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const spy = vi.hoisted(() => ({ calls: [] as [Buffer, Buffer][] }));
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return {
    ...original,
    default: original,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      spy.calls.push([
        Buffer.from(a.buffer, a.byteOffset, a.byteLength),
        Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      ]);
      return original.timingSafeEqual(a, b);
    },
  };
});

const { createApp, createProject, hashKey } = await import('@agentmeter/server');
const { sameHash } = await import('../../packages/server/src/keys.js');
const { openTestStore } = await import('../support/stores.js');

describe('constant-time key comparison', () => {
  let cleanup: () => Promise<void>;
  let app: ReturnType<typeof createApp>;
  let keySecret: Uint8Array;
  const adminKey = 'constant-time-admin-key-0123456789';
  beforeAll(async () => {
    const opened = await openTestStore('sqlite');
    cleanup = opened.cleanup;
    keySecret = opened.store.keySecret as Uint8Array;
    await createProject(opened.store, { adminKey });
    app = createApp({ store: opened.store, rateLimit: false });
  });
  afterAll(async () => cleanup());
  beforeEach(() => {
    spy.calls.length = 0;
  });

  const get = (key: string) => app.request('/v1/tiers', { headers: { authorization: `Bearer ${key}` } });

  it('compares the keyed digests of the stored and the presented key with timingSafeEqual', async () => {
    expect((await get(adminKey)).status).toBe(200);
    const digest = createHmac('sha256', keySecret).update(adminKey).digest();
    expect(spy.calls).toEqual([[digest, digest]]);
    expect(spy.calls[0]?.[0]).toHaveLength(32);
    expect(hashKey(adminKey, keySecret)).toBe(digest.toString('hex'));
  });

  it('never compares a key it does not know: the lookup is by digest, so there is nothing to time', async () => {
    // Same length, same prefix, one character off: found by no digest, refused before any comparison.
    expect((await get(`${adminKey.slice(0, -1)}X`)).status).toBe(401);
    expect((await get('short')).status).toBe(401);
    expect(spy.calls).toEqual([]);
  });

  it('sameHash refuses digests of different lengths without comparing, and compares equal lengths in constant time', () => {
    const digest = hashKey(adminKey);
    expect(sameHash(digest, digest.slice(0, 62))).toBe(false);
    expect(sameHash('', '')).toBe(false);
    expect(spy.calls).toEqual([]);
    expect(sameHash(digest, hashKey('other-key-0123456789'))).toBe(false);
    expect(sameHash(digest, digest)).toBe(true);
    expect(spy.calls.map(([a, b]) => [a.length, b.length])).toEqual([
      [32, 32],
      [32, 32],
    ]);
  });
});
