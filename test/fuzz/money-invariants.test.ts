// Money invariants as a property: random tiers (changed mid-stream), assignments, events, batches,
// resolutions and time. Every charge equals the price computed here from the tier version in force
// when the event was metered (BigInt, not @agentmeter/pricing), and per currency
// the sum of event charges = /v1/usage total = the sum of invoice previews = the sum the responses
// reported, exactly; usage and invoices split at any instant add up to the same totals.
import { createApp, createProject, type Store } from '@agentmeter/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decimal, units } from '../chaos/expected.js';
import { T0 } from '../support/api.js';
import { openTestStore, STORE_KINDS } from '../support/stores.js';
import { type EventSpec, priceUnder, type Step, steps, type TierSpec } from './money-model.js';

const RUNS: Record<string, number> = { sqlite: 40, postgres: 15 };

interface Charged {
  currency: string;
  now: bigint;
  bonus: bigint;
  pending: boolean;
  expiresAt: number;
  resolution: 'success' | 'failure' | null;
}

async function play(store: Store, script: Step[]) {
  const clock = { now: T0 };
  const adminKey = `money-${Math.random().toString(36).slice(2)}-admin-key`;
  await createProject(store, { adminKey, now: clock.now });
  const app = createApp({ store, now: () => clock.now, validateResponses: true, rateLimit: false });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  // The model: the current version (as sent) of each tier, the assignments, every charged event.
  const tiers = new Map<string, TierSpec>([['default', {}]]);
  const customers = new Map<string, string>();
  const agents = new Map<string, string>();
  const events = new Map<string, Charged>();
  const reported = new Map<string, bigint>();
  const report = (currency: string, value: bigint) =>
    reported.set(currency, (reported.get(currency) ?? 0n) + value);
  const problems: string[] = [];
  let next = 0;
  const modelOf = (event: EventSpec) => {
    const tierId = event.tier ?? customers.get(event.customer_id) ?? agents.get(event.agent_id) ?? 'default';
    const tier = tiers.get(tierId);
    return tier ? { tier, ...priceUnder(tier, event) } : undefined;
  };
  const record = (id: string, event: EventSpec, result: any) => {
    const model = modelOf(event);
    if (!model) {
      if (result.status !== 'rejected' && result.status !== undefined)
        problems.push(`${id} was charged under a tier that does not exist`);
      return;
    }
    const charged = units(result.price.total);
    if (charged !== model.now)
      problems.push(
        `${id}: charged ${decimal(charged)}, expected ${decimal(model.now)} (${JSON.stringify(event)})`,
      );
    report(result.currency, charged);
    events.set(id, {
      currency: model.tier.currency ?? 'USD',
      now: model.now,
      bonus: model.bonus,
      pending: event.outcome === 'pending',
      expiresAt: clock.now + 7 * 86_400_000,
      resolution: null,
    });
  };
  for (const step of script) {
    if (step.kind === 'wait') clock.now += step.ms;
    if (step.kind === 'tier') {
      const put = await call('PUT', `/v1/tiers/${step.tier}`, step.spec);
      if (put.status !== 200) problems.push(`tier ${JSON.stringify(step.spec)} refused: ${put.body.detail}`);
      else tiers.set(step.tier, step.spec);
    }
    if (step.kind === 'assign') {
      const path = `/v1/${step.who === 'customer' ? 'customers' : 'agents'}/${step.id}`;
      const put = await call('PUT', path, { tier: step.tier });
      const known = step.tier === null || tiers.has(step.tier);
      if (put.status !== (known ? 200 : 422)) problems.push(`assignment answered ${put.status}`);
      const map = step.who === 'customer' ? customers : agents;
      if (known && step.tier === null) map.delete(step.id);
      else if (known) map.set(step.id, step.tier as string);
    }
    if (step.kind === 'meter') {
      const id = `e${next++}`;
      const response = await call('POST', '/v1/meter', { ...step.event, event_id: id });
      if (response.status === 200) record(id, step.event, response.body);
      else if (modelOf(step.event))
        problems.push(`${id} refused: ${response.status} ${response.body.detail}`);
    }
    if (step.kind === 'batch') {
      const ids = step.events.map(() => `e${next++}`);
      const response = await call('POST', '/v1/meter/batch', {
        events: step.events.map((event, index) => ({ ...event, event_id: ids[index] })),
      });
      for (const [index, result] of response.body.results.entries()) {
        const event = step.events[index] as EventSpec;
        if (result.status === 'accepted') record(ids[index] as string, event, result);
        else if (modelOf(event)) problems.push(`${ids[index]} rejected: ${JSON.stringify(result.error)}`);
      }
    }
    if (step.kind === 'resolve') {
      const open = [...events].filter(([, event]) => event.pending);
      const picked = open[step.pick % Math.max(1, open.length)];
      if (!picked) continue;
      const [id, event] = picked;
      const response = await call('POST', `/v1/outcomes/out_${id}/resolve`, { outcome: step.outcome });
      // A repeat of the same resolution replays (even once expired); a different one, or a first one
      // after expiry, is a 409.
      const status =
        event.resolution !== null
          ? event.resolution === step.outcome
            ? 200
            : 409
          : clock.now >= event.expiresAt
            ? 409
            : 200;
      if (response.status !== status)
        problems.push(`resolving ${id} answered ${response.status}, expected ${status}`);
      if (response.status === 200 && !response.body.replayed) {
        event.resolution = step.outcome;
        const charged = units(response.body.price.total);
        const expected = step.outcome === 'success' ? event.bonus : 0n;
        if (charged !== expected)
          problems.push(`resolving ${id} charged ${decimal(charged)}, expected ${decimal(expected)}`);
        report(event.currency, charged);
      }
    }
  }
  return { call, clock, events, reported, problems };
}

describe.each(STORE_KINDS)('money invariants on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore(kind));
  });
  afterAll(async () => cleanup());

  it('charges = usage = invoices = what was reported, per currency, through tier changes and resolutions', async () => {
    await fc.assert(
      fc.asyncProperty(steps, fc.double({ min: 0, max: 1, noNaN: true }), async (script, split) => {
        const { call, clock, events, reported, problems } = await play(store, script);
        expect(problems).toEqual([]);
        // What the model says each currency was charged.
        const modelled = new Map<string, bigint>();
        for (const event of events.values()) {
          const total = event.now + (event.resolution === 'success' ? event.bonus : 0n);
          modelled.set(event.currency, (modelled.get(event.currency) ?? 0n) + total);
        }
        const ledger = new Map<string, bigint>();
        for (let cursor: string | null = null; ; ) {
          const page: any = (await call('GET', `/v1/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`))
            .body;
          for (const row of page.data)
            ledger.set(
              row.currency,
              (ledger.get(row.currency) ?? 0n) + units(row.price.total) + units(row.outcome_charged),
            );
          cursor = page.next_cursor;
          if (!cursor) break;
        }
        const usage = new Map<string, bigint>();
        for (const total of (await call('GET', '/v1/usage')).body.totals)
          usage.set(total.currency, units(total.amounts.total));
        const invoices = new Map<string, bigint>();
        const at = new Date(T0 + Math.floor((clock.now - T0 + 1) * split)).toISOString();
        const halves = new Map<string, bigint>();
        const add = (map: Map<string, bigint>, currency: string, value: string) =>
          map.set(currency, (map.get(currency) ?? 0n) + units(value));
        for (const customer of ['c1', 'c2', 'c3']) {
          for (const line of (await call('GET', `/v1/invoices/preview?customer_id=${customer}`)).body.totals)
            add(invoices, line.currency, line.total);
          for (const range of [`to=${at}`, `from=${at}`])
            for (const line of (await call('GET', `/v1/invoices/preview?customer_id=${customer}&${range}`))
              .body.totals)
              add(halves, line.currency, line.total);
        }
        const usageHalves = new Map<string, bigint>();
        for (const range of [`to=${at}`, `from=${at}`])
          for (const total of (await call('GET', `/v1/usage?${range}`)).body.totals)
            add(usageHalves, total.currency, total.amounts.total);
        const show = (map: Map<string, bigint>) =>
          Object.fromEntries(
            [...map]
              .filter(([, value]) => value !== 0n)
              .map(([currency, value]) => [currency, decimal(value)]),
          );
        const expected = show(modelled);
        expect({
          ledger: show(ledger),
          usage: show(usage),
          invoices: show(invoices),
          reported: show(reported),
          usageSplit: show(usageHalves),
          invoiceSplit: show(halves),
        }).toEqual({
          ledger: expected,
          usage: expected,
          invoices: expected,
          reported: expected,
          usageSplit: expected,
          invoiceSplit: expected,
        });
      }),
      { numRuns: RUNS[kind] as number, seed: Number(process.env['MONEY_SEED'] ?? 90210) },
    );
  }, 300_000);
});
