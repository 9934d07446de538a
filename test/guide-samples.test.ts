import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, waitFor } from './support/processes.js';

// The request shapes and worked numbers of the original metering API this server stays compatible
// with (the per-token, per-call, outcome and hybrid examples, with their published prices), sent as
// clients of that API send them to `agentmeter serve` (the built CLI), after the matching tiers were
// created through the API.
const KEY = 'guide-samples-admin-key-0123456789';
let base = '';
let dir = '';
let serve: ReturnType<typeof runCli>;

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as any;
}

describe('the original API samples, run against `agentmeter serve`', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentmeter-guide-'));
    const port = await freePort();
    serve = runCli(['serve', '--port', String(port), '--db', join(dir, 'guide.db')], {
      AGENTMETER_ADMIN_KEY: KEY,
    });
    await waitFor(
      () => serve.output().stdout,
      (text) => text.includes('agentmeter listening on'),
    );
    base = `http://127.0.0.1:${port}`;
    await api('PUT', '/v1/tiers/default', {
      token_rate_input: 0.003,
      token_rate_output: 0.003,
      token_unit: 1000,
    });
    await api('PUT', '/v1/tiers/per-call', { base_fee: 0.05 });
    await api('PUT', '/v1/tiers/outcome', { base_fee: 0.01, outcome_bonus: 5.0 });
    await api('PUT', '/v1/tiers/hybrid', {
      base_fee: 0.01,
      token_rate_input: 0.125,
      token_unit: 1000000,
      outcome_bonus: 5.0,
    });
    await api('PUT', '/v1/agents/classify-agent', { tier: 'per-call' });
    await api('PUT', '/v1/agents/outreach-agent-v2', { tier: 'outcome' });
    await api('PUT', '/v1/agents/sales-agent-v3', { tier: 'hybrid' });
  }, 60_000);
  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.done;
    rmSync(dir, { recursive: true, force: true });
  });

  it('per-token: the sample runs unchanged, and 2,000 + 800 tokens at $0.003 per 1K cost 0.0084', async () => {
    const response = await fetch(`${base}/v1/meter`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${KEY}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        agent_id: 'research-agent-v1',
        action: 'research.complete',
        tokens_input: 3200,
        tokens_output: 1100,
        // No outcome field — pure token-based
        metadata: { query: 'competitor analysis Q2' },
      }),
    });
    const { price_charged } = (await response.json()) as any;
    expect(price_charged).toBe(0.0129);
    const worked = await api('POST', '/v1/meter', {
      agent_id: 'research-agent-v1',
      action: 'research.complete',
      tokens_input: 2000,
      tokens_output: 800,
    });
    expect(worked.price_charged).toBe(0.0084);
  });

  it('per-call: ten calls of the sample cost 0.05 each, 0.50 in all', async () => {
    const prices = [];
    for (let call = 0; call < 10; call++) {
      const response = await fetch(`${base}/v1/meter`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${KEY}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          agent_id: 'classify-agent',
          action: 'ticket.classified',
          tokens_input: 600, // Still tracked for analytics
          tokens_output: 50, // but price is per-call flat rate
          metadata: { ticket_id: 'TK-4821' },
        }),
      });
      const { price_charged } = (await response.json()) as any;
      prices.push(price_charged);
    }
    expect(prices).toEqual(Array(10).fill(0.05));
    const usage = await api('GET', '/v1/usage?agent_id=classify-agent');
    expect(usage.totals[0].amounts.total).toBe('0.50');
  });

  it('outcome: the two-step sample charges 0.01 now and the 5.00 bonus on resolve', async () => {
    // Step 1: Agent sends an outreach email — outcome unknown yet
    const { outcome_id, price_charged } = (await fetch(`${base}/v1/meter`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${KEY}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        agent_id: 'outreach-agent-v2',
        action: 'email.sent',
        tokens_input: 1400,
        tokens_output: 380,
        outcome: 'pending', // Charged base fee only
        expires_at: new Date(Date.now() + 7 * 86400000).toISOString(),
        metadata: { prospect: 'vp-eng@acme.com' },
      }),
    }).then((r) => r.json())) as any;
    expect(price_charged).toBe(0.01);
    // Step 2: Three days later, prospect replies
    const resolved = await fetch(`${base}/v1/outcomes/${outcome_id}/resolve`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${KEY}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        outcome: 'success',
        metadata: { reply_type: 'positive', meeting_booked: true },
      }),
    });
    // NOW the outcome bonus ($5.00) is charged
    expect(((await resolved.json()) as any).price_charged).toBe(5);
    const usage = await api('GET', '/v1/usage?agent_id=outreach-agent-v2');
    expect(usage.totals[0].amounts).toEqual({ base: '0.01', tokens: '0.00', outcome: '5.00', total: '5.01' });
  });

  it('hybrid: the single call returns price_breakdown with all three components', async () => {
    const response = await fetch(`${base}/v1/meter`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        agent_id: 'sales-agent-v3',
        action: 'lead.qualified',
        tokens_input: 2800,
        tokens_output: 650,
        outcome: 'success',
        metadata: { lead_score: 87, company: 'Acme Corp', deal_size: 45000 },
      }),
    });
    const data = (await response.json()) as any;
    expect(data.price_breakdown).toEqual({ base: 0.01, tokens: 0.00035, outcome: 5.0 });
    expect(data.price_charged).toBe(5.01035);
  });
});
