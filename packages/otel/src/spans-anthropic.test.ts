import { withMeter } from '@agentmeter/anthropic';
import { deriveEventId } from '@agentmeter/sdk/integration';
import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  createAnthropicServer,
  createClient,
  jsonResponse,
  messageBody,
  REQUEST,
  sseResponse,
  textStreamEvents,
  usageBody,
} from '../../anthropic/src/test-fixtures.js';
import { chargedSpanAttributes, everyValue, instrumentedTestMeter, useProviderMock } from './test-otel.js';

const { server, answer } = createAnthropicServer();
const cleanups = useProviderMock(server);

const OPTIONS = { agent_id: 'support-bot', action: 'reply', customer_id: 'acme' };
const TIER = {
  base_fee: '0.001',
  token_rate_input: '0.0008',
  token_rate_output: '0.004',
  token_rate_cached_input: '0.00008',
  token_rate_cache_write: '0.001',
};
const MODEL = 'claude-haiku-4-5-20251001';

function setup() {
  const { otel, meter } = instrumentedTestMeter(TIER, { semconv: 'v1.41' }, cleanups);
  return { otel, meter, client: withMeter(createClient(), meter, OPTIONS) };
}

/** Where a call of these tests goes and whom it bills (`OPTIONS`), as its span says; `eventId` is the call's event. */
const sentAndBilled = (eventId: string) => ({
  'server.address': 'api.anthropic.com',
  'server.port': 443,
  'agentmeter.agent_id': 'support-bot',
  'agentmeter.action': 'reply',
  'agentmeter.customer_id': 'acme',
  'agentmeter.event_id': eventId,
});

describe('spans of @anthropic-ai/sdk calls', () => {
  it('counts cache reads and writes inside the input, as the conventions require for Anthropic', async () => {
    const usage = {
      input_tokens: 12,
      output_tokens: 77,
      cache_read_input_tokens: 3000,
      cache_creation_input_tokens: 1200,
      thinking_tokens: 30,
    };
    answer(() => jsonResponse(messageBody({ id: 'msg_01XFDUDYJgAACzvnptvVoYEL', usage })));
    const { otel, meter, client } = setup();
    await client.messages.create(REQUEST);
    expect(otel.spans()).toEqual([]);
    await meter.flush();
    const [span] = otel.spans();
    const eventId = deriveEventId('anthropic', 'msg_01XFDUDYJgAACzvnptvVoYEL', 'support-bot', 'reply');
    const price = meter.priceOf(eventId)!.price;
    // 12 + 3000 + 1200 input tokens: 12 × 0.0008/1K + 3000 × 0.00008/1K + 1200 × 0.001/1K; 77 × 0.004/1K.
    expect(price).toEqual({ total: '0.0027576', base: '0.001', tokens: '0.0017576', outcome: '0.00' });
    expect(span?.name).toBe('chat claude-haiku-4-5');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-haiku-4-5',
      'gen_ai.response.model': MODEL,
      'gen_ai.response.id': 'msg_01XFDUDYJgAACzvnptvVoYEL',
      'gen_ai.usage.input_tokens': 4212,
      'gen_ai.usage.output_tokens': 77,
      'gen_ai.usage.cache_read.input_tokens': 3000,
      'gen_ai.usage.cache_creation.input_tokens': 1200,
      'gen_ai.usage.reasoning.output_tokens': 30,
      ...sentAndBilled(eventId),
      ...chargedSpanAttributes({ total: '0.0027576', base: '0.001', tokens: '0.0017576', outcome: '0.00' }),
    });
  });

  it('reads a streamed call’s cumulative usage once, from message_start and the last message_delta', async () => {
    const events = textStreamEvents({
      id: 'msg_01StreamStreamStreamStream',
      startUsage: usageBody({ input_tokens: 25, output_tokens: 1, cache_read_input_tokens: 100 }),
      deltaUsages: [
        { input_tokens: null, output_tokens: 5 },
        { input_tokens: null, output_tokens: 13 },
      ],
    });
    answer(() => sseResponse(events));
    const { otel, meter, client } = setup();
    const stream = await client.messages.create({ ...REQUEST, stream: true });
    for await (const _event of stream) {
      // drained
    }
    await meter.flush();
    expect(otel.spans()).toHaveLength(1);
    const eventId = deriveEventId('anthropic', 'msg_01StreamStreamStreamStream', 'support-bot', 'reply');
    expect(otel.spans()[0]?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-haiku-4-5',
      'gen_ai.request.stream': true,
      'gen_ai.response.model': MODEL,
      'gen_ai.response.id': 'msg_01StreamStreamStreamStream',
      'gen_ai.usage.input_tokens': 125,
      'gen_ai.usage.output_tokens': 13,
      'gen_ai.usage.cache_read.input_tokens': 100,
      ...sentAndBilled(eventId),
      // 0.001 + 25 × 0.0008/1K + 100 × 0.00008/1K + 13 × 0.004/1K
      ...chargedSpanAttributes({ total: '0.00108', base: '0.001', tokens: '0.00008', outcome: '0.00' }),
    });
  });

  it('meters messages.stream() as one span whose values hold nothing of the conversation', async () => {
    const events = textStreamEvents({
      id: 'msg_01HelperHelperHelperHelper',
      startUsage: usageBody({ input_tokens: 9, output_tokens: 1 }),
      deltaUsages: [{ input_tokens: null, output_tokens: 4 }],
      text: ['Bonjour', ' Grace'],
    });
    answer(() => sseResponse(events));
    const { otel, meter, client } = setup();
    const message = await client.messages
      .stream({ ...REQUEST, messages: [{ role: 'user', content: 'Greet Grace Hopper' }] })
      .finalMessage();
    expect(message.content[0]).toMatchObject({ text: 'Bonjour Grace' });
    await meter.flush();
    expect(otel.spans()).toHaveLength(1);
    const values = everyValue(otel.spans()).join('\n');
    for (const secret of ['sk-ant-test', 'Grace', 'Hopper', 'Bonjour']) expect(values).not.toContain(secret);
  });
});
