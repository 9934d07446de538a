// End to end: the real @anthropic-ai/sdk client (its HTTP answered by msw) → withMeter → the real
// Meter → the real server (in-process, SQLite file) → the server's price.
import { describe, expect, it } from 'vitest';
import { PER_MILLION_TIER, useMeteringServer } from '../../../test/support/metering-server.js';
import {
  createClient,
  jsonResponse,
  messageBody,
  REQUEST,
  sseResponse,
  textStreamEvents,
  usageBody,
} from './test-fixtures.js';
import { useAnthropicServer } from './test-support.js';
import { withMeter } from './with-meter.js';

// Sonnet-like prices per million tokens; 1-hour cache writes cost twice the input rate, and each web
// search is $10 per thousand.
const metering = useMeteringServer('anthropic', {
  ...PER_MILLION_TIER,
  token_rate_cache_write_1h: '6',
  web_search_request_fee: '0.01',
});
const { answer } = useAnthropicServer();

describe('end to end', () => {
  it('prices a cached call and a streamed call exactly as the tier says', async () => {
    const { meter, priced, admin } = metering;
    const client = withMeter(createClient(), meter, { agent_id: 'support-bot', action: 'reply' });
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_01e2ecachedXq7Lk2Vb9Tz',
          usage: {
            input_tokens: 12,
            cache_read_input_tokens: 3000,
            cache_creation_input_tokens: 1200,
            output_tokens: 77,
          },
        }),
      ),
    );
    await meter.withContext({ customer_id: 'cus_acme' }, () => client.messages.create(REQUEST));
    answer(() =>
      sseResponse(
        textStreamEvents({
          id: 'msg_01e2estreamXq7Lk2Vb9Tz',
          startUsage: usageBody({ input_tokens: 2000, output_tokens: 1 }),
          deltaUsages: [
            { input_tokens: 2000, output_tokens: 400, output_tokens_details: { thinking_tokens: 100 } },
          ],
        }),
      ),
    );
    await meter.withContext({ customer_id: 'cus_globex' }, () =>
      client.messages.stream(REQUEST).finalMessage(),
    );

    await meter.flush();

    // 0.01 + 12×3/1M + 3000×0.3/1M + 1200×3.75/1M + 77×15/1M = 0.01 + 0.000036 + 0.0009 + 0.0045 + 0.001155
    // 0.01 + 2000×3/1M + 400×15/1M = 0.01 + 0.006 + 0.006
    const byId = new Map(priced.map((event) => [event.event_id.split(':')[1], event]));
    expect(byId.get('msg_01e2ecachedXq7Lk2Vb9Tz')?.price).toMatchObject({ total: '0.016591', base: '0.01' });
    expect(byId.get('msg_01e2estreamXq7Lk2Vb9Tz')?.price).toMatchObject({ total: '0.022', base: '0.01' });
    expect(byId.get('msg_01e2ecachedXq7Lk2Vb9Tz')?.currency).toBe('USD');

    const ledger = (await (await admin('/v1/events?limit=10')).json()) as {
      data: { event_id: string; customer_id: string; tokens: Record<string, number>; price: unknown }[];
    };
    const rows = new Map(ledger.data.map((row) => [row.event_id.split(':')[1], row]));
    expect(rows.get('msg_01e2ecachedXq7Lk2Vb9Tz')).toMatchObject({
      customer_id: 'cus_acme',
      tokens: { input: 4212, cached_input: 3000, cache_write: 1200, output: 77 },
    });
    expect(rows.get('msg_01e2estreamXq7Lk2Vb9Tz')).toMatchObject({
      customer_id: 'cus_globex',
      tokens: { input: 2000, output: 400, reasoning: 100 },
    });
  });

  it("prices 1-hour cache writes and web searches at the tier's rate and fee, plain and streamed", async () => {
    const { meter, priced, admin } = metering;
    const client = withMeter(createClient(), meter, { agent_id: 'research-bot', action: 'search' });
    const searched = {
      input_tokens: 2100,
      cache_creation_input_tokens: 5000,
      cache_write_1h: 4000,
      output_tokens: 640,
      web_search_requests: 3,
    };
    const request = {
      ...REQUEST,
      tools: [{ type: 'web_search_20250305' as const, name: 'web_search' as const, max_uses: 5 }],
    };
    answer(() => jsonResponse(messageBody({ id: 'msg_01e2esearchXq7Lk2Vb9Tz', usage: searched })));
    await client.messages.create(request);
    const { input_tokens, cache_creation_input_tokens } = searched;
    answer(() =>
      sseResponse(
        textStreamEvents({
          id: 'msg_01e2esearchstreamXq7Lk2Vb9Tz',
          startUsage: usageBody({ ...searched, output_tokens: 1, web_search_requests: 0 }),
          deltaUsages: [
            {
              input_tokens,
              cache_creation_input_tokens,
              cache_read_input_tokens: 0,
              output_tokens: 640,
              output_tokens_details: null,
              server_tool_use: { web_search_requests: 3, web_fetch_requests: 0 },
            },
          ],
        }),
      ),
    );
    await client.messages.stream(request).finalMessage();

    await meter.flush();

    // 0.01 + 2100×3/1M + 1000×3.75/1M (5-minute writes) + 4000×6/1M (1-hour writes) + 640×15/1M
    //      + 3 × 0.01 = 0.01 + 0.0063 + 0.00375 + 0.024 + 0.0096 + 0.03 = 0.08365
    // (all writes at 3.75 and no search fee would be 0.04465)
    const byId = new Map(priced.map((event) => [event.event_id.split(':')[1], event]));
    expect(byId.get('msg_01e2esearchXq7Lk2Vb9Tz')?.price.total).toBe('0.08365');
    expect(byId.get('msg_01e2esearchstreamXq7Lk2Vb9Tz')?.price.total).toBe('0.08365');

    const ledger = (await (await admin('/v1/events?limit=10')).json()) as {
      data: { event_id: string; tokens: Record<string, number> }[];
    };
    const rows = new Map(ledger.data.map((row) => [row.event_id.split(':')[1], row]));
    for (const id of ['msg_01e2esearchXq7Lk2Vb9Tz', 'msg_01e2esearchstreamXq7Lk2Vb9Tz']) {
      expect(rows.get(id)?.tokens).toMatchObject({
        input: 7100,
        cache_write: 5000,
        cache_write_1h: 4000,
        output: 640,
        web_search_requests: 3,
      });
    }
  });
});
