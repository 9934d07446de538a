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
});
