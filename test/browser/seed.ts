// A small project with hand-checkable prices, seeded through the public API.

export const DAY = 86_400_000;

export type Caller = (method: string, path: string, body?: unknown) => Promise<any>;

export function caller(url: string, key: string): Caller {
  return async (method, path, body) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
}

/**
 * `default`: $0.01 per call, $0.003 / $0.015 per 1K input / output tokens, $5.00 per success and
 * $20.00 for `meeting.booked`. `flat` ($0.05 per call) applies to initech. Prices, by hand:
 * acme 0.028+5.00 and 0.016 → 5.044; globex 0.019+5.00 (pending → success), 0.013 (→ failure),
 * 0.01345 (still pending), 20.0196 (meeting booked) → 25.06505; initech 2 × 0.05 → 0.10.
 */
export async function seedProject(call: Caller, now: number): Promise<void> {
  await call('PUT', '/v1/tiers/default', {
    description: 'Hybrid: per call + tokens + outcome',
    base_fee: '0.01',
    token_rate_input: '0.003',
    token_rate_output: '0.015',
    outcome_bonus: '5.00',
    outcome_bonus_by_action: { 'meeting.booked': '20.00' },
  });
  await call('PUT', '/v1/tiers/flat', { description: 'Flat per call', base_fee: '0.05' });
  await call('PUT', '/v1/customers/initech', { tier: 'flat' });
  const at = (days: number) => new Date(now - days * DAY - 3_600_000).toISOString();
  const event = (id: string, fields: Record<string, unknown>) => ({
    event_id: id,
    agent_id: 'sales-agent',
    ...fields,
  });
  const batch = await call('POST', '/v1/meter/batch', {
    events: [
      event('e1', {
        customer_id: 'acme',
        action: 'lead.qualified',
        tokens_input: 2000,
        tokens_output: 800,
        outcome: 'success',
        timestamp: at(3),
      }),
      event('e2', {
        customer_id: 'acme',
        action: 'research.complete',
        tokens_input: 1000,
        tokens_output: 200,
        timestamp: at(2),
        agent_id: 'research-agent',
      }),
      event('e3', {
        customer_id: 'globex',
        action: 'email.sent',
        tokens_input: 1500,
        tokens_output: 300,
        outcome: 'pending',
        timestamp: at(2),
      }),
      event('e4', {
        customer_id: 'globex',
        action: 'email.sent',
        tokens_input: 500,
        tokens_output: 100,
        outcome: 'pending',
        timestamp: at(1),
      }),
      event('e5', {
        customer_id: 'globex',
        action: 'email.sent',
        tokens_input: 700,
        tokens_output: 90,
        outcome: 'pending',
        timestamp: at(0),
      }),
      event('e6', {
        customer_id: 'globex',
        action: 'meeting.booked',
        tokens_input: 1200,
        tokens_output: 400,
        outcome: 'success',
        timestamp: at(1),
      }),
      event('e7', {
        customer_id: 'initech',
        action: 'ticket.classified',
        tokens_input: 600,
        tokens_output: 50,
        timestamp: at(1),
        agent_id: 'classifier',
      }),
      event('e8', {
        customer_id: 'initech',
        action: 'ticket.classified',
        tokens_input: 640,
        tokens_output: 40,
        timestamp: at(0),
        agent_id: 'classifier',
      }),
      // A call seen without token counts: the base fee alone.
      event('e9', {
        action: 'ping',
        usage_missing: true,
        timestamp: at(0),
        agent_id: 'classifier',
      }),
    ],
    resolutions: [
      { outcome_id: 'out_e3', outcome: 'success' },
      { outcome_id: 'out_e4', outcome: 'failure' },
    ],
  });
  if (batch.summary.accepted !== 9 || batch.resolution_results.some((r: any) => r.status !== 'accepted'))
    throw new Error(`seeding failed: ${JSON.stringify(batch)}`);
}
