import { compileTier, tierToJson } from '@agentmeter/pricing';
import { describe, expect, it } from 'vitest';
import { ConfigCache } from './config-cache.js';
import type { AssignmentRow, PricingConfigRead, Store } from './store/types.js';

const definition = (baseFee: string) => JSON.stringify(tierToJson(compileTier({ base_fee: baseFee })));

/** A project's configuration as a store would hold it, and every read the cache makes of it. */
function fakeStore() {
  const state = {
    version: 1,
    tiers: new Map([['gold', definition('1.00')]]),
    customers: new Map<string, string>(),
  };
  const reads: { tiers: boolean; customers: string[]; agents: string[] }[] = [];
  /** When set, the next read answers only once this resolves (with the state as it was when asked). */
  let hold: Promise<void> | undefined;
  const store = {
    async readPricingConfig(_projectId: string, request: (typeof reads)[number]): Promise<PricingConfigRead> {
      reads.push(request);
      const read: PricingConfigRead = {
        version: state.version,
        tiers: request.tiers
          ? [...state.tiers].map(([tierId, text]) => ({ tierId, version: 1, definition: text, createdAt: 0 }))
          : null,
        assignments: request.customers.flatMap((id): AssignmentRow[] => {
          const tierId = state.customers.get(id);
          return tierId
            ? [{ kind: 'customer', subjectId: id, tierId, name: null, metadata: null, updatedAt: 0 }]
            : [];
        }),
      };
      const waiting = hold;
      hold = undefined;
      if (waiting) await waiting;
      return read;
    },
  } as unknown as Store;
  return {
    store,
    state,
    reads,
    holdNext() {
      let release!: () => void;
      hold = new Promise<void>((resolve) => {
        release = resolve;
      });
      return release;
    },
  };
}

describe('ConfigCache', () => {
  it('keeps a configuration it handed out intact when memory is bounded, and reads evicted subjects again', async () => {
    const fake = fakeStore();
    for (const id of ['c1', 'c2', 'c3', 'c4']) fake.state.customers.set(id, 'gold');
    const cache = new ConfigCache(fake.store, { maxSubjects: 2 });
    const held = await cache.resolve('p', 1, ['c1', 'c2'], []);
    // Over the bound: the cache starts afresh, but what `held` prices with stays as it was.
    await cache.resolve('p', 1, ['c3', 'c4'], []);
    expect(held.assigned('customer', 'c1')).toBe('gold');
    expect(held.assigned('customer', 'c2')).toBe('gold');
    expect(held.tiers.get('gold')?.tier.baseFee).toBe(10n ** 12n);

    const before = fake.reads.length;
    const again = await cache.resolve('p', 1, ['c1'], []);
    expect(again.assigned('customer', 'c1')).toBe('gold');
    expect(fake.reads.slice(before)).toEqual([{ tiers: false, customers: ['c1'], agents: [] }]);
  });

  it('answers from the cache at the same version, and reads what is missing without the tiers', async () => {
    const fake = fakeStore();
    fake.state.customers.set('c1', 'gold');
    const cache = new ConfigCache(fake.store);
    await cache.resolve('p', 1, ['c1'], ['a1']);
    await cache.resolve('p', 1, ['c1'], ['a1']);
    await cache.resolve('p', 1, ['c2'], ['a1']);
    expect(fake.reads).toEqual([
      { tiers: true, customers: ['c1'], agents: ['a1'] },
      { tiers: false, customers: ['c2'], agents: [] },
    ]);
  });

  it('a read of an older version never replaces a newer cached one', async () => {
    const fake = fakeStore();
    fake.state.customers.set('c1', 'gold');
    const cache = new ConfigCache(fake.store);
    // A reads at version 1 and is held before its answer arrives...
    const release = fake.holdNext();
    const first = cache.resolve('p', 1, ['c1'], []);
    // ...meanwhile c1 moves to silver (version 2) and B reads and caches version 2.
    fake.state.tiers.set('silver', definition('2.00'));
    fake.state.customers.set('c1', 'silver');
    fake.state.version = 2;
    const second = await cache.resolve('p', 2, ['c1'], []);
    expect([second.version, second.assigned('customer', 'c1')]).toEqual([2, 'silver']);
    release();
    const a = await first;
    // A prices with version 1 whole...
    expect([a.version, a.assigned('customer', 'c1'), a.tiers.has('silver')]).toEqual([1, 'gold', false]);
    // ...and version 2 stays cached: a request authenticated at 1 or 2 gets it without a read.
    const reads = fake.reads.length;
    const late = await cache.resolve('p', 1, ['c1'], []);
    expect([late.version, late.assigned('customer', 'c1')]).toEqual([2, 'silver']);
    expect(fake.reads.length).toBe(reads);
  });

  it('reads the whole configuration again when a cached version turns out to be outdated', async () => {
    const fake = fakeStore();
    const cache = new ConfigCache(fake.store);
    await cache.resolve('p', 1, ['c1'], []);
    fake.state.tiers.set('silver', definition('2.00'));
    fake.state.customers.set('c2', 'silver');
    fake.state.version = 2;
    // Authenticated at 1 (the cached version), but the store is at 2 by the time c2 is read: the
    // assignment of version 2 is not mixed with the tiers of version 1.
    const config = await cache.resolve('p', 1, ['c2'], []);
    expect([config.version, config.assigned('customer', 'c2'), config.tiers.has('silver')]).toEqual([
      2,
      'silver',
      true,
    ]);
    expect(fake.reads.slice(1)).toEqual([
      { tiers: false, customers: ['c2'], agents: [] },
      { tiers: true, customers: ['c2'], agents: [] },
    ]);
  });
});
