import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventRow } from '../../../test/support/event-rows.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';
import { createProject } from './bootstrap.js';
import type { EventRow, Store } from './store/types.js';

const event = (eventId: string, overrides: Partial<EventRow> = {}) =>
  eventRow(eventId, { baseAmount: 10_000_000_000n, tokenAmount: 1n, ...overrides });

// Concurrent requests insert concurrently: SQLite writes the calls of one event-loop turn in one
// transaction (group commit), PostgreSQL in parallel transactions. Either way each call gets its
// own outcomes, an id is claimed once, and a call that fails takes nobody else's rows with it.
describe.each(STORE_KINDS)('concurrent inserts on the %s store', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let projectId: string;
  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(kind));
    ({ projectId } = await createProject(store, { now: 1 }));
  });
  afterEach(async () => cleanup());

  const storedIds = async (ids: string[]) =>
    (await Promise.all(ids.map((id) => store.getEvent(projectId, id))))
      .filter((row) => row !== null)
      .map((row) => row.eventId);

  it('gives each call its own outcomes, and claims an id sent by two calls once', async () => {
    const [first, second, third] = await Promise.all([
      store.insertEvents(projectId, [event('a'), event('b')]),
      store.insertEvents(projectId, [event('c')]),
      store.insertEvents(projectId, [event('d'), event('a', { bodyHash: 'other' })]),
    ]);
    expect(first).toEqual([{ inserted: true }, { inserted: true }]);
    expect(second).toEqual([{ inserted: true }]);
    expect(third?.[0]).toEqual({ inserted: true });
    expect(third?.[1]).toMatchObject({ inserted: false, existing: { eventId: 'a', bodyHash: 'hash-a' } });
    expect(await storedIds(['a', 'b', 'c', 'd'])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails only the call whose row the database refuses', async () => {
    const broken = event('broken-2', { agentId: null as unknown as string });
    const results = await Promise.allSettled([
      store.insertEvents(projectId, [event('ok-1')]),
      store.insertEvents(projectId, [event('broken-1'), broken]),
      store.insertEvents(projectId, [event('ok-2')]),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // The failed call left nothing behind, not even its valid first row.
    expect(await storedIds(['ok-1', 'broken-1', 'broken-2', 'ok-2'])).toEqual(['ok-1', 'ok-2']);
  });
});
