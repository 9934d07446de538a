// The span processor reads spans by the shared GenAI span rules (@agentmeter/genai-spans): what it meters
// for a span is what those rules read on its view of the span, with what only the processor adds.
import { roleOf, usageOf as rulesUsageOf, type SpanView } from '@agentmeter/genai-spans';
import { createTestMeter } from '@agentmeter/sdk/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import * as semconv from './semconv.js';
import { AgentmeterSpanProcessor, viewOf } from './span-processor.js';
import { usageOf } from './span-usage.js';
import { otelHarness } from './test-otel.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const view = (attributes: Record<string, unknown>): SpanView => ({
  name: 'chat gpt-5',
  kind: SpanKind.CLIENT,
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: '00f067aa0ba902b7',
  parentSpanId: undefined,
  startMs: 1_000,
  endMs: 1_250,
  statusCode: 0,
  attributes,
  resource: {},
  scope: '@traceloop/instrumentation-openai',
});

describe('the span processor’s usage of a span', () => {
  it('is the rules’ reading, with the call’s time, stream flag, server and span', () => {
    const attributes = {
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-5',
      'gen_ai.response.model': 'gpt-5-2025-08-07',
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.usage.cache_read.input_tokens': 60,
      'gen_ai.usage.reasoning.output_tokens': 5,
      'gen_ai.request.stream': true,
      'server.address': 'api.openai.com',
      'server.port': '443',
      'error.type': 'timeout',
    };
    const rules = rulesUsageOf(view(attributes));
    expect(rules).toBeDefined();
    expect(usageOf(view(attributes))).toEqual({
      provider: rules?.provider,
      operation: rules?.operation,
      requestModel: rules?.requestModel,
      responseModel: rules?.responseModel,
      responseId: rules?.responseId,
      inputTokens: rules?.inputTokens,
      outputTokens: rules?.outputTokens,
      cachedInputTokens: rules?.cachedInputTokens,
      cacheWriteTokens: rules?.cacheWriteTokens,
      reasoningTokens: rules?.reasoningTokens,
      errorType: 'timeout',
      complete: true,
      streamed: true,
      serverAddress: 'api.openai.com',
      // OTLP may carry an int64 as a string.
      serverPort: 443,
      startedAt: 1_000,
      latencyMs: 250,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: '00f067aa0ba902b7',
    });
  });

  it('marks a call without usage incomplete, and leaves out what the span does not say', () => {
    const usage = usageOf(
      view({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5', 'server.port': 0 }),
    );
    expect(usage).toMatchObject({ usageMissing: true, complete: false, streamed: false, inputTokens: 0 });
    expect(usage).not.toHaveProperty('serverPort');
    expect(usage).not.toHaveProperty('responseModel');
    expect(usage).not.toHaveProperty('errorType');
    expect(usageOf(view({ 'http.request.method': 'POST' }))).toBeUndefined();
  });

  it('never meters the spans this package makes: the rules know its scope', () => {
    expect(roleOf({ ...view({ 'gen_ai.usage.input_tokens': 5 }), scope: semconv.SCOPE_NAME })).toBe('own');
  });

  it('meters a real span as the rules read the processor’s view of it', async () => {
    const meter = createTestMeter({ tier: { base_fee: '0.001' } });
    const processor = new AgentmeterSpanProcessor(meter);
    const otel = otelHarness([processor]);
    cleanups.push(() => otel.shutdown());
    const span = otel.tracerProvider
      .getTracer('@traceloop/instrumentation-anthropic', '0.27.0')
      .startSpan('chat claude-haiku-4-5', {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.provider.name': 'anthropic',
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'claude-haiku-4-5',
          'gen_ai.usage.input_tokens': 50,
          'gen_ai.usage.output_tokens': 20,
          'gen_ai.usage.cache_read.input_tokens': 12_000,
        },
      });
    span.setStatus({ code: SpanStatusCode.OK });
    span.end();
    await processor.forceFlush();
    expect(meter.errors).toEqual([]);
    const [finished] = otel.spans();
    const rules = rulesUsageOf(viewOf(finished!));
    // The scope's version says this instrumentation writes Anthropic's own input count: the cache is added.
    expect(rules?.inputTokens).toBe(12_050);
    expect(
      meter.events.map((event) => [event.provider, event.model, event.tokens_input, event.tokens_output]),
    ).toEqual([[rules?.provider, rules?.requestModel, rules?.inputTokens, rules?.outputTokens]]);
    expect(meter.events[0]?.tokens_cached_input).toBe(rules?.cachedInputTokens);
    await processor.shutdown();
  });
});
