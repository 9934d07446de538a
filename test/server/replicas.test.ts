import { formatMoney } from '@agentmeter/pricing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractResponse } from '../support/api.js';
import { freshDatabase, postgresReachable } from '../support/postgres.js';
import { type ServerProcess, startServerProcess } from '../support/processes.js';

const ADMIN_KEY = 'replica-test-admin-key-0123456789';
const available = await postgresReachable();

describe.skipIf(!available)('two server replicas on one PostgreSQL', () => {
  let database: { url: string; drop: () => Promise<void> };
  let replicas: ServerProcess[] = [];
  beforeAll(async () => {
    database = await freshDatabase('replicas');
    // Both start at once on an empty database: one bootstrap wins, the other joins.
    replicas = await Promise.all(
      [0, 1].map(() => startServerProcess({ DATABASE_URL: database.url, AGENTMETER_ADMIN_KEY: ADMIN_KEY })),
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await database?.drop();
  });

  const call = async <M extends string, P extends string>(
    replica: ServerProcess,
    method: M,
    path: P,
    body?: unknown,
  ) => {
    const response = await fetch(`${replica.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return contractResponse(method, path, {
      status: response.status,
      body: await response.json(),
      headers: response.headers,
    });
  };

  it('charges each event and each success exactly once when both replicas receive everything concurrently', async () => {
    const [a, b] = replicas as [ServerProcess, ServerProcess];
    expect(
      (
        await call(a, 'PUT', '/v1/tiers/default', {
          base_fee: '0.01',
          token_rate_input: '0.003',
          token_rate_output: '0.003',
          outcome_bonus: '5',
        })
      ).status,
    ).toBe(200);
    const events = Array.from({ length: 300 }, (_, index) => ({
      agent_id: 'agent',
      action: 'act',
      customer_id: `cus-${index % 3}`,
      event_id: `rep-${index}`,
      tokens_input: 100 + index,
      tokens_output: 50,
      ...(index % 3 === 0 ? { outcome: 'pending' } : {}),
    }));
    const batchSends = [];
    const singleSends = [];
    for (let start = 0; start < events.length; start += 50) {
      const chunk = events.slice(start, start + 50);
      for (const replica of [a, b, a, b])
        batchSends.push(call(replica, 'POST', '/v1/meter/batch', { events: chunk }));
      for (const event of chunk.slice(0, 5))
        for (const replica of [a, b]) singleSends.push(call(replica, 'POST', '/v1/meter', event));
    }
    const batches = await Promise.all(batchSends);
    const singles = await Promise.all(singleSends);
    expect([...batches, ...singles].every((response) => response.status === 200)).toBe(true);
    const accepted = [
      ...batches.flatMap((response) => response.body.results.filter((r) => r.status === 'accepted')),
      ...singles.filter((response) => !response.body.replayed).map((response) => response.body),
    ];
    expect(accepted).toHaveLength(300);

    const pendingIds = events
      .filter((event) => event.outcome === 'pending')
      .map((event) => `out_${event.event_id}`);
    const resolves = await Promise.all(
      pendingIds.flatMap((id) =>
        [a, b, a, b].map((replica) =>
          call(replica, 'POST', `/v1/outcomes/${id}/resolve`, { outcome: 'success' }),
        ),
      ),
    );
    expect(resolves.every((response) => response.status === 200)).toBe(true);
    expect(resolves.filter((response) => !response.body.replayed)).toHaveLength(100);

    // Expected total, computed independently: 300 × 0.01 + Σ tokens × 0.003/1000 + 100 × 5.
    const tokens = events.reduce((sum, event) => sum + event.tokens_input + event.tokens_output, 0);
    const expectedMicros = 300 * 10_000 + tokens * 3 + 100 * 5_000_000; // in millionths
    const usage = (await call(b, 'GET', '/v1/usage')).body.totals[0];
    expect(usage?.calls).toBe(300);
    expect(usage?.amounts.total).toBe(formatMoney(BigInt(expectedMicros) * 1_000_000n));
    expect(usage?.outcomes.success).toBe(100);
  });
});
