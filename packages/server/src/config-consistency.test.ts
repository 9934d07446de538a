import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';
import type { Store } from './store/types.js';

/**
 * Holds the next configuration read that looks up a given customer until released, so requests can
 * be interleaved at will: `before` holds it before it reads, `after` once it has read.
 */
interface Gate {
  arm(customerId: string, when: 'before' | 'after'): { reached: Promise<void>; release: () => void };
}

function gatedStore(store: Store): { store: Store; gate: Gate } {
  let armed:
    | { customerId: string; when: 'before' | 'after'; reached: () => void; released: Promise<void> }
    | undefined;
  const take = (customerIds: readonly string[]) => {
    const waiting = armed;
    if (!waiting || !customerIds.includes(waiting.customerId)) return undefined;
    armed = undefined;
    return waiting;
  };
  const wrapped: Partial<Store> = {
    async readPricingConfig(projectId, request) {
      const waiting = take(request.customers);
      if (waiting?.when === 'before') {
        waiting.reached();
        await waiting.released;
      }
      const read = await store.readPricingConfig(projectId, request);
      if (waiting?.when === 'after') {
        waiting.reached();
        await waiting.released;
      }
      return read;
    },
    // Configuration reads one lookup at a time, as the cache once made them.
    async getAssignments(projectId, kind, ids) {
      const waiting = kind === 'customer' ? take(ids) : undefined;
      if (waiting) {
        waiting.reached();
        await waiting.released;
      }
      return store.getAssignments(projectId, kind, ids);
    },
  };
  const proxy = new Proxy(store, {
    get(target, property) {
      if (typeof property === 'string' && property in wrapped) return wrapped[property as keyof Store];
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    store: proxy,
    gate: {
      arm(customerId, when) {
        let reached!: () => void;
        let release!: () => void;
        const reachedPromise = new Promise<void>((resolve) => {
          reached = resolve;
        });
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        armed = { customerId, when, reached, released };
        return { reached: reachedPromise, release };
      },
    },
  };
}

describe.each(STORE_KINDS)('pricing while the configuration changes, on %s', (kind) => {
  let api: ApiHarness;
  let gate: Gate;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    const gated = gatedStore(opened.store);
    gate = gated.gate;
    api = await apiHarness(gated.store);
  });
  afterEach(async () => cleanup());

  const put = async (path: string, body: unknown) => {
    const response = await api.call('PUT', path, { body });
    expect(response.status).toBe(200);
  };
  const meter = (body: unknown) => api.call('POST', '/v1/meter', { body });

  it('the store reads the version, the tiers and the asked assignments together', async () => {
    await put('/v1/tiers/gold', { base_fee: '1.00' });
    await put('/v1/customers/same-id', { tier: 'gold' });
    await put('/v1/agents/agent-x', { tier: 'default' });
    const version = await api.store.getConfigVersion(api.projectId);
    const read = await api.store.readPricingConfig(api.projectId, {
      tiers: true,
      customers: ['same-id', 'nobody'],
      agents: ['same-id', 'agent-x'],
    });
    expect(read.version).toBe(version);
    expect(read.tiers?.map((tier) => [tier.tierId, tier.version])).toEqual([
      ['default', 1],
      ['gold', 1],
    ]);
    expect(
      read.assignments
        .map((row) => [row.kind, row.subjectId, row.tierId])
        .sort((a, b) => a.join().localeCompare(b.join())),
    ).toEqual([
      ['agent', 'agent-x', 'default'],
      ['customer', 'same-id', 'gold'],
    ]);
    const subjectsOnly = await api.store.readPricingConfig(api.projectId, {
      tiers: false,
      customers: [],
      agents: [],
    });
    expect(subjectsOnly).toEqual({ version, tiers: null, assignments: [] });
  });

  it('a request that looked up its customer keeps that configuration when a newer request arrives meanwhile', async () => {
    await put('/v1/tiers/gold', { base_fee: '1.00' });
    await put('/v1/customers/c1', { tier: 'gold' });

    // A authenticates and has read c1's assignment at version v...
    const held = gate.arm('c1', 'after');
    const first = meter({ agent_id: 'agent-a', action: 'work', customer_id: 'c1' });
    await held.reached;
    // ...an unrelated change moves the project to v+1, and B is priced at v+1...
    await put('/v1/agents/someone-else', { tier: 'gold' });
    const second = await meter({ agent_id: 'agent-b', action: 'work', customer_id: 'c2' });
    expect(second.body).toMatchObject({ tier: 'default', price: { total: '0.00' } });
    // ...then A prices: with the configuration it read, not an emptied or newer one.
    held.release();
    const { status, body } = await first;
    expect(status).toBe(200);
    expect(body).toMatchObject({ tier: 'gold', tier_version: 1, price: { total: '1.00' } });
  });

  it('tiers and assignments are read at one version: an assignment to a tier created meanwhile prices with that tier', async () => {
    await put('/v1/tiers/gold', { base_fee: '1.00' });
    await put('/v1/customers/c3', { tier: 'gold' });

    // A is authenticated at version v (no `platinum` yet) and about to read c3's assignment...
    const held = gate.arm('c3', 'before');
    const first = meter({ agent_id: 'agent-a', action: 'work', customer_id: 'c3' });
    await held.reached;
    // ...while an admin creates `platinum` and moves c3 to it.
    await put('/v1/tiers/platinum', { base_fee: '5.00' });
    await put('/v1/customers/c3', { tier: 'platinum' });
    held.release();
    const { status, body } = await first;
    // Never a mix (c3 on platinum with the tiers of v, where platinum does not exist): the newer
    // configuration, whole.
    expect(status).toBe(200);
    expect(body).toMatchObject({ tier: 'platinum', tier_version: 1, price: { total: '5.00' } });
  });

  it('a request that read version v prices with v whole, though its tier and assignment change meanwhile', async () => {
    await put('/v1/tiers/gold', { base_fee: '1.00' });
    await put('/v1/tiers/silver', { base_fee: '2.00' });
    await put('/v1/customers/c5', { tier: 'gold' });

    const held = gate.arm('c5', 'after');
    const first = meter({ agent_id: 'agent-a', action: 'work', customer_id: 'c5' });
    await held.reached;
    await put('/v1/tiers/gold', { base_fee: '3.00' });
    await put('/v1/customers/c5', { tier: 'silver' });
    expect((await meter({ agent_id: 'agent-b', action: 'work', customer_id: 'c5' })).body).toMatchObject({
      tier: 'silver',
      price: { total: '2.00' },
    });
    held.release();
    expect((await first).body).toMatchObject({ tier: 'gold', tier_version: 1, price: { total: '1.00' } });
    // The newer configuration stays cached: the next request sees it.
    expect((await meter({ agent_id: 'agent-c', action: 'work', customer_id: 'c5' })).body).toMatchObject({
      tier: 'silver',
      price: { total: '2.00' },
    });
  });

  it('a request authenticated before a change never replaces the newer cached configuration', async () => {
    await put('/v1/tiers/gold', { base_fee: '1.00' });
    await put('/v1/tiers/silver', { base_fee: '2.00' });
    await put('/v1/customers/c4', { tier: 'gold' });

    // A authenticates at v (c4 on gold) and is held before its lookup of c4...
    const held = gate.arm('c4', 'before');
    const first = meter({ agent_id: 'agent-a', action: 'work', customer_id: 'c4' });
    await held.reached;
    // ...c4 moves to silver (v+1) and B prices c4 at v+1...
    await put('/v1/customers/c4', { tier: 'silver' });
    expect((await meter({ agent_id: 'agent-b', action: 'work', customer_id: 'c4' })).body).toMatchObject({
      tier: 'silver',
      price: { total: '2.00' },
    });
    held.release();
    // ...A (begun at v, looking up c4 after the change) is priced with a whole configuration at least
    // as new as v: here the one now in force.
    expect((await first).body).toMatchObject({ tier: 'silver', price: { total: '2.00' } });
    // And a request after both still sees v+1.
    expect((await meter({ agent_id: 'agent-c', action: 'work', customer_id: 'c4' })).body).toMatchObject({
      tier: 'silver',
      price: { total: '2.00' },
    });
  });

  it('concurrent metering while an admin changes unrelated assignments: every event priced with its customer tier', async () => {
    await put('/v1/tiers/gold', { base_fee: '1.00' });
    await put('/v1/tiers/unrelated', { base_fee: '9.00' });
    const customers = Array.from({ length: 40 }, (_, index) => `cust-${index}`);
    for (const customer of customers) await put(`/v1/customers/${customer}`, { tier: 'gold' });

    const LOOPS = 24;
    const PER_LOOP = 30;
    let metering = true;
    let changes = 0;
    const admin = (async () => {
      while (metering) {
        await put(`/v1/agents/bystander-${changes % 7}`, { tier: changes % 2 === 0 ? 'unrelated' : null });
        changes++;
        // Let the metering requests' I/O run between changes (SQLite answers without yielding).
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const responses: { customer: string; status: number; body: any }[] = [];
    await Promise.all(
      Array.from({ length: LOOPS }, async (_, loop) => {
        for (let index = 0; index < PER_LOOP; index++) {
          const customer = customers[(loop * PER_LOOP + index) % customers.length] as string;
          const { status, body } = await meter({
            agent_id: `agent-${loop}`,
            action: 'work',
            customer_id: customer,
            event_id: `evt-${loop}-${index}`,
          });
          responses.push({ customer, status, body });
        }
      }),
    );
    metering = false;
    await admin;

    expect(changes).toBeGreaterThan(0);
    expect(responses).toHaveLength(LOOPS * PER_LOOP);
    const mispriced = responses.filter(
      (response) =>
        response.status !== 200 || response.body.tier !== 'gold' || response.body.price.total !== '1.00',
    );
    expect(
      mispriced.length,
      `mispriced, e.g. ${JSON.stringify(mispriced.slice(0, 2).map(({ customer, status, body }) => ({ customer, status, tier: body.tier, price: body.price })))}`,
    ).toBe(0);
    // The ledger agrees with the responses: every stored event on gold at 1.00.
    const stored = await api.store.scanEvents(
      api.projectId,
      { from: 0, to: Number.MAX_SAFE_INTEGER },
      0,
      10_000,
    );
    expect(stored).toHaveLength(LOOPS * PER_LOOP);
    expect(stored.filter((event) => event.tierId !== 'gold' || event.baseAmount !== 10n ** 12n)).toEqual([]);
  }, 120_000);

  it('concurrent metering while customers move between tiers: every event priced with a tier its customer had during the request', async () => {
    const PRICES: Record<string, string> = { gold: '1.00', silver: '2.00', bronze: '3.00' };
    for (const [tier, price] of Object.entries(PRICES)) await put(`/v1/tiers/${tier}`, { base_fee: price });
    const customers = Array.from({ length: 12 }, (_, index) => `mover-${index}`);
    /** Per customer, each assignment with when its PUT began and when it answered (initial: from 0). */
    const history = new Map<string, { tier: string; began: number; done: number }[]>();
    for (const customer of customers) {
      await put(`/v1/customers/${customer}`, { tier: 'gold' });
      history.set(customer, [{ tier: 'gold', began: 0, done: 0 }]);
    }

    const LOOPS = 16;
    const PER_LOOP = 30;
    let metering = true;
    let changes = 0;
    const admin = (async () => {
      const tiers = Object.keys(PRICES);
      while (metering) {
        const customer = customers[changes % customers.length] as string;
        const tier = tiers[(changes + 1 + Math.floor(changes / customers.length)) % tiers.length] as string;
        const began = performance.now();
        await put(`/v1/customers/${customer}`, { tier });
        history.get(customer)?.push({ tier, began, done: performance.now() });
        changes++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const responses: { customer: string; began: number; done: number; status: number; body: any }[] = [];
    await Promise.all(
      Array.from({ length: LOOPS }, async (_, loop) => {
        for (let index = 0; index < PER_LOOP; index++) {
          const customer = customers[(loop + index) % customers.length] as string;
          const began = performance.now();
          const { status, body } = await meter({
            agent_id: `agent-${loop}`,
            action: 'work',
            customer_id: customer,
          });
          responses.push({ customer, began, done: performance.now(), status, body });
        }
      }),
    );
    metering = false;
    await admin;

    expect(changes).toBeGreaterThan(customers.length);
    // A tier the customer had at some moment while the request ran: the one in force when it began
    // (the last assignment answered by then), or one whose change was under way before it ended.
    const allowed = (customer: string, began: number, done: number) => {
      const changesOf = history.get(customer) ?? [];
      const inForce = changesOf.filter((change) => change.done <= began).at(-1);
      return new Set(
        changesOf
          .filter((change) => change === inForce || (change.began < done && change.done > began))
          .map((change) => change.tier),
      );
    };
    const wrong = responses.filter(({ customer, began, done, status, body }) => {
      if (status !== 200) return true;
      return !allowed(customer, began, done).has(body.tier) || body.price.total !== PRICES[body.tier];
    });
    expect(
      wrong.length,
      `mispriced, e.g. ${JSON.stringify(wrong.slice(0, 2).map(({ customer, status, body }) => ({ customer, status, tier: body.tier, price: body.price })))}`,
    ).toBe(0);
  }, 120_000);
});
