import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { row, startTestServer, type TestServer } from './cli-harness.js';

// Calls seen without token counts (an instrumentation that records none, a stream that ended without
// usage) are charged their base fee and marked `usage_missing`: `agentmeter usage` shows how many, so
// an operator sees the bill is short of token charges and why.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer('usage-missing');
  await server.run(['tiers', 'set', 'default', '--base-fee', '0.01', '--token-rate-input', '0.000003']);
  const meter = async (body: Record<string, unknown>) => {
    const { data, error } = await server.client.POST('/v1/meter', { body: body as never });
    if (!data) throw new Error(JSON.stringify(error));
  };
  const call = { agent_id: 'support-bot', action: 'answer', customer_id: 'acme' };
  await meter({ ...call, tokens_input: 1000 });
  await meter({ ...call, usage_missing: true });
  await meter({ ...call, customer_id: 'globex', tokens_input: 2000 });
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe('agentmeter usage with calls seen without usage', () => {
  it('adds a NO USAGE column, per group and in total; --json carries usage_missing_events', async () => {
    const table = await server.run(['usage', '--group-by', 'customer']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('NO USAGE');
    // CUSTOMER CUR CALLS NO-USAGE IN OUT WON/LOST/OPEN/EXP BASE TOKENS OUTCOME TOTAL
    expect(row(table.stdout, 'acme')?.slice(0, 5)).toEqual(['acme', 'USD', '2', '1', '1,000']);
    expect(row(table.stdout, 'globex')?.slice(0, 5)).toEqual(['globex', 'USD', '1', '0', '2,000']);
    const json = JSON.parse((await server.run(['usage', '--json'])).stdout);
    expect(json.totals[0]).toMatchObject({ calls: 3, usage_missing_events: 1, amounts: { base: '0.03' } });
  });
});
