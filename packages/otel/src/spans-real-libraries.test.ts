// The span processor on spans made by the real instrumentation libraries (OpenLLMetry 0.27.0, OpenInference
// openai 4.2.7, the Anthropic SDK's own tracing) around real clients answering canned provider responses.
import {
  activeSpanContext,
  type CallSpan,
  type NormalizedUsage,
  recordUsage,
} from '@agentmeter/sdk/integration';
import { createTestMeter, type TestMeter } from '@agentmeter/sdk/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentmeterSpanProcessor } from './span-processor.js';
import { otelHarness, useContextManager } from './test-otel.js';
import {
  anthropicClient,
  anthropicFetch,
  anthropicMessage,
  openaiChat,
  openaiClient,
  openaiEmbedding,
  openaiFetch,
  until,
  withLibrary,
} from './test-real-spans.js';

useContextManager();

const TIER = { base_fee: '0.001', token_rate_input: '0.003', token_rate_output: '0.015' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function setup(meter: TestMeter = createTestMeter({ tier: TIER })) {
  const processor = new AgentmeterSpanProcessor(meter);
  const otel = otelHarness([processor]);
  cleanups.push(() => otel.shutdown());
  return { meter, processor, otel, provider: otel.tracerProvider };
}

const countsOf = (meter: TestMeter) =>
  meter.events.map((event) => ({
    model: event.model,
    usage_missing: event.usage_missing ?? false,
    input: event.tokens_input,
    output: event.tokens_output,
    cached: event.tokens_cached_input ?? 0,
  }));

/** Anthropic's own counts: `input_tokens` leaves out the 12,000 tokens read from the cache. */
const CACHED_CALL = { input_tokens: 50, output_tokens: 20, cache_read_input_tokens: 12_000 };
const CACHED_CALL_METERED = {
  model: 'claude-haiku-4-5-20251001',
  usage_missing: false,
  input: 12_050,
  output: 20,
  cached: 12_000,
};

describe('Anthropic calls: the input is what Anthropic bills, cache reads and writes included', () => {
  it.each([false, true])(
    'OpenLLMetry 0.27 copies input_tokens (50) as it is: metered as 50 + 12,000 cache reads (streamed: %s)',
    async (stream) => {
      const { meter, processor, otel, provider } = setup();
      await withLibrary('openllmetry-anthropic', provider, () =>
        anthropicMessage(anthropicClient(anthropicFetch(CACHED_CALL)), stream),
      );
      await processor.forceFlush();
      const [span] = otel.spans();
      expect(span?.instrumentationScope).toMatchObject({
        name: '@traceloop/instrumentation-anthropic',
        version: '0.27.0',
      });
      expect(span?.attributes).toMatchObject({
        'gen_ai.usage.input_tokens': 50,
        'gen_ai.usage.cache_read.input_tokens': 12_000,
        'gen_ai.usage.output_tokens': 20,
      });
      expect(countsOf(meter)).toEqual([CACHED_CALL_METERED]);
    },
  );

  it.each([false, true])(
    'the Anthropic SDK’s own spans already count the cache in: read as they are (streamed: %s)',
    async (stream) => {
      const { meter, processor, otel, provider } = setup();
      await withLibrary('anthropic-sdk-tracing', provider, () =>
        anthropicMessage(anthropicClient(anthropicFetch(CACHED_CALL), provider), stream),
      );
      await processor.forceFlush();
      expect(otel.spans()[0]?.attributes).toMatchObject({
        'gen_ai.usage.input_tokens': 12_050,
        'gen_ai.usage.cache_read.input_tokens': 12_000,
      });
      expect(countsOf(meter)).toEqual([CACHED_CALL_METERED]);
    },
  );

  it('both at once (the SDK’s span inside OpenLLMetry’s): one event, 12,050 input', async () => {
    const { meter, processor, otel, provider } = setup();
    await withLibrary('openllmetry-anthropic', provider, () =>
      anthropicMessage(anthropicClient(anthropicFetch(CACHED_CALL), provider), false),
    );
    await processor.forceFlush();
    expect(otel.spans()).toHaveLength(2);
    expect(countsOf(meter)).toEqual([CACHED_CALL_METERED]);
  });
});

describe('a model call traced without usage is metered as usage_missing, never as nothing', () => {
  it('OpenLLMetry’s streamed OpenAI chat carries no counts: usage_missing, and one warning naming the library', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { meter, processor, otel, provider } = setup();
    const client = openaiClient(openaiFetch());
    await withLibrary('openllmetry-openai', provider, async () => {
      await openaiChat(client, false);
      await openaiChat(client, true);
      await openaiChat(client, true);
    });
    await processor.forceFlush();
    // The provider sent the counts in the stream's last chunk; the span has none of them.
    const streamed = otel.spans()[1];
    expect(Object.keys(streamed?.attributes ?? {}).filter((key) => key.includes('usage'))).toEqual([]);
    expect(countsOf(meter)).toEqual([
      { model: 'gpt-4o-mini-2024-07-18', usage_missing: false, input: 19, output: 10, cached: 0 },
      { model: 'gpt-4o-mini-2024-07-18', usage_missing: true, input: 0, output: 0, cached: 0 },
      { model: 'gpt-4o-mini-2024-07-18', usage_missing: true, input: 0, output: 0, cached: 0 },
    ]);
    expect(meter.events[1]?.metadata).toMatchObject({ 'agentmeter.usage_incomplete': true });
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]?.[0]);
    expect(message).toContain('@traceloop/instrumentation-openai');
    expect(message).toContain('usage_missing');
    expect(message).toContain('@agentmeter/openai');
    expect(message).toContain('enrichTokens');
  });

  it('OpenInference’s streamed chat and its embeddings carry no counts: usage_missing each, one warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { meter, processor, otel, provider } = setup();
    const client = openaiClient(openaiFetch());
    await withLibrary('openinference-openai', provider, async () => {
      await openaiChat(client, true);
      await openaiEmbedding(client);
    });
    await until(() => otel.spans().length, 2);
    await processor.forceFlush();
    expect(countsOf(meter).sort((a, b) => String(a.model).localeCompare(String(b.model)))).toEqual([
      { model: 'gpt-4o-mini', usage_missing: true, input: 0, output: 0, cached: 0 },
      { model: 'text-embedding-3-small', usage_missing: true, input: 0, output: 0, cached: 0 },
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('@arizeai/openinference-instrumentation-openai');
  });
});

/**
 * What a provider wrapper does: reads the span active when the client sends its request (the
 * instrumentation's call span), and meters the call with it as the event's link.
 */
function linkingFetch(inner: ReturnType<typeof openaiFetch>, seen: { span?: CallSpan }) {
  return async (input: string | URL | Request, init?: RequestInit) => {
    seen.span = activeSpanContext();
    return inner(input, init);
  };
}

describe('a call an agentmeter layer metered is not metered again from its span', () => {
  it.each([false, true])(
    '200 calls through a wrapper, OpenInference (no response id on its spans) and the processor: 200 events (streamed: %s)',
    async (stream) => {
      const meter = createTestMeter({ tier: TIER });
      const { processor, otel, provider } = setup(meter);
      const seen: { span?: CallSpan } = {};
      const client = openaiClient(linkingFetch(openaiFetch(), seen));
      await withLibrary('openinference-openai', provider, async () => {
        for (let call = 0; call < 200; call++) {
          seen.span = undefined;
          const startedAt = Date.now();
          await openaiChat(client, stream);
          // Set by the fetch, which TypeScript cannot see.
          const span = seen.span as CallSpan | undefined;
          const usage: NormalizedUsage = {
            provider: 'openai',
            operation: 'chat',
            requestModel: 'gpt-4o-mini',
            inputTokens: 19,
            outputTokens: 10,
            cachedInputTokens: 0,
            cacheWriteTokens: 0,
            reasoningTokens: 0,
            startedAt,
            complete: true,
            streamed: stream,
            ...(span ? { traceId: span.traceId, spanId: span.spanId } : {}),
          };
          recordUsage(meter, usage, { agent_id: 'wrapper', action: 'answer' }, { layer: 'provider' });
        }
      });
      await until(() => otel.spans().length, 200);
      await processor.forceFlush();
      expect(otel.spans()).toHaveLength(200);
      expect(meter.events).toHaveLength(200);
      expect(meter.events.every((event) => event.agent_id === 'wrapper')).toBe(true);
      // Each event names the OpenInference span its request was sent in.
      const spanIds = new Set(otel.spans().map((span) => span.spanContext().spanId));
      expect(meter.events.filter((event) => spanIds.has(event.call?.span_id ?? ''))).toHaveLength(200);
    },
    60_000,
  );
});
