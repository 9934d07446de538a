// The batch and trackNow() requests go around the typed client (serialized-requests.ts); they must
// still reach the server exactly as the typed client's requests do, and carry the captured bytes.
import { VERSION } from '@agentmeter/client';
import { describe, expect, it } from 'vitest';
import { FakeIngest } from '../../../test/sdk-fake-server.js';
import { createMeter } from './meter.js';

const IDENTITY = ['authorization', 'content-type', 'user-agent', 'x-agentmeter-client'];

describe('the requests sent around the typed client', () => {
  it('carry the key, the identity and the content type the typed client sends, and the captured bytes', async () => {
    const server = new FakeIngest();
    const seen: { path: string; headers: Record<string, string | null>; body: string }[] = [];
    const meter = createMeter({
      apiKey: 'test-key',
      baseUrl: 'http://meter.test/',
      flushIntervalMs: 60_000,
      onError: (info) => {
        throw new Error(`unexpected ${info.code}: ${info.message}`);
      },
      fetch: async (input, init) => {
        const request = input instanceof Request ? input : new Request(input, init);
        const headers = Object.fromEntries(
          [...IDENTITY, 'idempotency-key'].map((name) => [name, request.headers.get(name)]),
        );
        seen.push({ path: new URL(request.url).pathname, headers, body: await request.clone().text() });
        return server.fetch(request);
      },
    });
    const queued = meter.track({ agent_id: 'a', action: 'b', outcome: 'pending', metadata: { note: 'é' } });
    await meter.flush();
    const direct = await meter.trackNow({ agent_id: 'a', action: 'b', event_id: 'now-1' });
    // Resolving goes through the typed client: the reference for what a request looks like.
    await meter.resolveNow(queued, 'success');
    expect(seen.map((request) => request.path)).toEqual([
      '/v1/meter/batch',
      '/v1/meter',
      `/v1/outcomes/out_${queued}/resolve`,
    ]);
    const [batch, now, typed] = seen as [(typeof seen)[0], (typeof seen)[0], (typeof seen)[0]];
    const identity = (request: (typeof seen)[0]) => IDENTITY.map((name) => request.headers[name]);
    expect(identity(typed)).toEqual([
      'Bearer test-key',
      'application/json',
      `agentmeter-client/${VERSION} agentmeter-sdk`,
      `agentmeter-client/${VERSION} agentmeter-sdk`,
    ]);
    expect(identity(batch)).toEqual(identity(typed));
    expect(identity(now)).toEqual(identity(typed));
    expect(now.headers['idempotency-key']).toBe(direct.event_id);
    expect(JSON.parse(batch.body)).toMatchObject({
      events: [{ event_id: queued, agent_id: 'a', metadata: { note: 'é' } }],
    });
    expect(JSON.parse(now.body)).toMatchObject({ event_id: 'now-1', agent_id: 'a', action: 'b' });
    expect(server.contractViolations).toEqual([]);
    await meter.shutdown();
  });
});
