import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, type LanguageModelV3 } from '@ai-sdk/provider';
import { generateText, jsonSchema, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { PLAIN_ANSWER, PLAIN_ANSWER_EVENT } from '../../../test/support/plain-answer.js';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import { meterMiddleware } from './middleware.js';
import { answeringBothWays, generateThenStream } from './test-support/both-ways.js';
import { mockModel, RAW_USAGE } from './test-support/mock-model.js';
import {
  hangingStream,
  streamOf,
  textParts,
  textResult,
  toolCallResult,
  UNKNOWN_USAGE,
  v3Usage,
} from './test-support/parts.js';
import { startStallingServer } from './test-support/stalling-server.js';

afterEach(expectEveryMeterClean);

const defaults = { agent_id: 'support-bot', action: 'answer' };

function metered(model: LanguageModelV3, meter = createRecordingMeter()) {
  return { meter, model: wrapLanguageModel({ model, middleware: meterMiddleware(meter, defaults) }) };
}

async function drain(textStream: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const delta of textStream) text += delta;
  return text;
}

describe('meterMiddleware through generateText and streamText', () => {
  it('meters a generated step once with the exact usage, provider and a response-derived event id', async () => {
    const { meter, model } = metered(
      mockModel({
        provider: 'openai.chat',
        modelId: 'gpt-4o',
        doGenerate: textResult(
          PLAIN_ANSWER.text,
          v3Usage({ input: PLAIN_ANSWER.input, output: PLAIN_ANSWER.output }),
          { id: 'chatcmpl-g1K7wQ2xZp9LrT4mNb', modelId: PLAIN_ANSWER.model },
        ),
      }),
    );
    const result = await meter.withContext({ customer_id: 'cus_1' }, () =>
      generateText({ model, prompt: 'hello' }),
    );
    expect(result.text).toBe(PLAIN_ANSWER.text);
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject(PLAIN_ANSWER_EVENT);
    expect(meter.events[0]).not.toHaveProperty('metadata');
    expect(meter.events[0]).not.toHaveProperty('usage_missing');
    expect(meter.events[0]?.event_id).toMatch(/^openai:chatcmpl-g1K7wQ2xZp9LrT4mNb:/);
  });

  it('meters a streamed step once, from the finish part', async () => {
    const { meter, model } = metered(
      mockModel({
        provider: 'anthropic.messages',
        modelId: 'claude-sonnet-4-5',
        doStream: {
          stream: streamOf(
            textParts(['Hel', 'lo'], v3Usage({ input: 30, output: 2 }), {
              id: 'msg_s1K7wQ2xZp9LrT4mNb',
              modelId: 'claude-sonnet-4-5',
            }),
          ),
        },
      }),
    );
    const result = streamText({ model, prompt: 'hi' });
    expect(await drain(result.textStream)).toBe('Hello');
    await result.consumeStream();
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({ provider: 'anthropic', tokens_input: 30, tokens_output: 2 });
    expect(meter.events[0]?.event_id).toMatch(/^anthropic:msg_s1K7wQ2xZp9LrT4mNb:/);
  });

  it('reports cache reads, cache writes and reasoning as subsets of the totals', async () => {
    const usage = v3Usage({ input: 12_200, cacheRead: 9000, cacheWrite: 3000, output: 500, reasoning: 120 });
    const { meter, model } = metered(
      answeringBothWays({
        provider: 'anthropic.messages',
        modelId: 'claude-sonnet-4-5',
        words: ['ok'],
        usage,
        ids: ['msg_c1K7wQ2xZp9LrT4mNb', 'msg_c2K7wQ2xZp9LrT4mNb'],
      }),
    );
    await generateThenStream(model, 'a');
    const expected = {
      tokens_input: 12_200,
      tokens_cached_input: 9000,
      tokens_cache_write: 3000,
      tokens_output: 500,
      tokens_reasoning: 120,
    };
    expect(meter.events).toMatchObject([expected, expected]);
  });

  it('meters each step of a multi-step run with its own usage, not a running sum', async () => {
    const steps = [
      toolCallResult('weather', { city: 'Oslo' }, v3Usage({ input: 100, output: 20 }), {
        id: 'resp_1K7wQ2xZp9LrT4mNb',
        modelId: 'gpt-4o',
      }),
      toolCallResult('weather', { city: 'Rome' }, v3Usage({ input: 160, output: 25 }), {
        id: 'resp_2K7wQ2xZp9LrT4mNb',
        modelId: 'gpt-4o',
      }),
      textResult('Oslo 3°C, Rome 18°C', v3Usage({ input: 230, output: 15 }), {
        id: 'resp_3K7wQ2xZp9LrT4mNb',
        modelId: 'gpt-4o',
      }),
    ];
    const { meter, model } = metered(mockModel({ provider: 'openai.responses', doGenerate: steps }));
    const result = await generateText({
      model,
      prompt: 'weather in Oslo and Rome?',
      tools: {
        weather: tool({
          inputSchema: jsonSchema<{ city: string }>({
            type: 'object',
            properties: { city: { type: 'string' } },
          }),
          execute: async ({ city }) => ({ city, celsius: city === 'Oslo' ? 3 : 18 }),
        }),
      },
      stopWhen: stepCountIs(5),
    });
    expect(result.steps).toHaveLength(3);
    expect(
      meter.events.map((event) => [event.event_id.split(':')[1], event.tokens_input, event.tokens_output]),
    ).toEqual([
      ['resp_1K7wQ2xZp9LrT4mNb', 100, 20],
      ['resp_2K7wQ2xZp9LrT4mNb', 160, 25],
      ['resp_3K7wQ2xZp9LrT4mNb', 230, 15],
    ]);
    expect(result.totalUsage.inputTokens).toBe(490);
  });

  it('meters nothing when the provider fails, for generate and stream', async () => {
    const error = new APICallError({
      message: 'Rate limit reached',
      url: 'https://api.openai.com/v1/chat/completions',
      requestBodyValues: {},
      statusCode: 429,
      isRetryable: false,
    });
    const { meter, model } = metered(
      mockModel({
        doGenerate: async () => {
          throw error;
        },
        doStream: async () => {
          throw error;
        },
      }),
    );
    await expect(generateText({ model, prompt: 'x', maxRetries: 0 })).rejects.toThrow('Rate limit reached');
    const errors: unknown[] = [];
    await streamText({
      model,
      prompt: 'x',
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error);
      },
    }).consumeStream();
    expect(errors).toHaveLength(1);

    // A provider that reports the failure inside the stream, before any output.
    const inStream = metered(
      mockModel({
        doStream: {
          stream: streamOf([
            { type: 'stream-start', warnings: [] },
            { type: 'error', error },
          ]),
        },
      }),
    );
    await streamText({ model: inStream.model, prompt: 'x', onError: () => {} }).consumeStream();
    expect([...meter.events, ...inStream.meter.events]).toEqual([]);
  });

  it('with meterErrors, meters each failed step once: an HTTP error complete under its API type, else incomplete', async () => {
    const rateLimited = new APICallError({
      message: 'Rate limit reached',
      url: 'https://api.anthropic.com/v1/messages',
      requestBodyValues: {},
      statusCode: 429,
      isRetryable: false,
      data: { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit reached' } },
    });
    const meter = createRecordingMeter();
    const withErrors = (model: LanguageModelV3) =>
      wrapLanguageModel({ model, middleware: meterMiddleware(meter, { ...defaults, meterErrors: true }) });
    const failing = withErrors(
      mockModel({
        doGenerate: async () => {
          throw rateLimited;
        },
        doStream: async () => {
          throw rateLimited;
        },
      }),
    );
    await expect(generateText({ model: failing, prompt: 'x', maxRetries: 0 })).rejects.toThrow(
      'Rate limit reached',
    );
    await streamText({ model: failing, prompt: 'x', maxRetries: 0, onError: () => {} }).consumeStream();
    // Aborted before any answer: its tokens are not known.
    const aborted = withErrors(
      mockModel({
        doGenerate: async () => {
          throw new DOMException('This operation was aborted', 'AbortError');
        },
      }),
    );
    await expect(generateText({ model: aborted, prompt: 'x', maxRetries: 0 })).rejects.toThrow();
    // The stream had begun when the provider reported the failure: incomplete whatever its type.
    const inStream = withErrors(
      mockModel({
        doStream: {
          stream: streamOf([
            { type: 'stream-start', warnings: [] },
            { type: 'error', error: rateLimited },
          ]),
        },
      }),
    );
    await streamText({ model: inStream, prompt: 'x', onError: () => {} }).consumeStream();
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output, event.metadata])).toEqual([
      [0, 0, { 'agentmeter.error_type': 'rate_limit_error' }],
      [0, 0, { 'agentmeter.error_type': 'rate_limit_error' }],
      [0, 0, { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'aborted' }],
      [0, 0, { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'rate_limit_error' }],
    ]);
    expect(meter.events.some((event) => event.usage_missing)).toBe(false);
  });

  it("meters a stream the provider broke off with an error part, then a finish part, under the error's type", async () => {
    // As @ai-sdk/openai reports an error chunk mid-answer: an `error` part, then `finish` with no usage.
    const { meter, model } = metered(
      mockModel({
        doStream: {
          stream: streamOf([
            ...textParts(['Hel'], undefined, { id: 'chatcmpl-broken', modelId: 'gpt-4o' }),
            { type: 'error', error: { message: 'The server had an error', type: 'server_error' } },
            { type: 'finish', usage: UNKNOWN_USAGE, finishReason: { unified: 'error', raw: undefined } },
          ]),
        },
      }),
    );
    await streamText({ model, prompt: 'x', onError: () => {} }).consumeStream();
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output, event.metadata])).toEqual([
      [0, 0, { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'server_error' }],
    ]);
  });

  it('meters an aborted stream once, flagged incomplete, with no usage invented', async () => {
    // The model's stream stalls mid-answer and errors when the call is aborted, as a provider's
    // response body does (the next test checks that against a real provider over HTTP).
    const parts = textParts(['one', 'two'], undefined, {
      id: 'chatcmpl-cutK7wQ2xZp9LrT4mNb',
      modelId: 'gpt-4o',
    });
    const { meter, model } = metered(
      mockModel({
        provider: 'openai.chat',
        doStream: async ({ abortSignal }) => ({ stream: hangingStream(parts, abortSignal).stream }),
      }),
    );
    const controller = new AbortController();
    const result = streamText({ model, prompt: 'hi', abortSignal: controller.signal });
    const seen: string[] = [];
    for await (const delta of result.textStream) {
      seen.push(delta);
      if (seen.length === 2) controller.abort();
    }
    expect(seen).toEqual(['one', 'two']);
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      provider: 'openai',
      tokens_input: 0,
      tokens_output: 0,
      usage_missing: true,
      metadata: { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'aborted' },
    });
    expect(meter.events[0]?.event_id).toMatch(/^openai:chatcmpl-cutK7wQ2xZp9LrT4mNb:/);
  });

  it('meters a real provider stream aborted mid-answer once, and the caller’s loop ends', async () => {
    // @ai-sdk/openai over real HTTP: the server sends two deltas and then nothing, keeping the response
    // open; the abort reaches the provider's fetch, whose body errors, and streamText ends on that error.
    const server = await startStallingServer('chatcmpl-stallK7wQ2xZp9LrT4mNb', ['one', 'two']);
    try {
      const provider = createOpenAI({ apiKey: 'sk-test', baseURL: server.baseURL });
      const { meter, model } = metered(provider.chat('gpt-4o'));
      const controller = new AbortController();
      const result = streamText({ model, prompt: 'hi', abortSignal: controller.signal });
      const seen: string[] = [];
      for await (const delta of result.textStream) {
        seen.push(delta);
        if (seen.length === 2) controller.abort();
      }
      expect(seen).toEqual(['one', 'two']);
      // The abort reached the connection: the client went away.
      await server.disconnected;
      expect(server.requests()).toBe(1);
      expect(meter.events).toHaveLength(1);
      expect(meter.events[0]).toMatchObject({
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        tokens_input: 0,
        tokens_output: 0,
        usage_missing: true,
        metadata: { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'aborted' },
      });
      expect(meter.events[0]?.event_id).toMatch(/^openai:chatcmpl-stallK7wQ2xZp9LrT4mNb:/);
    } finally {
      await server.close();
    }
  });

  it('meters a stream its reader cancels once, flagged cancelled', async () => {
    // streamText never cancels the model's stream when its own reader stops (it tees it), so this
    // drives the wrapped model's doStream() directly, as an agent loop or a custom UI route would.
    const { stream, cancelled } = hangingStream(
      textParts(['a', 'b', 'c'], undefined, { id: 'resp_xK7wQ2xZp9LrT4mNb', modelId: 'gpt-4o' }),
    );
    const { meter, model } = metered(mockModel({ provider: 'openai.responses', doStream: { stream } }));
    const result = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
    const reader = result.stream.getReader();
    const types: string[] = [];
    while (!types.includes('text-delta')) types.push(((await reader.read()).value as { type: string }).type);
    expect(types).toEqual(['stream-start', 'response-metadata', 'text-start', 'text-delta']);
    await reader.cancel('user left');
    expect(await cancelled).toBe('user left');
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      tokens_input: 0,
      tokens_output: 0,
      usage_missing: true,
    });
    // Leaving early is no error: incomplete, with no error type.
    expect(meter.events[0]?.metadata).toEqual({ 'agentmeter.usage_incomplete': true });
    expect(meter.events[0]?.event_id).toMatch(/^openai:resp_xK7wQ2xZp9LrT4mNb:/);
  });

  it('flags a finished step whose provider reported no usage', async () => {
    const { meter, model } = metered(
      mockModel({ doGenerate: textResult('?', UNKNOWN_USAGE, { id: 'r0', modelId: 'm' }) }),
    );
    await generateText({ model, prompt: 'x' });
    expect(meter.events).toMatchObject([
      {
        tokens_input: 0,
        tokens_output: 0,
        usage_missing: true,
        metadata: { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'missing_usage' },
      },
    ]);
  });

  it('bills 100 concurrent calls in 100 customer contexts each to the right customer', async () => {
    const usageOf = (prompt: unknown) => {
      const index = Number(JSON.stringify(prompt).match(/call-(\d+)/)?.[1]);
      return { index, usage: v3Usage({ input: 100 + index, output: index }) };
    };
    const { meter, model } = metered(
      mockModel({
        provider: 'openai.chat',
        doGenerate: async ({ prompt }) => {
          const { index, usage } = usageOf(prompt);
          return textResult('ok', usage, { id: `gen-${index}K7wQ2xZp9LrT4mNb`, modelId: 'gpt-4o' });
        },
        doStream: async ({ prompt }) => {
          const { index, usage } = usageOf(prompt);
          return {
            stream: streamOf(
              textParts(['o', 'k'], usage, { id: `str-${index}K7wQ2xZp9LrT4mNb`, modelId: 'gpt-4o' }),
            ),
          };
        },
      }),
    );
    await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        meter.withContext({ customer_id: `cus_${index}` }, async () => {
          if (index % 2 === 0) await generateText({ model, prompt: `call-${index}` });
          else await streamText({ model, prompt: `call-${index}` }).consumeStream();
        }),
      ),
    );
    expect(meter.events).toHaveLength(100);
    for (const event of meter.events) {
      const index = Number(event.customer_id?.slice(4));
      expect(event).toMatchObject({ tokens_input: 100 + index, tokens_output: index });
      expect(event.event_id).toMatch(
        new RegExp(`^openai:${index % 2 === 0 ? 'gen' : 'str'}-${index}K7wQ2xZp9LrT4mNb:`),
      );
    }
    expect(new Set(meter.events.map((event) => event.customer_id)).size).toBe(100);
  });
});

describe('usage billed apart, from the provider usage the AI SDK passes on', () => {
  // Anthropic's usage as @ai-sdk/anthropic 3 passes it on (`usage.raw` and
  // `providerMetadata.anthropic.usage`): 2100 uncached + 5000 written to the cache, 4000 of them for
  // an hour; three web searches.
  const anthropicUsage = {
    input_tokens: 2100,
    output_tokens: 640,
    cache_creation_input_tokens: 5000,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 4000 },
    server_tool_use: { web_search_requests: 3, web_fetch_requests: 0 },
    service_tier: 'standard',
  };
  const anthropicStepUsage = {
    ...v3Usage({ input: 7100, cacheWrite: 5000, output: 640 }),
    raw: anthropicUsage,
  };
  const anthropicMetadata = {
    anthropic: { usage: anthropicUsage, cacheCreationInputTokens: 5000, stopSequence: null },
  };
  const searched = {
    provider: 'anthropic',
    tokens_input: 7100,
    tokens_cache_write: 5000,
    tokens_cache_write_1h: 4000,
    tokens_output: 640,
    web_search_requests: 3,
  };

  it('Anthropic: 1-hour cache writes and web searches, generated and streamed', async () => {
    const { meter, model } = metered(
      answeringBothWays({
        provider: 'anthropic.messages',
        modelId: 'claude-sonnet-4-5',
        words: ['fou', 'nd'],
        usage: anthropicStepUsage,
        ids: ['msg_ws1K7wQ2xZp9LrT4mNb', 'msg_ws2K7wQ2xZp9LrT4mNb'],
        providerMetadata: anthropicMetadata,
      }),
    );
    await generateThenStream(model, 'search');
    expect(meter.events).toMatchObject([searched, searched]);
  });

  it('Anthropic: read from providerMetadata.anthropic.usage when the usage has no raw object', async () => {
    const { meter, model } = metered(
      mockModel({
        provider: 'anthropic.messages',
        modelId: 'claude-sonnet-4-5',
        doGenerate: {
          ...textResult('found', v3Usage({ input: 7100, cacheWrite: 5000, output: 640 }), {
            id: 'msg_ws3K7wQ2xZp9LrT4mNb',
            modelId: 'claude-sonnet-4-5',
          }),
          providerMetadata: anthropicMetadata,
        },
      }),
    );
    await generateText({ model, prompt: 'search' });
    expect(meter.events).toMatchObject([searched]);
  });

  // `usage.raw` is handed to middleware from the V3 specification on (ai 6 and 7); ai 5's V2 models have none.
  it.runIf(RAW_USAGE)(
    'Chat Completions audio a provider keeps in its raw usage (as @ai-sdk/openai-compatible does)',
    async () => {
      // 41 of 57 prompt tokens and 1390 of 1612 completion tokens are audio.
      const raw = {
        prompt_tokens: 57,
        completion_tokens: 1612,
        total_tokens: 1669,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 41 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 1390 },
      };
      const usage = { ...v3Usage({ input: 57, cacheRead: 0, output: 1612, reasoning: 0 }), raw };
      const { meter, model } = metered(
        answeringBothWays({
          provider: 'voice-gateway.chat',
          modelId: 'gpt-4o-audio-preview',
          words: ['H', 'i'],
          usage,
          ids: ['chatcmpl-au1K7wQ2xZp9LrT4mNb', 'chatcmpl-au2K7wQ2xZp9LrT4mNb'],
        }),
      );
      await generateThenStream(model, 'hello');
      const spoken = {
        provider: 'voice-gateway',
        tokens_input: 57,
        tokens_output: 1612,
        tokens_audio_input: 41,
        tokens_audio_output: 1390,
      };
      expect(meter.events).toMatchObject([spoken, spoken]);
    },
  );

  it('sends nothing billed apart when the raw usage has none, nor on a step without counts', async () => {
    const raw = { input_tokens: 10, output_tokens: 5, cache_creation: null, server_tool_use: null };
    const { meter, model } = metered(
      mockModel({
        provider: 'anthropic.messages',
        modelId: 'claude-sonnet-4-5',
        doGenerate: [
          textResult(
            'a',
            { ...v3Usage({ input: 10, output: 5 }), raw },
            {
              id: 'msg_ws4K7wQ2xZp9LrT4mNb',
              modelId: 'claude-sonnet-4-5',
            },
          ),
          textResult(
            'b',
            { ...UNKNOWN_USAGE, raw: anthropicUsage },
            {
              id: 'msg_ws5K7wQ2xZp9LrT4mNb',
              modelId: 'claude-sonnet-4-5',
            },
          ),
        ],
      }),
    );
    await generateText({ model, prompt: 'one' });
    await generateText({ model, prompt: 'two' });
    expect(meter.events).toHaveLength(2);
    for (const event of meter.events) {
      expect(event).not.toHaveProperty('tokens_cache_write_1h');
      expect(event).not.toHaveProperty('web_search_requests');
    }
    expect(meter.events[1]).toMatchObject({ usage_missing: true, tokens_input: 0, tokens_output: 0 });
  });
});
