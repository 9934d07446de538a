// End to end: the real @anthropic-ai/sdk client (its HTTP answered by msw) → withMeter → the real
// Meter → the real server (in-process, SQLite file) → the server's price.
import { describe, expect, it } from 'vitest';
import { useMeteringServer } from '../../../test/support/metering-server.js';
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

const metering = useMeteringServer('anthropic');
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
});
