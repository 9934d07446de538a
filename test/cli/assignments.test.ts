import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLine, startTestServer, type TestServer } from './cli-harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer('assignments');
  await server.run(['tiers', 'set', 'hybrid', '--base-fee', '0.01', '--outcome-bonus', '5']);
  await server.run(['tiers', 'set', 'per_call', '--base-fee', '0.05']);
});
afterAll(async () => {
  await server?.stop();
});

async function meter(body: Record<string, unknown>) {
  const { data } = await server.client.POST('/v1/meter', {
    body: { agent_id: 'classify-agent', action: 'ticket.classified', ...body },
  });
  return data;
}

describe('agentmeter customers / agents', () => {
  it("customers set assigns the tier the server then prices the customer's events with", async () => {
    const set = await server.run(['customers', 'set', 'acme', '--tier', 'hybrid', '--name', 'Acme Corp']);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^Customer acme \(Acme Corp\): tier hybrid, updated \d{4}-/);
    expect((await meter({ customer_id: 'acme' }))?.tier).toBe('hybrid');

    const get = await server.run(['customers', 'get', 'acme', '--json']);
    expect(JSON.parse(get.stdout)).toMatchObject({ customer_id: 'acme', tier: 'hybrid', name: 'Acme Corp' });

    const cleared = await server.run(['customers', 'set', 'acme', '--clear', '--json']);
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ customer_id: 'acme', tier: null });
    expect((await server.run(['customers', 'get', 'acme'])).stdout).toContain(
      'Customer acme (Acme Corp): no tier of its own',
    );
    expect((await meter({ customer_id: 'acme' }))?.tier).toBe('default');
  });

  it('agents set assigns a tier by agent; a customer tier still wins', async () => {
    const set = await server.run(['agents', 'set', 'classify-agent', '--tier', 'per_call']);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^Agent classify-agent: tier per_call, updated /);
    expect((await meter({ customer_id: 'globex' }))?.price.total).toBe('0.05');
    await server.run(['customers', 'set', 'globex', '--tier', 'hybrid']);
    expect((await meter({ customer_id: 'globex' }))?.tier).toBe('hybrid');
    const get = await server.run(['agents', 'get', 'classify-agent', '--json']);
    expect(JSON.parse(get.stdout)).toMatchObject({ agent_id: 'classify-agent', tier: 'per_call' });
  });

  it('an unknown tier is a one-line 422 naming --tier; --tier and --clear are exclusive (exit 2)', async () => {
    const unknown = await server.run(['customers', 'set', 'acme', '--tier', 'gold']);
    expect(unknown.code).toBe(1);
    expect(oneLine(unknown)).toBe(
      'agentmeter: There is no tier "gold" in this project; create it with PUT /v1/tiers/gold. [--tier] (422 unknown_tier)',
    );
    const both = await server.run(['customers', 'set', 'acme', '--tier', 'hybrid', '--clear']);
    expect(both.code).toBe(2);
    expect(oneLine(both)).toBe('agentmeter: give exactly one of --tier <tier_id> and --clear.');
    const missing = await server.run(['agents', 'get', 'nobody']);
    expect(missing.code).toBe(1);
    expect(oneLine(missing)).toBe(
      'agentmeter: Agent "nobody" was not found in this project. (404 not_found)',
    );
  });
});
