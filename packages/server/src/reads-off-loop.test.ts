// Reads that scan the ledger must not hold the event loop: better-sqlite3 is synchronous, so on
// SQLite they run on a reader thread, and a history simulation gives the loop back between pages.
// The history test counts the event-loop turns that pass while it is answered: a simulation done in
// one block on the main thread lets none pass.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiHarness, apiHarness, T0 } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';
import { SqliteReader } from './store/sqlite-reader.js';

/** Counts setImmediate turns while `work` runs. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  // Start from the timers phase, so the first spin (a check-phase callback) runs in this same turn of
  // the loop, right after its poll phase. Started from the check phase instead, the first spin would
  // wait for the next turn, and a reader thread quick enough to answer in that turn's poll phase
  // would finish the request before any spin ran: zero turns counted for a read that never held the
  // loop.
  await new Promise((resolve) => setTimeout(resolve, 0));
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  // The request starts in this same turn, before the first spin.
  const result = await work();
  running = false;
  return { result, turns };
}

const EVENTS = 12_000;

describe.each(STORE_KINDS)('ledger reads give the event loop back, on %s', (kind) => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  // Seeded once per store: both tests only read.
  beforeAll(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    await api.call('PUT', '/v1/tiers/default', { body: { base_fee: '0.01', outcome_bonus: '1.00' } });
    for (let start = 0; start < EVENTS; start += 1000) {
      const events = Array.from({ length: 1000 }, (_, offset) => {
        const n = start + offset;
        return {
          event_id: `e${n}`,
          agent_id: `agent-${n % 4}`,
          action: 'answer',
          customer_id: `c${n % 10}`,
          tokens_input: 100 + (n % 50),
          tokens_output: 20,
          outcome: n % 3 === 0 ? 'success' : 'failure',
          timestamp: new Date(T0 - 3_600_000 + n).toISOString(),
        };
      });
      const response = await api.call('POST', '/v1/meter/batch', { body: { events } });
      expect(response.body.summary.accepted).toBe(1000);
    }
  }, 120_000);
  afterAll(async () => cleanup());

  it('reprices a history page by page, answering other work in between, and counts every event once', async () => {
    const { result, turns } = await turnsDuring(() =>
      api.call('POST', '/v1/simulate', {
        body: { history: { from: new Date(T0 - 86_400_000).toISOString(), to: new Date(T0).toISOString() } },
      }),
    );
    expect(result.status).toBe(200);
    for (const candidate of result.body.results) expect(candidate.calls).toBe(EVENTS);
    expect(result.body.results[0].successes).toBe(EVENTS / 3);
    // At least one turn per page of the history: never one block from start to end.
    expect(turns).toBeGreaterThanOrEqual(Math.floor(EVENTS / 8000));
  });

  it('answers usage, event pages and invoices off the event loop while the query runs', async () => {
    // On SQLite (a synchronous driver) each of these reads must go to the reader thread: counting loop
    // turns cannot tell, since a small read answered by the thread within one turn lets none pass, so
    // the test watches the thread answer. On PostgreSQL every query is network I/O.
    const onThread = vi.spyOn(SqliteReader.prototype, 'all');
    for (const path of [
      '/v1/usage?group_by=customer_id,day',
      '/v1/events?customer_id=c3&limit=100',
      '/v1/invoices/preview?customer_id=c3',
    ]) {
      onThread.mockClear();
      const result = await api.call('GET', path);
      expect(result.status, path).toBe(200);
      if (kind === 'sqlite') expect(onThread, path).toHaveBeenCalled();
      else expect(onThread, path).not.toHaveBeenCalled();
    }
    onThread.mockRestore();
    const usage = await api.call('GET', '/v1/usage');
    expect(usage.body.groups[0].calls).toBe(EVENTS);
  });
});
