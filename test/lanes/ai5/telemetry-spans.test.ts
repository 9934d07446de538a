// ai 5's own telemetry spans, made by real generateText / streamText calls through the real ai 5 providers
// (@ai-sdk/anthropic 2, @ai-sdk/google 2, @ai-sdk/openai 2, each answered in process through its `fetch`),
// metered by AgentmeterSpanProcessor: one event per call with the provider's counts as the provider bills
// them. ai 5 records less on its spans than ai 6: a generated step's span has the provider's input and output
// counts only (Anthropic's input without the cache, Google's output without the reasoning) next to a copy of
// the provider metadata; a streamed step's span adds the cache and reasoning counts.
import { AgentmeterSpanProcessor } from '@agentmeter/otel';
import { createTestMeter, type TestMeter } from '@agentmeter/sdk/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, type LanguageModel, streamText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { otelHarness } from '../../../packages/otel/src/test-otel.js';
import { anthropicFetch, openaiFetch, uniqueId } from '../../../packages/otel/src/test-real-spans.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function setup() {
  const meter = createTestMeter({ tier: { base_fee: '0.001', token_rate_input: '0.003' } });
  const processor = new AgentmeterSpanProcessor(meter);
  const otel = otelHarness([processor]);
  cleanups.push(() => otel.shutdown());
  const telemetry = { isEnabled: true, tracer: otel.tracerProvider.getTracer('ai') };
  return { meter, processor, otel, telemetry };
}

const counts = (meter: TestMeter) =>
  meter.events.map((event) => ({
    provider: event.provider,
    tokens_input: event.tokens_input,
    tokens_output: event.tokens_output,
    tokens_cached_input: event.tokens_cached_input ?? 0,
    tokens_cache_write: event.tokens_cache_write ?? 0,
    tokens_reasoning: event.tokens_reasoning ?? 0,
  }));

/** One generated and one streamed call, then the events, after the processor has seen every span. */
async function generateAndStream(model: LanguageModel) {
  const { meter, processor, otel, telemetry } = setup();
  const generated = await generateText({ model, prompt: 'Say hello', experimental_telemetry: telemetry });
  expect(generated.text).toBe('Hello!');
  await streamText({ model, prompt: 'Say hello', experimental_telemetry: telemetry }).consumeStream();
  await processor.forceFlush();
  const names = otel.spans().map((span) => span.name);
  expect(names.filter((name) => /\.do(Generate|Stream)$/.test(name))).toHaveLength(2);
  return meter;
}

/**
 * The Messages API fixture, its text blocks without `citations: null` (@ai-sdk/anthropic 2 takes a missing
 * citations list, not a null one).
 */
function messagesFetch(usage: Parameters<typeof anthropicFetch>[0]) {
  const answer = anthropicFetch(usage);
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await answer(input, init);
    const body = (await response.text()).replaceAll(',"citations":null', '');
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

describe('ai 5 + @ai-sdk/anthropic 2: the input is Anthropic’s plus the cache reads and writes', () => {
  it.each([
    ['cache reads above the uncached input', { input: 400, read: 9000, write: 3000 }],
    ['cache reads below the uncached input', { input: 5000, read: 1000, write: 0 }],
    ['cache writes only', { input: 800, read: 0, write: 2500 }],
  ])('%s, generated and streamed', async (_name, cache) => {
    const anthropic = createAnthropic({
      apiKey: 'sk-ant-test',
      fetch: messagesFetch({
        input_tokens: cache.input,
        output_tokens: 90,
        cache_read_input_tokens: cache.read,
        cache_creation_input_tokens: cache.write,
      }),
    });
    const meter = await generateAndStream(anthropic('claude-haiku-4-5'));
    const expected = {
      provider: 'anthropic',
      tokens_input: cache.input + cache.read + cache.write,
      tokens_output: 90,
      tokens_cached_input: cache.read,
      tokens_cache_write: cache.write,
      tokens_reasoning: 0,
    };
    expect(counts(meter)).toEqual([expected, expected]);
  });
});

/** Gemini's generateContent and streamGenerateContent (SSE), with thinking and cached content. */
function geminiFetch(usageMetadata: Record<string, number>) {
  return async (input: string | URL | Request): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    const answer = (text: string, finish?: string, usage?: Record<string, number>) => ({
      candidates: [
        {
          content: { role: 'model', parts: [{ text }] },
          ...(finish ? { finishReason: finish } : {}),
          index: 0,
        },
      ],
      ...(usage ? { usageMetadata: usage } : {}),
      modelVersion: 'gemini-2.5-flash',
      responseId: uniqueId('gemini-'),
    });
    if (url.includes(':streamGenerateContent')) {
      const events = [answer('Hel'), answer('lo!', 'STOP', usageMetadata)];
      return new Response(events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join(''), {
        headers: { 'content-type': 'text/event-stream' },
      });
    }
    return Response.json(answer('Hello!', 'STOP', usageMetadata));
  };
}

describe('ai 5 + @ai-sdk/google 2: the output includes the reasoning Google counts apart', () => {
  it('generated and streamed', async () => {
    const google = createGoogleGenerativeAI({
      apiKey: 'test',
      fetch: geminiFetch({
        promptTokenCount: 1200,
        cachedContentTokenCount: 1000,
        candidatesTokenCount: 80,
        thoughtsTokenCount: 600,
        totalTokenCount: 1880,
      }),
    });
    const meter = await generateAndStream(google('gemini-2.5-flash'));
    const expected = {
      provider: 'google',
      tokens_input: 1200,
      tokens_output: 680,
      tokens_cached_input: 1000,
      tokens_cache_write: 0,
      tokens_reasoning: 600,
    };
    expect(counts(meter)).toEqual([expected, expected]);
  });
});

describe('ai 5 + @ai-sdk/openai 2 (Chat Completions)', () => {
  const openai = createOpenAI({
    apiKey: 'sk-test',
    fetch: openaiFetch({
      usage: { prompt_tokens: 2000, completion_tokens: 500, cached_tokens: 1536, reasoning_tokens: 384 },
    }),
  });

  it('a streamed step: the cache and reasoning counts from its doStream span', async () => {
    const { meter, processor, telemetry } = setup();
    await streamText({
      model: openai.chat('gpt-4o-mini'),
      prompt: 'Say hello',
      experimental_telemetry: telemetry,
    }).consumeStream();
    await processor.forceFlush();
    expect(counts(meter)).toEqual([
      {
        provider: 'openai',
        tokens_input: 2000,
        tokens_output: 500,
        tokens_cached_input: 1536,
        tokens_cache_write: 0,
        tokens_reasoning: 384,
      },
    ]);
  });

  it('a generated step: the input and output counts (its doGenerate span has no other)', async () => {
    // @ai-sdk/openai 2 keeps neither the cached nor the reasoning count in its provider metadata, and ai 5
    // records them on no doGenerate span attribute: the span tells the totals only. Meter such calls with
    // @agentmeter/ai-sdk's middleware (or stream them) to bill cached input at its rate.
    const { meter, processor, telemetry } = setup();
    await generateText({
      model: openai.chat('gpt-4o-mini'),
      prompt: 'Say hello',
      experimental_telemetry: telemetry,
    });
    await processor.forceFlush();
    expect(meter.events).toMatchObject([{ provider: 'openai', tokens_input: 2000, tokens_output: 500 }]);
  });
});
