// Fuzzing the API in-process: requests generated from openapi.yaml for every operation, half of them
// made hostile. No request may get a 5xx; every error is a problem+json with a code (and, for a 400,
// the failing field); a rejected request changes nothing, and an accepted one changes the ledger by
// exactly what it reports. FUZZ_SEED and FUZZ_REQUESTS override the run.
import { createApp, createProject } from '@agentmeter/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0 } from '../support/api.js';
import { openTestStore, STORE_KINDS } from '../support/stores.js';
import { CONFIGURATION, fingerprint, responseViolations, stateViolations, WRITES } from './oracle.js';
import { type FuzzRequest, type Pools, requestArbitrary } from './requests.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261126);
/** Requests per store: 10,000 on SQLite; PostgreSQL, slower per request, runs 3,000 for what is its own (text rules, types). */
const REQUESTS: Record<string, number> = {
  sqlite: Number(process.env['FUZZ_REQUESTS'] ?? 10_000),
  postgres: Number(process.env['FUZZ_REQUESTS'] ?? 3_000),
};

describe.each(STORE_KINDS)('API fuzzing on %s', (kind) => {
  const total = REQUESTS[kind] as number;
  let cleanup: () => Promise<void>;
  let run: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    run = await setUp(opened.store);
  });
  afterAll(async () => cleanup());

  it(`answers ${total} generated and hostile requests without a 5xx, with problems, and keeps the ledger exact`, async () => {
    const { send, store, projectId, pools } = run;
    const violations = new Map<string, { count: number; example: string }>();
    const statuses: Record<string, number> = {};
    const note = (request: FuzzRequest, problem: string, status: number, text: string, logged = '') => {
      const signature = `${request.operation.operationId}: ${problem.replace(/\d+/g, 'N').slice(0, 120)}`;
      const entry = violations.get(signature);
      if (entry) entry.count++;
      else
        violations.set(signature, {
          count: 1,
          example: `${request.method} ${request.url.slice(0, 200)} [${request.key}; ${request.hostile.join(', ') || 'valid'}] body ${String(typeof request.body === 'string' ? request.body.slice(0, 300) : request.body)} -> ${status} ${text.slice(0, 300)}${logged ? ` (server logged: ${logged.slice(0, 300)})` : ''}`,
        });
    };
    const arbitrary = requestArbitrary(pools, T0);
    let before = await fingerprint(store, projectId, T0);
    const started = Date.now();
    const spent = { generate: 0, send: 0, check: 0 };
    for (let offset = 0; offset < total; offset += 500) {
      let mark = Date.now();
      const batch = fc.sample(arbitrary, {
        numRuns: Math.min(500, total - offset),
        seed: SEED + offset,
      });
      spent.generate += Date.now() - mark;
      for (const request of batch) {
        mark = Date.now();
        const { status, headers, text, logged } = await send(request);
        spent.send += Date.now() - mark;
        mark = Date.now();
        statuses[`${request.operation.operationId} ${status}`] =
          (statuses[`${request.operation.operationId} ${status}`] ?? 0) + 1;
        if (
          process.env['FUZZ_DEBUG'] &&
          request.hostile.length === 0 &&
          request.key === 'admin' &&
          status >= 400
        )
          console.log(`${request.method} ${request.url.slice(0, 80)} ${status} ${text.slice(0, 250)}`);
        for (const problem of responseViolations(status, headers, text))
          note(request, problem, status, text, logged);
        if (!WRITES.has(request.operation.operationId) && request.operation.operationId !== 'simulate')
          continue;
        const id = request.operation.operationId;
        const after = await fingerprint(store, projectId, T0, before, CONFIGURATION.has(id));
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {}
        if (status < 500)
          for (const problem of stateViolations(request, status, body, before, after))
            note(request, problem, status, text);
        before = after;
        spent.check += Date.now() - mark;
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const rejected = Object.entries(statuses)
      .filter(([name]) => Number(name.split(' ')[1]) >= 400)
      .reduce((sum, [, count]) => sum + count, 0);
    console.log(
      `[fuzz ${kind}] ${total} requests (seed ${SEED}) in ${seconds.toFixed(1)} s; ${rejected} rejected; ` +
        `${JSON.stringify(spent)}; ledger now ${before.calls} events, ${before.resolved} resolutions${process.env['FUZZ_DEBUG'] ? JSON.stringify(statuses) : ''}`,
    );
    // The run must have reached both sides: accepted writes and rejected requests on the money routes.
    expect(statuses['meterEvent 200'] ?? 0).toBeGreaterThan(total / 200);
    expect(statuses['meterBatch 200'] ?? 0).toBeGreaterThan(total / 100);
    expect(statuses['meterEvent 400'] ?? 0).toBeGreaterThan(total / 100);
    expect(statuses['resolveOutcome 200'] ?? 0).toBeGreaterThan(total / 1000);
    expect(
      [...violations].map(([signature, { count, example }]) => `${count}× ${signature}\n    e.g. ${example}`),
    ).toEqual([]);
  }, 600_000);
});

async function setUp(store: Awaited<ReturnType<typeof openTestStore>>['store']) {
  const adminKey = `fuzz-admin-${Math.random().toString(36).slice(2)}-key`;
  const { projectId } = await createProject(store, { adminKey, now: T0 });
  const errors: unknown[] = [];
  const app = createApp({
    store,
    now: () => T0,
    validateResponses: true,
    rateLimit: false,
    onError: (error) => errors.push(error),
  });
  const keys: Record<string, string | undefined> = {
    admin: adminKey,
    garbage: 'am_not-a-real-key-0000000000',
  };
  const send = async (request: FuzzRequest) => {
    const key = keys[request.key];
    const response = await app.request(request.url, {
      method: request.method,
      headers: { ...request.headers, ...(key ? { authorization: `Bearer ${key}` } : {}) },
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    const text = await response.text();
    const logged = errors.splice(0).map(String).join(' | ');
    return { status: response.status, headers: response.headers, text, logged };
  };
  const json = async (method: string, path: string, body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as any;
  };
  await json('PUT', '/v1/tiers/default', { base_fee: '0.002', token_rate_input: '0.0031', token_unit: 1000 });
  await json('PUT', '/v1/tiers/gold', { base_fee: '0.5', outcome_bonus: '2.25', token_rate_output: '0.7' });
  await json('PUT', '/v1/tiers/silver', { token_rate_input: '1.1', token_unit: 1000000, currency: 'EUR' });
  await json('PUT', '/v1/customers/cust-gold', { tier: 'gold' });
  await json('PUT', '/v1/agents/agent-silver', { tier: 'silver' });
  keys['ingest'] = (await json('POST', '/v1/keys', { scope: 'ingest' })).key;
  const keyIds: string[] = [];
  for (const scope of ['ingest', 'admin', 'ingest'])
    keyIds.push((await json('POST', '/v1/keys', { scope })).key_id);
  const eventIds: string[] = [];
  const outcomeIds: string[] = [];
  for (let index = 0; index < 30; index++) {
    const event = await json('POST', '/v1/meter', {
      event_id: `seed-${index}`,
      agent_id: index % 2 ? 'agent-silver' : 'agent-a',
      action: 'book',
      customer_id: index % 3 ? 'cust-gold' : 'cust-a',
      tokens_input: 100 * index,
      ...(index % 2 === 0 ? { outcome: 'pending' } : {}),
    });
    eventIds.push(event.event_id);
    if (event.outcome_id) outcomeIds.push(event.outcome_id);
  }
  const pools: Pools = {
    tiers: ['default', 'gold', 'silver', 'missing-tier'],
    customers: ['cust-gold', 'cust-a', 'cust-new'],
    agents: ['agent-silver', 'agent-a', 'agent-new'],
    eventIds,
    outcomeIds,
    keyIds,
  };
  return { send, store, projectId, pools };
}
