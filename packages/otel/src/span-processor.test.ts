import { withMeter } from '@agentmeter/openai';
import { type NormalizedUsage, recordUsage } from '@agentmeter/sdk/integration';
import { createTestMeter, type TestMeter } from '@agentmeter/sdk/testing';
import type { LanguageModelV2, LanguageModelV2StreamPart, LanguageModelV3 } from '@ai-sdk/provider';
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MOCK_SPECIFICATION, mockModel } from '../../ai-sdk/src/test-support/mock-model.js';
import {
  streamOf,
  textParts,
  textResult,
  toolCallResult,
  v3Usage,
} from '../../ai-sdk/src/test-support/parts.js';
import { chatHandler, createMockServer, newClient, usage } from '../../openai/src/test-fixtures.js';
import { instrumentMeter } from './instrument-meter.js';
import { AgentmeterSpanProcessor } from './span-processor.js';
import { otelHarness } from './test-otel.js';
import { SCENARIOS } from './test-spans.js';
import type { AgentmeterSpanProcessorOptions } from './types.js';

const TIER = { base_fee: '0.001', token_rate_input: '0.003', token_rate_output: '0.015' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function setup(
  options: AgentmeterSpanProcessorOptions = {},
  meter: TestMeter = createTestMeter({ tier: TIER }),
) {
  const processor = new AgentmeterSpanProcessor(meter, options);
  const otel = otelHarness([processor]);
  cleanups.push(() => otel.shutdown());
  return { meter, processor, otel, provider: otel.tracerProvider };
}

const tokensOf = (meter: TestMeter) =>
  meter.events.map((event) => ({
    provider: event.provider,
    model: event.model,
    ...(event.usage_missing ? { usage_missing: event.usage_missing } : {}),
    tokens_input: event.tokens_input,
    tokens_output: event.tokens_output,
    ...(event.tokens_cached_input ? { tokens_cached_input: event.tokens_cached_input } : {}),
    ...(event.tokens_cache_write ? { tokens_cache_write: event.tokens_cache_write } : {}),
    ...(event.tokens_reasoning ? { tokens_reasoning: event.tokens_reasoning } : {}),
  }));

describe('spans from other instrumentations become exactly one meter event per model call', () => {
  it.each(SCENARIOS)('$name', async (scenario) => {
    const { meter, processor, provider } = setup();
    scenario.emit(provider);
    await processor.forceFlush();
    expect(meter.errors).toEqual([]);
    expect(tokensOf(meter)).toEqual(scenario.expected);
    for (const event of meter.events) {
      expect(event).toMatchObject({ agent_id: 'support-bot' });
      expect(['chat', 'embeddings']).toContain(event.action);
      expect(event.metadata).toEqual({
        'otel.trace_id': expect.stringMatching(/^[0-9a-f]{32}$/),
        'otel.span_id': expect.stringMatching(/^[0-9a-f]{16}$/),
        ...(event.usage_missing ? { 'agentmeter.usage_incomplete': true } : {}),
      });
      // The event names its span, so the server knows that span (exported to it too) was metered.
      expect(event.call).toMatchObject({
        trace_id: event.metadata?.['otel.trace_id'],
        span_id: event.metadata?.['otel.span_id'],
      });
    }
  });

  it('decides a parent that ends in a later batch than its child: still only the child', async () => {
    const { meter, processor, provider } = setup();
    const tracer = provider.getTracer('@traceloop/instrumentation-langchain');
    const parent = tracer.startSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT });
    const inner = provider.getTracer('@traceloop/instrumentation-openai').startSpan(
      'chat gpt-4o-mini',
      {
        kind: SpanKind.CLIENT,
        attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 7 },
      },
      trace.setSpan(context.active(), parent),
    );
    inner.end();
    await processor.forceFlush();
    parent.setAttributes({ 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 7 });
    parent.end();
    await processor.forceFlush();
    expect(tokensOf(meter).map((event) => event.tokens_input)).toEqual([7]);
  });

  it('meters a call once when its outer span ends (and is decided) before its inner one', async () => {
    const { meter, processor, provider } = setup();
    const outer = provider.getTracer('@traceloop/instrumentation-langchain').startSpan('chat gpt-4o-mini', {
      kind: SpanKind.CLIENT,
      attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 7 },
    });
    const inner = provider.getTracer('@traceloop/instrumentation-openai').startSpan(
      'chat gpt-4o-mini',
      {
        kind: SpanKind.CLIENT,
        attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 8 },
      },
      trace.setSpan(context.active(), outer),
    );
    outer.end();
    await processor.forceFlush();
    inner.end();
    await processor.forceFlush();
    expect(tokensOf(meter).map((event) => event.tokens_input)).toEqual([7]);
  });

  it('meters each step of a real AI SDK tool run, and a streamed call, but never the ai.generateText sums', async () => {
    const { meter, processor, provider } = setup();
    const tracer = provider.getTracer('ai');
    const model = mockModel({
      provider: 'anthropic.messages',
      modelId: 'claude-sonnet-4-5',
      doGenerate: [
        toolCallResult(
          'lookup',
          { q: 'otel' },
          v3Usage({ input: 100, output: 20, cacheRead: 60, cacheWrite: 25 }),
          {
            id: 'msg_01AiSdkStepOneQ7xK2pVz9L',
            modelId: 'claude-sonnet-4-5-20250929',
          },
        ),
        textResult('done', v3Usage({ input: 230, output: 15 }), {
          id: 'msg_01AiSdkStepTwoQ7xK2pVz9L',
          modelId: 'claude-sonnet-4-5-20250929',
        }),
      ],
      doStream: {
        stream: streamOf(
          textParts(['o', 'k'], v3Usage({ input: 30, output: 2 }), {
            id: 'msg_01AiSdkStreamQ7xK2pVz9L',
            modelId: 'claude-sonnet-4-5-20250929',
          }),
        ),
      },
    });
    const result = await generateText({
      model,
      prompt: 'look it up',
      tools: {
        lookup: tool({
          inputSchema: jsonSchema<{ q: string }>({ type: 'object' }),
          execute: async () => 'found',
        }),
      },
      stopWhen: stepCountIs(3),
      experimental_telemetry: { isEnabled: true, tracer },
    });
    // ai's own sum over both steps (its input sum depends on the line: ai 5 leaves Anthropic's cache reads out).
    expect(result.totalUsage.outputTokens).toBe(35);
    await streamText({
      model,
      prompt: 'stream',
      experimental_telemetry: { isEnabled: true, tracer },
    }).consumeStream();
    await processor.forceFlush();
    expect(tokensOf(meter)).toEqual([
      {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        tokens_input: 100,
        tokens_output: 20,
        tokens_cached_input: 60,
        tokens_cache_write: 25,
      },
      { provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', tokens_input: 230, tokens_output: 15 },
      { provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', tokens_input: 30, tokens_output: 2 },
    ]);
    expect(meter.events.map((event) => event.event_id?.split(':')[1])).toEqual([
      'msg_01AiSdkStepOneQ7xK2pVz9L',
      'msg_01AiSdkStepTwoQ7xK2pVz9L',
      'msg_01AiSdkStreamQ7xK2pVz9L',
    ]);
  });

  // OpenAI's usage as the AI SDK reports it: the input includes the cached tokens, the output the reasoning.
  const openaiUsage = v3Usage({ input: 2000, cacheRead: 1536, output: 500, reasoning: 384 });
  const openaiCounts = {
    provider: 'openai',
    model: 'gpt-5-mini-2025-08-07',
    tokens_input: 2000,
    tokens_output: 500,
    tokens_cached_input: 1536,
    tokens_reasoning: 384,
  };

  it("reads a streamed step's cache and reasoning counts off its doStream span", async () => {
    const { meter, processor, provider } = setup();
    const model = mockModel({
      provider: 'openai.responses',
      modelId: 'gpt-5-mini',
      doStream: {
        stream: streamOf(
          textParts(['o', 'k'], openaiUsage, {
            id: 'resp_01AiSdkStreamQ7xK2pVz9L',
            modelId: 'gpt-5-mini-2025-08-07',
          }),
        ),
      },
    });
    await streamText({
      model,
      prompt: 'stream',
      experimental_telemetry: { isEnabled: true, tracer: provider.getTracer('ai') },
    }).consumeStream();
    await processor.forceFlush();
    expect(tokensOf(meter)).toEqual([openaiCounts]);
  });

  // ai 5 (the line whose models are V2) records a generated step's cache and reasoning counts on no span
  // attribute: its doGenerate spans carry the input and output counts only (its doStream spans carry them
  // all). ai 6 records them on both.
  it.runIf(MOCK_SPECIFICATION !== 'v2')(
    "reads a generated step's cache and reasoning counts off its doGenerate span",
    async () => {
      const { meter, processor, provider } = setup();
      const model = mockModel({
        provider: 'openai.responses',
        modelId: 'gpt-5-mini',
        doGenerate: textResult('ok', openaiUsage, {
          id: 'resp_01AiSdkGenerateQ7xK2pVz9L',
          modelId: 'gpt-5-mini-2025-08-07',
        }),
      });
      await generateText({
        model,
        prompt: 'generate',
        experimental_telemetry: { isEnabled: true, tracer: provider.getTracer('ai') },
      });
      await processor.forceFlush();
      expect(tokensOf(meter)).toEqual([openaiCounts]);
    },
  );

  // V2 providers (@ai-sdk/anthropic 2, @ai-sdk/google 2: ai 5's, which ai 6 still takes) report Anthropic's
  // input without the cache and Google's output without the reasoning; the spans keep those counts, and the
  // provider's own usage in their copy of the provider metadata.
  it.each([
    [
      'anthropic.messages',
      { inputTokens: 400, outputTokens: 90, totalTokens: 490, cachedInputTokens: 9000 },
      {
        anthropic: {
          usage: {
            input_tokens: 400,
            output_tokens: 90,
            cache_read_input_tokens: 9000,
            cache_creation_input_tokens: 3000,
          },
          cacheCreationInputTokens: 3000,
        },
      },
      { tokens_input: 12_400, tokens_output: 90, tokens_cached_input: 9000, tokens_cache_write: 3000 },
    ],
    [
      'google.generative-ai',
      {
        inputTokens: 1200,
        outputTokens: 80,
        totalTokens: 1880,
        reasoningTokens: 600,
        cachedInputTokens: 1000,
      },
      {
        google: {
          usageMetadata: {
            promptTokenCount: 1200,
            cachedContentTokenCount: 1000,
            candidatesTokenCount: 80,
            thoughtsTokenCount: 600,
            totalTokenCount: 1880,
          },
        },
      },
      { tokens_input: 1200, tokens_output: 680, tokens_cached_input: 1000, tokens_reasoning: 600 },
    ],
  ])(
    'a V2 provider (%s): its counts as it bills them, generated and streamed',
    async (name, v2Usage, metadata, expected) => {
      const { meter, processor, provider } = setup();
      const response = (call: string) => ({
        id: `resp_01V2${call}Q7xK2pVz9L${name.length}`,
        modelId: 'model-v2',
      });
      const model: LanguageModelV2 = {
        specificationVersion: 'v2',
        provider: name,
        modelId: 'model-v2',
        supportedUrls: {},
        doGenerate: async () => ({
          content: [{ type: 'text', text: 'ok' }],
          finishReason: 'stop',
          usage: v2Usage,
          warnings: [],
          response: response('Generated'),
          providerMetadata: metadata,
        }),
        doStream: async () => ({
          stream: streamOf<LanguageModelV2StreamPart>([
            { type: 'stream-start', warnings: [] },
            { type: 'response-metadata', ...response('Streamed') },
            { type: 'text-start', id: 't' },
            { type: 'text-delta', id: 't', delta: 'ok' },
            { type: 'text-end', id: 't' },
            { type: 'finish', finishReason: 'stop', usage: v2Usage, providerMetadata: metadata },
          ]),
        }),
      };
      const telemetry = { isEnabled: true, tracer: provider.getTracer('ai') };
      await generateText({
        model: model as unknown as LanguageModelV3,
        prompt: 'a',
        experimental_telemetry: telemetry,
      });
      await streamText({
        model: model as unknown as LanguageModelV3,
        prompt: 'b',
        experimental_telemetry: telemetry,
      }).consumeStream();
      await processor.forceFlush();
      const counts = { provider: name.split('.')[0], model: 'model-v2', ...expected };
      expect(tokensOf(meter)).toEqual([counts, counts]);
    },
  );
});

describe('a call metered by agentmeter already is not metered again', () => {
  const server = createMockServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  it('skips a span of a call the @agentmeter/openai wrapper metered (same response id)', async () => {
    server.use(chatHandler({ id: 'chatcmpl-WrappedAndTracedToo000000001', usage: usage(19, 10) }));
    const { meter, processor, provider } = setup();
    const openai = withMeter(newClient(OpenAI), meter, { agent_id: 'support-bot', action: 'answer' });
    const span = provider
      .getTracer('@traceloop/instrumentation-openai')
      .startSpan('chat gpt-4.1', { kind: SpanKind.CLIENT, attributes: { 'gen_ai.provider.name': 'openai' } });
    const completion = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: 'hi' }],
    });
    span.setAttributes({
      'gen_ai.response.id': completion.id,
      'gen_ai.usage.input_tokens': 19,
      'gen_ai.usage.output_tokens': 10,
    });
    span.end();
    await processor.forceFlush();
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({ action: 'answer', tokens_input: 19 });
  });

  it('ignores the spans instrumentMeter() makes, on the same tracer provider', async () => {
    server.use(chatHandler({ usage: usage(19, 10) }));
    const meter = createTestMeter({ tier: TIER });
    const { processor, provider, otel } = setup({}, meter);
    const instrumentation = instrumentMeter(meter, { tracerProvider: provider });
    cleanups.push(() => instrumentation.shutdown());
    const openai = withMeter(newClient(OpenAI), meter, { agent_id: 'support-bot', action: 'answer' });
    await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
    await meter.flush();
    await processor.forceFlush();
    expect(otel.spans().map((span) => span.instrumentationScope.name)).toEqual(['@agentmeter/otel']);
    expect(meter.events).toHaveLength(1);
  });

  it('skips a sibling span of another instrumentation reporting the same response id', async () => {
    const { meter, processor, provider } = setup();
    for (const scope of ['@traceloop/instrumentation-langchain', '@traceloop/instrumentation-openai']) {
      provider
        .getTracer(scope)
        .startSpan('chat gpt-4o', {
          kind: SpanKind.CLIENT,
          attributes: {
            'gen_ai.provider.name': 'openai',
            'gen_ai.response.id': 'chatcmpl-SiblingSiblingSibling000001',
            'gen_ai.usage.input_tokens': 5,
            'gen_ai.usage.output_tokens': 1,
          },
        })
        .end();
    }
    await processor.forceFlush();
    expect(meter.events).toHaveLength(1);
  });
});

/** A chat span as OpenLLMetry's OpenAI instrumentation makes it; without `usage`, as its streamed calls end. */
function chatSpan(
  provider: ReturnType<typeof setup>['provider'],
  options: { id?: string; usage?: [number, number]; parent?: Span; scope?: string } = {},
): Span {
  const span = provider.getTracer(options.scope ?? '@traceloop/instrumentation-openai').startSpan(
    'chat gpt-4o-mini',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
      },
    },
    options.parent ? trace.setSpan(context.active(), options.parent) : context.active(),
  );
  if (options.id) span.setAttribute('gen_ai.response.id', options.id);
  if (options.usage)
    span.setAttributes({
      'gen_ai.usage.input_tokens': options.usage[0],
      'gen_ai.usage.output_tokens': options.usage[1],
    });
  return span;
}

describe('response ids that repeat never merge two calls', () => {
  it('5 calls answered with the same constant id (a test server, a proxy) are 5 events', async () => {
    const { meter, processor, provider } = setup();
    for (let call = 0; call < 5; call++) chatSpan(provider, { id: 'chatcmpl-123', usage: [10, 2] }).end();
    await processor.forceFlush();
    expect(meter.events).toHaveLength(5);
  });

  it('300 calls with Ollama’s counting ids (chatcmpl-0 … chatcmpl-49, again and again) are 300 events', async () => {
    const { meter, processor, provider } = setup();
    for (let call = 0; call < 300; call++)
      chatSpan(provider, { id: `chatcmpl-${(call * 7) % 50}`, usage: [10, 2] }).end();
    await processor.forceFlush();
    expect(meter.events).toHaveLength(300);
  });
});

describe('the span of a call an agentmeter layer metered is not metered again', () => {
  /** What a wrapper records: the call's usage, linked to the span its request was sent in. */
  function meterAsWrapper(meter: TestMeter, span: Span) {
    const usage: NormalizedUsage = {
      provider: 'openai',
      operation: 'chat',
      inputTokens: 19,
      outputTokens: 10,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      complete: true,
      streamed: false,
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
    };
    recordUsage(meter, usage, { agent_id: 'wrapper', action: 'answer' }, { layer: 'provider' });
  }

  it('skips the linked span, with or without usage, and a framework span with usage above it', async () => {
    const { meter, processor, provider } = setup();
    // LangChain's span (with the counts) over the SDK span the wrapper's request was sent in.
    const framework = chatSpan(provider, { scope: '@traceloop/instrumentation-langchain', usage: [19, 10] });
    const inner = chatSpan(provider, { parent: framework });
    meterAsWrapper(meter, inner);
    inner.end();
    framework.end();
    const withCounts = chatSpan(provider, { usage: [19, 10] });
    meterAsWrapper(meter, withCounts);
    withCounts.end();
    await processor.forceFlush();
    expect(meter.events.map((event) => event.agent_id)).toEqual(['wrapper', 'wrapper']);
  });

  it('a linked caller span (no instrumentation on that client) does not hide another call inside it', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { meter, processor, provider } = setup();
    const step = provider.getTracer('app').startSpan('handle request');
    meterAsWrapper(meter, step);
    chatSpan(provider, { parent: step }).end();
    chatSpan(provider, { parent: step, usage: [5, 1] }).end();
    step.end();
    await processor.forceFlush();
    expect(meter.events.map((event) => [event.agent_id, event.tokens_input, event.usage_missing])).toEqual([
      ['wrapper', 19, undefined],
      ['support-bot', 0, true],
      ['support-bot', 5, undefined],
    ]);
  });
});

describe('calls without usage', () => {
  it('under a framework span with the counts: one event, with the counts', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { meter, processor, provider } = setup();
    const framework = chatSpan(provider, { scope: '@traceloop/instrumentation-langchain', usage: [30, 8] });
    chatSpan(provider, { parent: framework }).end();
    framework.end();
    // Without the counts anywhere, the innermost call stands for both.
    const outer = chatSpan(provider, { scope: '@traceloop/instrumentation-langchain' });
    chatSpan(provider, { parent: outer }).end();
    outer.end();
    await processor.forceFlush();
    expect(meter.events.map((event) => [event.tokens_input, event.usage_missing])).toEqual([
      [30, undefined],
      [0, true],
    ]);
  });

  it('never takes an HTTP span, or a span of another API, for a model call', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { meter, processor, provider } = setup();
    const tracer = provider.getTracer('com.anthropic.sdk.typescript');
    const spans: [string, Record<string, string | number>][] = [
      ['POST', { 'http.request.method': 'POST', 'url.full': 'https://api.openai.com/v1/chat/completions' }],
      [
        'anthropic.files.list',
        {
          'gen_ai.provider.name': 'anthropic',
          'http.request.method': 'GET',
          'server.address': 'api.anthropic.com',
        },
      ],
      [
        'anthropic.messages.count_tokens',
        { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude' },
      ],
      // A marker but neither a provider nor a model.
      ['chat', { 'gen_ai.operation.name': 'chat' }],
      // A workflow span is never a call.
      [
        'workflow',
        { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'x', 'traceloop.span.kind': 'workflow' },
      ],
    ];
    for (const [name, attributes] of spans)
      tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }).end();
    await processor.forceFlush();
    expect(meter.events).toEqual([]);
  });
});

describe('attribution', () => {
  const callSpan = (
    provider: ReturnType<typeof setup>['provider'],
    attributes: Record<string, string> = {},
  ) =>
    provider.getTracer('x').startSpan('chat m', {
      kind: SpanKind.CLIENT,
      attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 3, ...attributes },
    });

  it('takes each field from the span, then the meter context and baggage where it started, then the resource', async () => {
    const { meter, processor, provider } = setup();
    callSpan(provider, {
      'agentmeter.agent_id': 'span-agent',
      'agentmeter.action': 'span-action',
      'agentmeter.customer_id': 'span-customer',
    }).end();
    meter.withContext({ customer_id: 'ctx-customer', action: 'ctx-action' }, () => callSpan(provider).end());
    propagation.setGlobalPropagator(new W3CBaggagePropagator());
    const baggage = propagation.createBaggage({ 'agentmeter.customer_id': { value: 'bag-customer' } });
    context.with(propagation.setBaggage(context.active(), baggage), () => callSpan(provider).end());
    await processor.forceFlush();
    propagation.disable();
    expect(
      meter.events.map(({ agent_id, action, customer_id }) => ({ agent_id, action, customer_id })),
    ).toEqual([
      { agent_id: 'span-agent', action: 'span-action', customer_id: 'span-customer' },
      { agent_id: 'support-bot', action: 'ctx-action', customer_id: 'ctx-customer' },
      { agent_id: 'support-bot', action: 'chat', customer_id: 'bag-customer' },
    ]);
  });

  it('follows the map: attribute keys (span, then resource) or a function of the span', async () => {
    const { meter, processor, provider } = setup({
      map: {
        agent_id: ['app.agent', 'service.name'],
        action: (span) => `do-${span.name.split(' ')[0]}`,
        customer_id: 'tenant.id',
      },
    });
    callSpan(provider, { 'app.agent': 'mapped-agent', 'tenant.id': 'tenant-7' }).end();
    callSpan(provider).end();
    await processor.forceFlush();
    expect(
      meter.events.map(({ agent_id, action, customer_id }) => ({ agent_id, action, customer_id })),
    ).toEqual([
      { agent_id: 'mapped-agent', action: 'do-chat', customer_id: 'tenant-7' },
      { agent_id: 'support-bot', action: 'do-chat', customer_id: undefined },
    ]);
  });

  it('meters a failed span only when it reports tokens, or with meterErrors', async () => {
    for (const meterErrors of [false, true]) {
      const { meter, processor, provider } = setup({ meterErrors });
      const failed = callSpan(provider, { 'error.type': 'RateLimitError' });
      failed.setAttribute('gen_ai.usage.input_tokens', 0);
      failed.setStatus({ code: SpanStatusCode.ERROR });
      failed.end();
      const partial = callSpan(provider);
      partial.setStatus({ code: SpanStatusCode.ERROR });
      partial.end();
      await processor.forceFlush();
      expect(
        meter.events.map((event) => [event.tokens_input, event.metadata?.['agentmeter.error_type']]),
      ).toEqual(
        meterErrors
          ? [
              [0, 'RateLimitError'],
              [3, '_OTHER'],
            ]
          : [[3, '_OTHER']],
      );
    }
  });

  it('validates its options eagerly', () => {
    const meter = createTestMeter();
    expect(() => new AgentmeterSpanProcessor(meter, { settleMs: -5 })).toThrow(
      'Expected `settleMs` to be a non-negative integer, got -5.',
    );
    expect(() => new AgentmeterSpanProcessor(meter, { map: { agent_id: 42 as never } })).toThrow(
      'Expected `map.agent_id` to be an attribute key, an array of keys, or a function of the span, got 42.',
    );
    expect(() => new AgentmeterSpanProcessor(meter, { map: { agent: 'x' } as never })).toThrow(
      'Unknown option `map.agent`; did you mean `map.agent_id`?',
    );
    expect(() => new AgentmeterSpanProcessor(meter, { meterError: true } as never)).toThrow(
      'Unknown option `meterError`; did you mean `meterErrors`?',
    );
    expect(() => new AgentmeterSpanProcessor(undefined as never)).toThrow(
      expect.objectContaining({
        code: 'invalid_meter',
        field: 'meter',
        message:
          'Expected `meter` to be an agentmeter Meter (with `track()`, `on()` and `currentContext()`), got undefined.',
      }),
    );
  });
});
