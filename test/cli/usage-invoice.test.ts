import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLine, row, startTestServer, type TestServer } from './cli-harness.js';

// Known traffic, priced by the reference tiers, two and one days ago (and a resolution now):
//   acme    research 2,000 + 800 tokens (per_token)      0.0084   day A
//   acme    research 14,000 + 2,000 tokens (per_token)   0.048    day B
//   acme    classify 600 + 50 tokens ×2 (per_call)       0.10     day A
//   globex  outreach 1,400 tokens, pending (outcome)     0.01     day A; resolved success now: 5.00
//   globex  outreach 1,400 tokens, success at once       5.01     day B
//   globex  classify (per_call)                          0.05     day B
// acme 0.1564, globex 10.07, in all 10.2264 (7 calls, 20,600 input and 2,950 output tokens).
let server: TestServer;
const DAY = 86_400_000;
const now = Date.now();
const dayA = new Date(now - 2 * DAY).toISOString();
const dayB = new Date(now - DAY).toISOString();
const day = (iso: string) => iso.slice(0, 10);
const today = new Date(now).toISOString().slice(0, 10);

beforeAll(async () => {
  server = await startTestServer('usage');
  await server.run([
    'tiers',
    'set',
    'per_token',
    '--token-rate-input',
    '0.003',
    '--token-rate-output',
    '0.003',
  ]);
  await server.run(['tiers', 'set', 'per_call', '--base-fee', '0.05']);
  await server.run(['tiers', 'set', 'outcome', '--base-fee', '0.01', '--outcome-bonus', '5.00']);
  await server.run(['agents', 'set', 'research-agent', '--tier', 'per_token']);
  await server.run(['agents', 'set', 'classify-agent', '--tier', 'per_call']);
  await server.run(['agents', 'set', 'outreach-agent', '--tier', 'outcome']);
  const meter = async (body: Record<string, unknown>) => {
    const { data, error } = await server.client.POST('/v1/meter', { body: body as never });
    if (!data) throw new Error(JSON.stringify(error));
    return data;
  };
  const research = { agent_id: 'research-agent', action: 'research.complete', customer_id: 'acme' };
  const classify = {
    agent_id: 'classify-agent',
    action: 'ticket.classified',
    tokens_input: 600,
    tokens_output: 50,
  };
  const outreach = {
    agent_id: 'outreach-agent',
    action: 'email.sent',
    customer_id: 'globex',
    tokens_input: 1400,
  };
  await meter({ ...research, tokens_input: 2000, tokens_output: 800, timestamp: dayA });
  await meter({ ...research, tokens_input: 14000, tokens_output: 2000, timestamp: dayB });
  await meter({ ...classify, customer_id: 'acme', timestamp: dayA });
  await meter({ ...classify, customer_id: 'acme', timestamp: dayA });
  const pending = await meter({ ...outreach, outcome: 'pending', timestamp: dayA });
  await meter({ ...outreach, outcome: 'success', timestamp: dayB });
  await meter({ ...classify, customer_id: 'globex', timestamp: dayB });
  await server.client.POST('/v1/outcomes/{outcome_id}/resolve', {
    params: { path: { outcome_id: pending.outcome_id as string } },
    body: { outcome: 'success' },
  });
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe('agentmeter usage', () => {
  it('totals: calls, tokens, outcomes and exact money (table and --json agree)', async () => {
    const table = await server.run(['usage']);
    expect(table.code).toBe(0);
    // CUR CALLS IN OUT WON/LOST/OPEN/EXP BASE TOKENS OUTCOME TOTAL
    expect(row(table.stdout, 'USD')).toEqual([
      'USD',
      '7',
      '20,600',
      '2,950',
      '2/0/0/0',
      '0.17',
      '0.0564',
      '10.00',
      '10.2264',
    ]);
    const json = JSON.parse((await server.run(['usage', '--json'])).stdout);
    expect(json.totals).toHaveLength(1);
    expect(json.totals[0]).toMatchObject({
      calls: 7,
      tokens: { input: 20600, output: 2950 },
      outcomes: { success: 2, failure: 0, pending: 0, expired: 0 },
      amounts: { base: '0.17', tokens: '0.0564', outcome: '10.00', total: '10.2264' },
    });
  });

  it('--group-by customer_id: one row per customer, then the total', async () => {
    const table = await server.run(['usage', '--group-by', 'customer_id']);
    expect(table.code).toBe(0);
    expect(row(table.stdout, 'acme')).toEqual([
      'acme',
      'USD',
      '4',
      '17,200',
      '2,900',
      '0/0/0/0',
      '0.10',
      '0.0564',
      '0.00',
      '0.1564',
    ]);
    expect(row(table.stdout, 'globex')).toEqual([
      'globex',
      'USD',
      '3',
      '3,400',
      '50',
      '2/0/0/0',
      '0.07',
      '0.00',
      '10.00',
      '10.07',
    ]);
    expect(row(table.stdout, 'total')[0]).toBe('total');
    expect(row(table.stdout, 'total').at(-1)).toBe('10.2264');
    const json = JSON.parse((await server.run(['usage', '--group-by', 'customer', '--json'])).stdout);
    expect(json.group_by).toEqual(['customer_id']);
    expect(
      Object.fromEntries(json.groups.map((group: any) => [group.key.customer_id, group.amounts.total])),
    ).toEqual({ acme: '0.1564', globex: '10.07' });
  });

  it('--group-by customer_id,day splits by day; a bonus counts the day it was charged', async () => {
    const table = await server.run(['usage', '--group-by', 'customer_id,day']);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n').filter((line) => line.startsWith('globex'));
    const byDay = Object.fromEntries(
      lines.map((line) => [line.split(/\s{2,}/)[1], line.split(/\s{2,}/).at(-1)]),
    );
    expect(byDay).toEqual({ [day(dayA)]: '0.01', [day(dayB)]: '5.06', [today]: '5.00' });
  });

  it('filters: --customer, --agent, --action, --from/--to', async () => {
    const filtered = JSON.parse(
      (
        await server.run([
          'usage',
          '--customer',
          'acme',
          '--agent',
          'research-agent',
          '--action',
          'research.complete',
          '--json',
        ])
      ).stdout,
    );
    expect(filtered.totals[0]).toMatchObject({ calls: 2, amounts: { total: '0.0564' } });
    const window = JSON.parse(
      (
        await server.run([
          'usage',
          '--customer',
          'acme',
          '--from',
          dayB,
          '--to',
          new Date(now).toISOString(),
          '--json',
        ])
      ).stdout,
    );
    expect(window.totals[0]).toMatchObject({ calls: 1, amounts: { total: '0.048' } });
    const dates = await server.run(['usage', '--from', '2001-01-01', '--to', '2001-02-01']);
    expect(dates.code).toBe(0);
    expect(dates.stdout.trim()).toBe('No usage in this period.');
  });

  it('bad input: a local flag error exits 2; a server validation error names the flag', async () => {
    const groupBy = await server.run(['usage', '--group-by', 'color']);
    expect(groupBy.code).toBe(2);
    expect(oneLine(groupBy)).toBe(
      'agentmeter: --group-by takes customer_id, agent_id, action, day, got "color".',
    );
    const from = await server.run(['usage', '--from', 'yesterday']);
    expect(from.code).toBe(1);
    expect(oneLine(from)).toBe(
      'agentmeter: invalid request: --from must match format "date-time" (400 validation_error)',
    );
    const order = await server.run(['usage', '--from', '2026-02-01', '--to', '2026-01-01']);
    expect(oneLine(order)).toBe(
      'agentmeter: invalid request: --from must be before `to` (400 validation_error)',
    );
  });
});

describe('agentmeter invoice', () => {
  it('prints the lines and the exact total, equal to the API (table and --json)', async () => {
    const table = await server.run(['invoice', '--customer', 'acme']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Invoice preview for acme (all time)');
    expect(row(table.stdout, 'Calls (tier per_call v1)')).toEqual([
      'Calls (tier per_call v1)',
      '2 calls',
      'USD',
      '0.10',
    ]);
    expect(row(table.stdout, 'Tokens (tier per_token v1)')).toEqual([
      'Tokens (tier per_token v1)',
      '18,800 tokens',
      'USD',
      '0.0564',
    ]);
    expect(row(table.stdout, 'Total')).toEqual(['Total', 'USD', '0.1564']);
    const json = JSON.parse((await server.run(['invoice', '--customer', 'globex', '--json'])).stdout);
    const { data } = await server.client.GET('/v1/invoices/preview', {
      params: { query: { customer_id: 'globex' } },
    });
    expect(json).toEqual(data);
    expect(json.total).toBe('10.07');
    expect(json.lines.find((line: any) => line.component === 'outcome')).toMatchObject({
      quantity: 2,
      amount: '10.00',
    });
  });

  it('--from/--to bound the period; a customer with nothing says so', async () => {
    const period = await server.run(['invoice', '--customer', 'acme', '--from', dayB, '--json']);
    expect(JSON.parse(period.stdout).total).toBe('0.048');
    const empty = await server.run(['invoice', '--customer', 'nobody']);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('No charges for nobody (all time).');
  });

  it('--customer is required (exit 2, one line)', async () => {
    const result = await server.run(['invoice']);
    expect(result.code).toBe(2);
    expect(oneLine(result)).toBe(
      "agentmeter: required option '--customer <customer_id>' not specified (see --help)",
    );
  });
});
