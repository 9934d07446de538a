// On PostgreSQL a batch's new events are committed by one INSERT; the stored originals of ids already
// taken are read by a second statement. Should that read fail, the new events are recorded all the
// same: the request must not fail as a whole (a client retrying server-minted ids would record them
// twice). The rows written are accepted, each unreadable replay is its own retryable rejection, and
// the cause is reported. The database is real; only the failure of that one read is injected.
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ApiHarness, apiHarness } from '../../../test/support/api.js';
import { postgresReachable } from '../../../test/support/postgres.js';
import { openTestStore } from '../../../test/support/stores.js';
import { createApp } from './index.js';

const REPLAY_READ = 'SELECT * FROM events WHERE project_id = $1 AND event_id = ANY';

describe.runIf(await postgresReachable())('a failure after the insert committed, on postgres', () => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore('postgres');
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    await api.call('PUT', '/v1/tiers/default', { body: { base_fee: '1.00' } });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await cleanup();
  });

  function failReplayReadOnce() {
    const original = pg.Pool.prototype.query;
    let failed = 0;
    vi.spyOn(pg.Pool.prototype, 'query').mockImplementation(function (this: pg.Pool, ...args: any[]) {
      if (failed === 0 && typeof args[0] === 'string' && args[0].startsWith(REPLAY_READ)) {
        failed++;
        return Promise.reject(
          Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
        );
      }
      return (original as any).apply(this, args);
    });
    return () => failed;
  }

  it('accepts the new events, rejects only the unreadable replay as retryable, and records each once', async () => {
    expect(
      (await api.call('POST', '/v1/meter', { body: { agent_id: 'a', action: 'b', event_id: 'old' } })).status,
    ).toBe(200);
    const failures = failReplayReadOnce();
    const batch = await api.call('POST', '/v1/meter/batch', {
      body: {
        events: [
          { agent_id: 'a', action: 'b' }, // a server-minted id
          { agent_id: 'a', action: 'b', event_id: 'new' },
          { agent_id: 'a', action: 'b', event_id: 'old' },
        ],
      },
    });
    expect(failures()).toBe(1);
    expect(batch.status).toBe(200);
    expect(
      batch.body.results.map((r: any) => [r.status, r.error?.code ?? null, r.error?.retryable ?? null]),
    ).toEqual([
      ['accepted', null, null],
      ['accepted', null, null],
      ['rejected', 'store_unavailable', true],
    ]);
    // The retry of the rejected item is a replay; the ledger holds each event once.
    const retry = await api.call('POST', '/v1/meter/batch', {
      body: { events: [{ agent_id: 'a', action: 'b', event_id: 'old' }] },
    });
    expect(retry.body.results[0].status).toBe('duplicate');
    const events = (await api.call('GET', '/v1/events?limit=100')).body.data;
    expect(events).toHaveLength(3);
    expect(new Set(events.map((event: any) => event.event_id)).size).toBe(3);
  });

  it('answers a single replay whose original cannot be read with 503 and Retry-After, reporting the cause', async () => {
    const reported: unknown[] = [];
    const app = createApp({ store: api.store, rateLimit: false, onError: (error) => reported.push(error) });
    const meter = async () => {
      const response = await app.request('/v1/meter', {
        method: 'POST',
        headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ agent_id: 'a', action: 'b', event_id: 'once' }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as any };
    };
    expect((await meter()).status).toBe(200);
    failReplayReadOnce();
    const replay = await meter();
    expect([replay.status, replay.body.code, replay.headers.get('retry-after')]).toEqual([
      503,
      'store_unavailable',
      '1',
    ]);
    expect(reported).toHaveLength(1);
    const again = await meter();
    expect([again.status, again.body.replayed]).toEqual([200, true]);
  });
});
