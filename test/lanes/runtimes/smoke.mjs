// The smoke test every runtime runs: a Meter from @agentmeter/sdk sends events to a real agentmeter
// server, and the ledger read back through @agentmeter/client must hold exactly the amounts that
// @agentmeter/pricing computes here for the same tier. Plain ESM with web globals only, so that Bun
// and Deno run it as is and esbuild bundles it into the workerd worker unchanged.
import { createClient } from '@agentmeter/client';
import {
  addPrice,
  compileTier,
  formatMoney,
  priceEvent,
  resolutionCharge,
  tierToJson,
  zeroAmounts,
} from '@agentmeter/pricing';
import { createMeter } from '@agentmeter/sdk';

/** Which runtime this is, from what each one alone defines. */
export function detectRuntime() {
  if (typeof globalThis.Bun !== 'undefined') return 'bun';
  if (typeof globalThis.Deno !== 'undefined') return 'deno';
  if (globalThis.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (typeof globalThis.process?.versions?.node === 'string') return 'node';
  return 'unknown';
}

const TIER_INPUT = {
  description: 'runtime lane',
  base_fee: '0.002',
  token_rate_input: '0.0004',
  token_rate_output: '0.0016',
  token_rate_cached_input: '0.0001',
  token_unit: 1000,
  outcome_bonus: '0.05',
  outcome_bonus_by_action: { summarize: '0.125' },
  currency: 'USD',
};

const RATE_FIELDS = [
  'base_fee',
  'token_rate_input',
  'token_rate_output',
  'token_rate_cached_input',
  'token_rate_cache_write',
  'token_unit',
  'outcome_bonus',
  'outcome_bonus_by_action',
  'currency',
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** JSON with object keys sorted, so that comparisons ignore key order only. */
const canonical = (value) =>
  JSON.stringify(value, (_key, item) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );

/**
 * Runs the smoke test against the server at `url` (administered with `adminKey`) and returns
 * `{ runtime, ok, checks, failures }`; anything thrown on the way is one more failure.
 * `asyncContext: false` is for a runtime without AsyncLocalStorage (workerd without nodejs_compat):
 * `withContext()` then holds only through synchronous code, so events name their own attribution.
 */
export async function runSmoke({ url, adminKey, expectRuntime, asyncContext = true }) {
  const runtime = detectRuntime();
  const checks = [];
  const failures = [];
  const check = (name, actual, expected) => {
    const a = canonical(actual);
    const e = canonical(expected);
    checks.push(name);
    if (a !== e) failures.push(`${name}: expected ${e}, got ${a}`);
  };
  check('runtime', runtime, expectRuntime);
  let total;
  try {
    total = await smoke({ url, adminKey, runtime, asyncContext, check });
  } catch (error) {
    failures.push(`threw: ${String(error?.stack ?? error)}`);
  }
  return { runtime, ok: failures.length === 0, checks: checks.length, failures, total };
}

async function smoke({ url, adminKey, runtime, asyncContext, check }) {
  // A tier, customer and key of this run only, so that runtimes sharing the server never meet.
  const run = `${runtime}-${crypto.randomUUID().slice(0, 8)}`;
  const tierId = `rt-${run}`;
  const customerId = `cust-${run}`;
  const admin = createClient({ apiKey: adminKey, baseUrl: url });
  const must = async (what, promise) => {
    const { data, error, response } = await promise;
    if (error || !data) throw new Error(`${what}: ${response.status} ${JSON.stringify(error)}`);
    return data;
  };

  const tier = await must(
    'PUT /v1/tiers',
    admin.PUT('/v1/tiers/{tier_id}', { params: { path: { tier_id: tierId } }, body: TIER_INPUT }),
  );
  const compiled = compileTier(TIER_INPUT);
  const local = tierToJson(compiled);
  check(
    'the server stored the tier as @agentmeter/pricing reads it',
    Object.fromEntries(RATE_FIELDS.map((field) => [field, tier[field]])),
    Object.fromEntries(RATE_FIELDS.map((field) => [field, local[field]])),
  );
  await must(
    'PUT /v1/customers',
    admin.PUT('/v1/customers/{customer_id}', {
      params: { path: { customer_id: customerId } },
      body: { tier: tierId },
    }),
  );
  const key = await must(
    'POST /v1/keys',
    admin.POST('/v1/keys', { body: { scope: 'ingest', name: `runtime lane ${run}` } }),
  );

  const reported = [];
  const priced = new Map();
  const meter = createMeter({
    apiKey: key.key,
    baseUrl: url,
    flushIntervalMs: 60_000,
    onError: (info) => reported.push(`${info.code}: ${info.message}`),
  });
  meter.on('priced', (events) => {
    for (const event of events) priced.set(event.event_id, event.price);
  });

  // Context must survive an await: that is what AsyncLocalStorage (or its absence) decides.
  const context = { customer_id: customerId, agent_id: 'lane-agent' };
  check(
    'withContext() carries the context through synchronous code',
    meter.withContext(context, () => meter.currentContext()),
    context,
  );
  const seen = await meter.withContext(context, async () => {
    await sleep(5);
    await Promise.resolve();
    return meter.currentContext();
  });
  check('withContext() carries the context across an await', seen, asyncContext ? context : undefined);
  // Without async context, each event names its attribution itself.
  const own = asyncContext ? {} : context;

  const calls = [
    {
      action: 'summarize',
      tokens_input: 1200,
      tokens_output: 350,
      model: 'gpt-lane',
      provider: 'openai',
      outcome: 'success',
    },
    {
      action: 'answer',
      tokens_input: 5000,
      tokens_cached_input: 4000,
      tokens_output: 20,
      model: 'claude-lane',
      provider: 'anthropic',
      outcome: 'pending',
    },
    { action: 'answer', tokens_input: 777, tokens_output: 333, outcome: 'failure' },
  ];
  const ids = await meter.withContext(context, async () => {
    const tracked = [];
    for (const call of calls) {
      await sleep(1);
      tracked.push(meter.track({ ...own, ...call }));
    }
    return tracked;
  });
  const pendingId = ids[1];
  meter.resolve(pendingId, 'success');
  const direct = { action: 'summarize', tokens_input: 64, tokens_output: 8 };
  const response = await meter.withContext(context, async () => {
    await sleep(1);
    return meter.trackNow({ ...own, ...direct });
  });
  await meter.flush();
  const shutdown = await meter.shutdown({ timeoutMs: 10_000 });
  check('nothing reported through onError', reported, []);
  check('shutdown() left nothing failed or pending', [shutdown.failed, shutdown.pending], [0, 0]);

  // What @agentmeter/pricing says each event costs.
  const expected = new Map();
  const totals = zeroAmounts();
  calls.forEach((call, index) => {
    const price = priceEvent(compiled, call);
    const outcome = call.outcome === 'pending' ? resolutionCharge(price.pendingBonus, 'success') : 0n;
    expected.set(ids[index], { price, outcomeCharged: outcome });
    addPrice(totals, price);
    addPrice(totals, { base: 0n, tokens: 0n, outcome });
  });
  const directPrice = priceEvent(compiled, direct);
  expected.set(response.event_id, { price: directPrice, outcomeCharged: 0n });
  addPrice(totals, directPrice);
  const exact = (price) => ({
    total: formatMoney(price.total),
    base: formatMoney(price.base),
    tokens: formatMoney(price.tokens),
    outcome: formatMoney(price.outcome),
  });

  check('meter() answered the price @agentmeter/pricing computes', response.price, exact(directPrice));
  check(
    'the batch acknowledgements priced each tracked event as @agentmeter/pricing does',
    ids.map((id) => priced.get(id)),
    ids.map((id) => exact(expected.get(id).price)),
  );

  const usage = await must(
    'GET /v1/usage',
    admin.GET('/v1/usage', { params: { query: { customer_id: customerId } } }),
  );
  const total = usage.totals[0];
  check('usage has one currency', usage.totals.length, 1);
  check('usage calls', total?.calls, 4);
  check('usage outcomes', total?.outcomes, { pending: 0, success: 2, failure: 1, expired: 0 });
  check(
    'usage tokens (input, output, cached)',
    [total?.tokens.input, total?.tokens.output, total?.tokens.cached_input],
    [7041, 711, 4000],
  );
  check('usage amounts are the exact sums of @agentmeter/pricing', total?.amounts, {
    base: formatMoney(totals.base),
    tokens: formatMoney(totals.tokens),
    outcome: formatMoney(totals.outcome),
    total: formatMoney(totals.total),
  });

  const page = await must(
    'GET /v1/events',
    admin.GET('/v1/events', { params: { query: { customer_id: customerId, limit: 50 } } }),
  );
  const ledger = new Map(page.data.map((event) => [event.event_id, event]));
  check(
    'the ledger holds exactly the metered events',
    [...ledger.keys()].sort(),
    [...expected.keys()].sort(),
  );
  for (const [id, { price, outcomeCharged }] of expected) {
    const event = ledger.get(id);
    // A resolved pending outcome keeps the event's own price and records the bonus as charged later.
    check(`ledger price of ${id}`, event?.price, exact(price));
    check(`ledger outcome_charged of ${id}`, event?.outcome_charged, formatMoney(outcomeCharged));
    check(`ledger customer of ${id}`, event?.customer_id, customerId);
    check(`ledger tier of ${id}`, event?.tier, tierId);
  }

  return total?.amounts.total;
}
