import { describe, expect, it } from 'vitest';
import { openTestStore } from '../../../../test/support/stores.js';
import { createApp } from '../index.js';

describe('GET /healthz', () => {
  it('answers 503 store_unavailable with Retry-After when the store is gone, and reports what the store said', async () => {
    const { store, cleanup } = await openTestStore('sqlite');
    const reported: unknown[] = [];
    const app = createApp({ store, rateLimit: false, onError: (error) => reported.push(error) });
    expect((await app.request('/healthz')).status).toBe(200);
    await store.close();
    const response = await app.request('/healthz');
    expect([response.status, ((await response.json()) as { code: string }).code]).toEqual([
      503,
      'store_unavailable',
    ]);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(reported).toHaveLength(1);
    expect(String(reported[0])).toMatch(/database connection is not open/i);
    await cleanup().catch(() => {});
  });

  it('answers a flood of concurrent health checks with one ping of the store', async () => {
    const { store, cleanup } = await openTestStore('sqlite');
    let pings = 0;
    const ping = store.ping.bind(store);
    store.ping = async () => {
      pings++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return ping();
    };
    const app = createApp({ store, rateLimit: false });
    const answers = await Promise.all(Array.from({ length: 200 }, () => app.request('/healthz')));
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([200]));
    expect(pings).toBe(1);
    // The next one, after those, pings again: nothing is cached past the ping itself.
    expect((await app.request('/healthz')).status).toBe(200);
    expect(pings).toBe(2);
    await cleanup();
  });
});
