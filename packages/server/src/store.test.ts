import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventRow } from '../../../test/support/event-rows.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';
import { createProject } from './bootstrap.js';
import type { EventRow, Store } from './store/types.js';

// A pending outcome (expiring at 10,000) for the resolve tests, and metadata to read back.
const event = (eventId: string, overrides: Partial<EventRow> = {}) =>
  eventRow(eventId, {
    baseAmount: 10_000_000_000n,
    tokenAmount: 1n,
    outcome: 'pending',
    outcomeState: 'pending',
    pendingBonus: 5_000_000_000_000n,
    expiresAt: 10_000,
    metadata: '{"k":"v"}',
    ...overrides,
  });

// The same suite against both stores: what the server relies on the database for.
describe.each(STORE_KINDS)('the %s store', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let projectId: string;
  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(kind));
    ({ projectId } = await createProject(store, { now: 1 }));
  });
  afterEach(async () => cleanup());

  it('migrates idempotently', async () => {
    await store.migrate();
    await store.migrate();
    expect(await store.countProjects()).toBe(1);
  });

  it('claims an event id once: a second insert returns the stored row, within and across batches', async () => {
    const first = await store.insertEvents(projectId, [
      event('a'),
      event('b'),
      event('a', { bodyHash: 'other' }),
    ]);
    expect(first.map((result) => result.inserted)).toEqual([true, true, false]);
    const again = await store.insertEvents(projectId, [event('a', { tokensInput: 999 }), event('c')]);
    expect(again[0]).toMatchObject({
      inserted: false,
      existing: { eventId: 'a', tokensInput: 10, bodyHash: 'hash-a' },
    });
    expect(again[1]).toEqual({ inserted: true });
    const stored = await store.getEvent(projectId, 'a');
    expect(stored).toMatchObject({ ...event('a'), seq: expect.any(Number) });
  });

  it('keeps money exact through the database, beyond 2^53 units', async () => {
    const big = 900_000_000_000_000_001n; // 900,000.000000000001: more digits than a double holds
    await store.insertEvents(projectId, [
      event('big', { baseAmount: big, tokenAmount: big, outcomeAmount: 0n }),
    ]);
    expect((await store.getEvent(projectId, 'big'))?.baseAmount).toBe(big);
    await store.insertEvents(
      projectId,
      Array.from({ length: 20 }, (_, i) => event(`m${i}`, { baseAmount: big })),
    );
    const [usage] = await store.usage(projectId, { from: 0, to: 10_000 }, [], 5_000);
    expect(usage?.baseAmount).toBe(big * 21n);
    expect(usage?.tokenAmount).toBe(big + 20n);
  });

  it('resolves a pending outcome once, and never after it expired', async () => {
    await store.insertEvents(projectId, [event('p')]);
    const resolve = (resolution: 'success' | 'failure', now: number) =>
      store.resolveOutcome(projectId, {
        eventId: 'p',
        resolution,
        amount: resolution === 'success' ? 5n : 0n,
        now,
        metadata: null,
      });
    const results = await Promise.all([
      resolve('success', 2_000),
      resolve('success', 2_000),
      resolve('failure', 2_000),
    ]);
    expect(results.filter((result) => result.status === 'resolved')).toHaveLength(1);
    const stored = await store.getEvent(projectId, 'p');
    expect(stored?.resolvedAt).toBe(2_000);
    await store.insertEvents(projectId, [event('late')]);
    const late = await store.resolveOutcome(projectId, {
      eventId: 'late',
      resolution: 'success',
      amount: 5n,
      now: 10_000,
      metadata: null,
    });
    expect(late.status).toBe('not_pending');
    expect((await store.getEvent(projectId, 'late'))?.resolutionAmount).toBe(0n);
    expect(
      (
        await store.resolveOutcome(projectId, {
          eventId: 'none',
          resolution: 'success',
          amount: 5n,
          now: 1,
          metadata: null,
        })
      ).status,
    ).toBe('not_found');
  });

  it('versions tiers, and an identical definition publishes nothing', async () => {
    const v2 = await store.putTier(projectId, 'default', '{"x":1}', 5);
    expect(v2).toMatchObject({ created: true, row: { version: 2 } });
    expect((await store.putTier(projectId, 'default', '{"x":1}', 6)).created).toBe(false);
    const concurrent = await Promise.all([
      store.putTier(projectId, 't', '{"a":1}', 7),
      store.putTier(projectId, 't', '{"a":2}', 7),
    ]);
    expect(concurrent.map((result) => result.row.version).sort()).toEqual([1, 2]);
    expect((await store.getTier(projectId, 'default', 1))?.version).toBe(1);
    expect((await store.listTiers(projectId)).map((row) => [row.tierId, row.version])).toEqual([
      ['default', 2],
      ['t', 2],
    ]);
    const before = await store.getConfigVersion(projectId);
    await store.putAssignment(projectId, {
      kind: 'customer',
      subjectId: 'c',
      tierId: 't',
      name: null,
      metadata: null,
      updatedAt: 8,
    });
    expect(await store.getConfigVersion(projectId)).toBe(before + 1);
    expect(await store.getAssignments(projectId, 'customer', ['c', 'd'])).toHaveLength(1);
  });

  it('scopes every read by project', async () => {
    const other = await createProject(store, { now: 1 });
    await store.insertEvents(projectId, [event('shared')]);
    expect(await store.getEvent(other.projectId, 'shared')).toBeNull();
    expect(await store.listEvents(other.projectId, { from: 0, to: 1e13 }, null, 10)).toEqual([]);
    expect((await store.insertEvents(other.projectId, [event('shared')]))[0]).toEqual({ inserted: true });
  });
});
