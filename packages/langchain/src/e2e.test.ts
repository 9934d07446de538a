// End to end: LangChain's real ChatAnthropic (its API answered by msw) → AgentmeterCallbackHandler →
// the real Meter → the real server (in-process, SQLite file) → the server's price.
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PER_MILLION_TIER, useMeteringServer } from '../../../test/support/metering-server.js';
import {
  createAnthropicServer,
  deltaUsage,
  jsonResponse,
  messageBody,
  sseResponse,
  textStreamEvents,
  usageBody,
} from '../../anthropic/src/test-fixtures.js';
import { AgentmeterCallbackHandler } from './handler.js';
import { chatAnthropic, lastUserText } from './test-support/chat-models.js';

// 1-hour cache writes at twice the input rate, and $10 per thousand web searches.
const metering = useMeteringServer('langchain', {
  ...PER_MILLION_TIER,
  token_rate_cache_write_1h: '6',
  web_search_request_fee: '0.01',
});
const { server, answer } = createAnthropicServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('end to end', () => {
  it('prices a cached call and a streamed call exactly as the tier says', async () => {
    const { meter, priced, admin } = metering;
    answer((body) =>
      lastUserText(body) === 'cached'
        ? jsonResponse(
            messageBody({
              id: 'msg_lc_e2e_cachedK7wQ2xZp9LrT4mNb',
              model: 'claude-sonnet-4-5',
              usage: {
                input_tokens: 200,
                output_tokens: 150,
                cache_creation_input_tokens: 3000,
                cache_read_input_tokens: 9000,
              },
            }),
          )
        : sseResponse(
            textStreamEvents({
              id: 'msg_lc_e2e_streamK7wQ2xZp9LrT4mNb',
              model: 'claude-sonnet-4-5',
              startUsage: usageBody({ input_tokens: 2000, output_tokens: 1 }),
              deltaUsages: [deltaUsage({ output_tokens: 400 })],
              text: ['o', 'k'],
            }),
          ),
    );
    const model = chatAnthropic();
    const handler = new AgentmeterCallbackHandler(meter, { agent_id: 'support-bot', action: 'reply' });

    await meter.withContext({ customer_id: 'cus_acme' }, () =>
      model.invoke('cached', { callbacks: [handler] }),
    );
    for await (const _ of await model.stream('stream', {
      callbacks: [handler],
      metadata: { agentmeter_customer_id: 'cus_globex' },
    })) {
      // consume
    }
    // The serverless sequence from the README.
    await awaitAllCallbacks();
    await meter.flush();

    // 0.01 + 200×3/1M + 9000×0.3/1M + 3000×3.75/1M + 150×15/1M = 0.01 + 0.0006 + 0.0027 + 0.01125 + 0.00225
    // 0.01 + 2000×3/1M + 401×15/1M (message_start's 1 + message_delta's 400, as LangChain merges them)
    const byId = new Map(priced.map((event) => [event.event_id.split(':')[1], event]));
    expect(byId.get('msg_lc_e2e_cachedK7wQ2xZp9LrT4mNb')?.price).toMatchObject({
      total: '0.0268',
      base: '0.01',
    });
    expect(byId.get('msg_lc_e2e_streamK7wQ2xZp9LrT4mNb')?.price).toMatchObject({
      total: '0.022015',
      base: '0.01',
    });
    expect(priced).toHaveLength(2);

    const ledger = (await (await admin('/v1/events?limit=10')).json()) as {
      data: { event_id: string; customer_id: string; tokens: Record<string, number> }[];
    };
    const rows = new Map(ledger.data.map((row) => [row.event_id.split(':')[1], row]));
    expect(rows.get('msg_lc_e2e_cachedK7wQ2xZp9LrT4mNb')).toMatchObject({
      customer_id: 'cus_acme',
      tokens: { input: 12_200, cached_input: 9000, cache_write: 3000, output: 150 },
    });
    expect(rows.get('msg_lc_e2e_streamK7wQ2xZp9LrT4mNb')).toMatchObject({
      customer_id: 'cus_globex',
      tokens: { input: 2000, output: 401 },
    });
  });

  it("prices 1-hour cache writes and web searches at the tier's rate and fee", async () => {
    const { meter, priced, admin } = metering;
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_lc_e2e_searchK7wQ2xZp9LrT4mNb',
          model: 'claude-sonnet-4-5',
          usage: {
            input_tokens: 2100,
            output_tokens: 640,
            cache_creation_input_tokens: 5000,
            cache_read_input_tokens: 0,
            cache_write_1h: 4000,
            web_search_requests: 3,
          },
        }),
      ),
    );
    const model = chatAnthropic();
    const handler = new AgentmeterCallbackHandler(meter, { agent_id: 'research-bot', action: 'search' });

    await model.invoke('search', { callbacks: [handler] });
    await awaitAllCallbacks();
    await meter.flush();

    // 0.01 + 2100×3/1M + 1000×3.75/1M (5-minute writes) + 4000×6/1M (1-hour writes) + 640×15/1M
    //      + 3 × 0.01 = 0.01 + 0.0063 + 0.00375 + 0.024 + 0.0096 + 0.03 = 0.08365
    const byId = new Map(priced.map((event) => [event.event_id.split(':')[1], event]));
    expect(byId.get('msg_lc_e2e_searchK7wQ2xZp9LrT4mNb')?.price.total).toBe('0.08365');
    const ledger = (await (await admin('/v1/events?limit=10')).json()) as {
      data: { event_id: string; tokens: Record<string, number> }[];
    };
    const row = ledger.data.find((event) => event.event_id.includes('msg_lc_e2e_searchK7wQ2xZp9LrT4mNb'));
    expect(row?.tokens).toMatchObject({
      input: 7100,
      cache_write: 5000,
      cache_write_1h: 4000,
      output: 640,
      web_search_requests: 3,
    });
  });
});
