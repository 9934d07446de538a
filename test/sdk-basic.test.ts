import { createMeter, type MeterErrorInfo } from '@agentmeter/sdk';
import { describe, expect, it } from 'vitest';
import { FakeIngest } from './sdk-fake-server.js';

function setup(options: Parameters<typeof createMeter>[0] = {}) {
  const server = new FakeIngest();
  const errors: MeterErrorInfo[] = [];
  const meter = createMeter({
    apiKey: 'test-key',
    fetch: server.fetch,
    onError: (info) => errors.push(info),
    ...options,
  });
  return { server, meter, errors };
}

describe('Meter basics', () => {
  it('tracks, batches and delivers each event once with its priced result', async () => {
    const { server, meter, errors } = setup();
    const priced: string[] = [];
    meter.on('priced', (events) =>
      priced.push(...events.map((event) => `${event.event_id}=${event.price.total}`)),
    );
    const ids = [1, 2, 3].map((n) => meter.track({ agent_id: 'a', action: 'chat', tokens_input: n }));
    await meter.flush();
    expect([...server.ledger.keys()].sort()).toEqual([...ids].sort());
    expect(server.requests).toHaveLength(1);
    expect(priced).toEqual(ids.map((id) => `${id}=0.010000000000`));
    expect(errors).toEqual([]);
    const result = await meter.shutdown();
    expect(result).toEqual({ sent: 3, failed: 0, pending: 0, pendingIds: [] });
  });
});
