import { APICallError } from '@ai-sdk/provider';
import { generateText, jsonSchema, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import { meterMiddleware } from './middleware.js';
import {
  hangingStream,
  streamOf,
  textParts,
  textResult,
  toolCallResult,
  UNKNOWN_USAGE,
  v3Usage,
} from './test-support/parts.js';

afterEach(expectEveryMeterClean);

const defaults = { agent_id: 'support-bot', action: 'answer' };

function metered(model: MockLanguageModelV3, meter = createRecordingMeter()) {
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
      new MockLanguageModelV3({
        provider: 'openai.chat',
        modelId: 'gpt-4o',
        doGenerate: textResult('Hi', v3Usage({ input: 12, output: 7 }), {
          id: 'chatcmpl-g1K7wQ2xZp9LrT4mNb',
          modelId: 'gpt-4o-2024-08-06',
        }),
      }),
    );
    const result = await meter.withContext({ customer_id: 'cus_1' }, () =>
      generateText({ model, prompt: 'hello' }),
    );
    expect(result.text).toBe('Hi');
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      agent_id: 'support-bot',
      action: 'answer',
      customer_id: 'cus_1',
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      tokens_input: 12,
      tokens_output: 7,
    });
    expect(meter.events[0]).not.toHaveProperty('metadata');
    expect(meter.events[0]).not.toHaveProperty('usage_missing');
    expect(meter.events[0]?.event_id).toMatch(/^openai:chatcmpl-g1K7wQ2xZp9LrT4mNb:/);
  });

  it('meters a streamed step once, from the finish part', async () => {
    const { meter, model } = metered(
      new MockLanguageModelV3({
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
      new MockLanguageModelV3({
        provider: 'anthropic.messages',
        doGenerate: textResult('ok', usage, { id: 'msg_c1K7wQ2xZp9LrT4mNb', modelId: 'claude-sonnet-4-5' }),
        doStream: {
          stream: streamOf(
            textParts(['ok'], usage, { id: 'msg_c2K7wQ2xZp9LrT4mNb', modelId: 'claude-sonnet-4-5' }),
          ),
        },
      }),
    );
    await generateText({ model, prompt: 'a' });
    await streamText({ model, prompt: 'b' }).consumeStream();
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
    const { meter, model } = metered(
      new MockLanguageModelV3({ provider: 'openai.responses', doGenerate: steps }),
    );
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
      new MockLanguageModelV3({
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
      new MockLanguageModelV3({
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

  it('meters an aborted stream once, flagged incomplete, with no usage invented', async () => {
    const { stream } = hangingStream(
      textParts(['one', 'two'], undefined, { id: 'chatcmpl-cutK7wQ2xZp9LrT4mNb', modelId: 'gpt-4o' }),
    );
    const { meter, model } = metered(
      new MockLanguageModelV3({ provider: 'openai.chat', doStream: { stream } }),
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

  it('meters a stream its reader cancels once, flagged cancelled', async () => {
    // streamText never cancels the model's stream when its own reader stops (it tees it), so this
    // drives the wrapped model's doStream() directly, as an agent loop or a custom UI route would.
    const { stream, cancelled } = hangingStream(
      textParts(['a', 'b', 'c'], undefined, { id: 'resp_xK7wQ2xZp9LrT4mNb', modelId: 'gpt-4o' }),
    );
    const { meter, model } = metered(
      new MockLanguageModelV3({ provider: 'openai.responses', doStream: { stream } }),
    );
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
      metadata: { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'cancelled' },
    });
    expect(meter.events[0]?.event_id).toMatch(/^openai:resp_xK7wQ2xZp9LrT4mNb:/);
  });

  it('flags a finished step whose provider reported no usage', async () => {
    const { meter, model } = metered(
      new MockLanguageModelV3({ doGenerate: textResult('?', UNKNOWN_USAGE, { id: 'r0', modelId: 'm' }) }),
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
      new MockLanguageModelV3({
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
