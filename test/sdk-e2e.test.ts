// The Meter against the real server (packages/server, SQLite file, loopback): the ledger holds each
// event once and the invoice total is exact, through retries and a response lost after commit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentmeterClient, createClient, type LedgerEvent } from '@agentmeter/client';
import { createMeter, type MeterErrorInfo, type MeterOptions } from '@agentmeter/sdk';
import { type RunningServer, startServer } from '@agentmeter/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_KEY = 'adm_e2e_0123456789abcdef';
/** Units of 1e-12: the tier below in exact integers. */
const BASE = 2_000_000_000n; // 0.002 per call
const PER_INPUT = 10_000_000n; // 0.01 per 1K input tokens
const PER_OUTPUT = 30_000_000n; // 0.03 per 1K output tokens
const BONUS = 500_000_000_000n; // 0.50 per success

let dir: string;
let server: RunningServer;
let admin: AgentmeterClient;
let ingestKey: string;

function money(units: bigint): string {
  const whole = units / 1_000_000_000_000n;
  const fraction = (units % 1_000_000_000_000n)
    .toString()
    .padStart(12, '0')
    .replace(/0+$/, '')
    .padEnd(2, '0');
  return `${whole}.${fraction}`;
}

async function ledger(customerId: string): Promise<LedgerEvent[]> {
  const events: LedgerEvent[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await admin.GET('/v1/events', {
      params: { query: { customer_id: customerId, limit: 1000, ...(cursor ? { cursor } : {}) } },
    });
    if (error || !data) throw new Error(`ledger read failed: ${JSON.stringify(error)}`);
    events.push(...data.data);
    cursor = data.next_cursor ?? undefined;
  } while (cursor);
  return events;
}

async function invoiceTotal(customerId: string): Promise<string | null | undefined> {
  const { data } = await admin.GET('/v1/invoices/preview', {
    params: { query: { customer_id: customerId } },
  });
  return data?.total;
}

function meterFor(options: MeterOptions = {}) {
  const errors: MeterErrorInfo[] = [];
  const meter = createMeter({
    apiKey: ingestKey,
    baseUrl: server.url,
    onError: (info) => errors.push(info),
    ...options,
  });
  return { meter, errors };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentmeter-e2e-'));
  server = await startServer({
    port: 0,
    dbPath: join(dir, 'meter.db'),
    adminKey: ADMIN_KEY,
    rateLimit: false,
  });
  admin = createClient({ apiKey: ADMIN_KEY, baseUrl: server.url });
  const tier = await admin.PUT('/v1/tiers/{tier_id}', {
    params: { path: { tier_id: 'default' } },
    body: {
      base_fee: '0.002',
      token_rate_input: '0.01',
      token_rate_output: '0.03',
      token_unit: 1000,
      outcome_bonus: '0.50',
      currency: 'USD',
    },
  });
  expect(tier.response.status).toBe(200);
  const key = await admin.POST('/v1/keys', { body: { name: 'sdk e2e', scope: 'ingest' } });
  ingestKey = key.data?.key as string;
  expect(ingestKey).toBeTruthy();
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Meter against the real server', () => {
  it('meters calls and outcomes: the ledger holds each event once and the invoice total is exact', async () => {
    const { meter, errors } = meterFor({ flushAt: 7, maxBatchEvents: 5 });
    const priced = new Map<string, string>();
    meter.on('priced', (events) => {
      for (const event of events) priced.set(event.event_id, event.price.total);
    });
    let expected = 0n;
    const ids: string[] = [];
    await meter.withContext({ customer_id: 'e2e-acme', agent_id: 'support-bot' }, async () => {
      for (let n = 0; n < 23; n++) {
        ids.push(meter.track({ action: 'answer', tokens_input: 100 * n, tokens_output: 7 * n }));
        expected += BASE + BigInt(100 * n) * PER_INPUT + BigInt(7 * n) * PER_OUTPUT;
        if (n % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const later = meter.track({ action: 'resolve-ticket', outcome: 'pending' });
      // resolveNow() delivers the queued event first, then answers with what the resolution charged.
      const resolved = await meter.resolveNow(later, 'success', { reviewer: 'qa' });
      expect(resolved).toMatchObject({
        outcome_id: `out_${later}`,
        status: 'success',
        price: { total: '0.50' },
      });
      ids.push(later);
      expected += BASE + BONUS;
      const won = meter.track({ action: 'resolve-ticket', outcome: 'pending' });
      const lost = meter.track({ action: 'resolve-ticket', outcome: 'pending' });
      meter.resolve(won, 'success');
      meter.resolve(lost, 'failure');
      ids.push(won, lost);
      expected += 2n * BASE + BONUS;
      const direct = await meter.trackNow({ action: 'summarize', tokens_input: 1000, tokens_output: 1000 });
      expect(direct.price).toEqual({ total: '0.042', base: '0.002', tokens: '0.04', outcome: '0.00' });
      expect(direct.price_charged).toBe(0.042);
      ids.push(direct.event_id);
      expected += BASE + 1000n * PER_INPUT + 1000n * PER_OUTPUT;
    });
    const result = await meter.shutdown();
    expect(errors).toEqual([]);
    expect(result).toEqual({ sent: 30, failed: 0, pending: 0, pendingIds: [] });
    const events = await ledger('e2e-acme');
    expect(events.map((event) => event.event_id).sort()).toEqual([...ids].sort());
    expect(priced.get(ids[3] as string)).toBe(events.find((event) => event.event_id === ids[3])?.price.total);
    expect(events.find((event) => event.event_id === ids[24])).toMatchObject({
      outcome_status: 'success',
      outcome_charged: '0.50',
    });
    expect(events.find((event) => event.event_id === ids[25])).toMatchObject({ outcome_status: 'failure' });
    expect(await invoiceTotal('e2e-acme')).toBe(money(expected));
  });

  it('charges once when the server committed a batch but its response was lost, twice', async () => {
    let lost = 0;
    const losing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      if (path === '/v1/meter/batch' && lost++ < 2) {
        await response.arrayBuffer();
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        });
      }
      return response;
    };
    const { meter, errors } = meterFor({ fetch: losing });
    const ids = Array.from({ length: 12 }, (_, n) =>
      meter.track({ agent_id: 'a', action: 'x', customer_id: 'e2e-lost', tokens_input: n }),
    );
    const result = await meter.shutdown();
    expect(lost).toBe(3);
    expect(errors).toEqual([]);
    expect(result).toMatchObject({ sent: 12, pending: 0 });
    const events = await ledger('e2e-lost');
    expect(events.map((event) => event.event_id).sort()).toEqual([...ids].sort());
    const expected = ids.reduce((sum, _id, n) => sum + BASE + BigInt(n) * PER_INPUT, 0n);
    expect(await invoiceTotal('e2e-lost')).toBe(money(expected));
  });
});
