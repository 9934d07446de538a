import { withMeter } from '@agentmeter/openai';
import { deriveEventId } from '@agentmeter/sdk/integration';
import { createTestMeter } from '@agentmeter/sdk/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import {
  BASE_URL,
  CHAT_ID,
  CHAT_MODEL,
  chatHandler,
  createMockServer,
  embeddingsHandler,
  errorHandler,
  newClient,
  usage,
  VERSIONS,
} from '../../openai/src/test-fixtures.js';
import { instrumentMeter } from './instrument-meter.js';
import {
  chargedSpanAttributes,
  everyValue,
  instrumentedTestMeter,
  otelHarness,
  useProviderMock,
} from './test-otel.js';

const server = createMockServer();
const cleanups = useProviderMock(server);

const DEFAULTS = { agent_id: 'support-bot', action: 'answer' };
const TIER = { base_fee: '0.002', token_rate_input: '0.003', token_rate_output: '0.015' };
const messages = [{ role: 'user' as const, content: 'Say hello to Ada Lovelace.' }];
const toMs = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6;

function setup(OpenAI: (typeof VERSIONS)[number]['OpenAI'], options: { captureContent?: boolean } = {}) {
  const { otel, meter, instrumentation } = instrumentedTestMeter(TIER, { semconv: 'v1.41' }, cleanups);
  const openai = withMeter(newClient(OpenAI), meter, { ...DEFAULTS, ...options });
  return { otel, meter, instrumentation, openai };
}

const byName = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);

describe.each(VERSIONS)('spans of openai calls ($version)', ({ OpenAI }) => {
  it('is one CLIENT span per chat call, in the caller’s trace, open until the price arrives', async () => {
    server.use(chatHandler({ usage: usage(19, 10) }));
    const { otel, meter, openai } = setup(OpenAI);
    const tracer = otel.tracerProvider.getTracer('app');
    const before = Date.now();
    const parent = await tracer.startActiveSpan('handle request', async (span) => {
      await openai.chat.completions.create({ model: 'gpt-4.1', messages });
      span.end();
      return span;
    });
    const after = Date.now();
    // The call is over, its price is not known yet: the span waits for it.
    expect(byName(otel.spans(), 'chat gpt-4.1')).toEqual([]);

    await meter.flush();
    const [span] = byName(otel.spans(), 'chat gpt-4.1');
    const eventId = deriveEventId('openai', CHAT_ID, 'support-bot', 'answer');
    const price = meter.priceOf(eventId)!.price;
    expect(price).toEqual({ total: '0.002207', base: '0.002', tokens: '0.000207', outcome: '0.00' });
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.instrumentationScope.name).toBe('@agentmeter/otel');
    expect(span?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4.1',
      'gen_ai.response.model': CHAT_MODEL,
      'gen_ai.response.id': CHAT_ID,
      'gen_ai.usage.input_tokens': 19,
      'gen_ai.usage.output_tokens': 10,
      'server.address': 'api.openai.com',
      'server.port': 443,
      'agentmeter.agent_id': 'support-bot',
      'agentmeter.action': 'answer',
      'agentmeter.event_id': eventId,
      ...chargedSpanAttributes(price),
    });
    // The call's own times, not the time the price arrived.
    const start = toMs(span!.startTime);
    const end = toMs(span!.endTime);
    expect(start).toBeGreaterThanOrEqual(before);
    expect(end).toBeGreaterThanOrEqual(start);
    expect(end).toBeLessThanOrEqual(after + 1);
    expect(span?.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });

  it('marks a streamed call and reads its usage from the final chunk', async () => {
    server.use(
      chatHandler({
        id: `${CHAT_ID}s`,
        usage: usage(2006, 300, { cached: 1920, cacheWrite: 64, reasoning: 192 }),
      }),
    );
    const { otel, meter, openai } = setup(OpenAI);
    const stream = await openai.chat.completions.create({ model: 'o4-mini', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello! How can I help?');
    await meter.flush();
    const [span] = otel.spans();
    expect(otel.spans()).toHaveLength(1);
    expect(span?.name).toBe('chat o4-mini');
    const eventId = deriveEventId('openai', `${CHAT_ID}s`, 'support-bot', 'answer');
    const price = meter.priceOf(eventId)!.price;
    expect(span?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'o4-mini',
      'gen_ai.request.stream': true,
      'gen_ai.response.model': CHAT_MODEL,
      'gen_ai.response.id': `${CHAT_ID}s`,
      'gen_ai.usage.input_tokens': 2006,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 1920,
      'gen_ai.usage.cache_creation.input_tokens': 64,
      'gen_ai.usage.reasoning.output_tokens': 192,
      'server.address': 'api.openai.com',
      'server.port': 443,
      'agentmeter.agent_id': 'support-bot',
      'agentmeter.action': 'answer',
      'agentmeter.event_id': eventId,
      ...chargedSpanAttributes({
        total: price.total,
        base: price.base,
        tokens: price.tokens,
        outcome: '0.00',
      }),
    });
    // 0.002 + 2006 × 0.003/1K + 300 × 0.015/1K
    expect(price.total).toBe('0.012518');
    expect(span?.attributes['gen_ai.usage.cache_write.input_tokens']).toBeUndefined();
  });

  it('names an embeddings span after its model and gives it no output count', async () => {
    server.use(embeddingsHandler(8));
    const { otel, meter, openai } = setup(OpenAI);
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    await meter.flush();
    const [span] = otel.spans();
    expect(span?.name).toBe('embeddings text-embedding-3-small');
    expect(span?.attributes['gen_ai.operation.name']).toBe('embeddings');
    expect(span?.attributes['gen_ai.usage.input_tokens']).toBe(8);
    expect(span?.attributes).not.toHaveProperty('gen_ai.usage.output_tokens');
  });

  it('records a failed call metered with meterErrors as an error span with error.type', async () => {
    server.use(errorHandler('/chat/completions', 429, 'rate_limit_exceeded', 'Slow down'));
    const otel = otelHarness();
    const meter = createTestMeter({ tier: TIER });
    const instrumentation = instrumentMeter(meter, {
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
    });
    cleanups.push(() => instrumentation.shutdown());
    const openai = withMeter(newClient(OpenAI), meter, { ...DEFAULTS, meterErrors: true });
    await expect(openai.chat.completions.create({ model: 'gpt-4.1', messages })).rejects.toThrow();
    await meter.flush();
    const [span] = otel.spans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    // The API's error type; a 429 answer billed nothing, so its zero tokens are complete.
    expect(span?.attributes).toMatchObject({
      'error.type': 'rate_limit_exceeded',
      'gen_ai.usage.input_tokens': 0,
    });
    // Only an incomplete count is marked.
    expect(span?.attributes).not.toHaveProperty(['agentmeter.usage.complete']);
    await otel.shutdown();
  });

  it('puts no API key, prompt or completion on a span, even when the event captures content', async () => {
    server.use(chatHandler({ usage: usage(19, 10), content: 'Hello, Ada! Nice to meet you.' }));
    const { otel, meter, openai } = setup(OpenAI, { captureContent: true });
    await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    await meter.flush();
    // The event itself carries the content (the caller opted in)…
    expect(JSON.stringify(meter.events[0]?.metadata)).toContain('Ada Lovelace');
    // …its span does not.
    const values = everyValue(otel.spans()).join('\n');
    expect(values).toContain('gen_ai.usage.input_tokens');
    for (const secret of ['sk-test-not-a-real-key', 'Ada', 'Lovelace', 'Nice to meet you', BASE_URL]) {
      expect(values).not.toContain(secret);
    }
  });
});
