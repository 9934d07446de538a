// `ai` 5 hands middleware LanguageModelV2 models, whose usage is flat and whose meaning varies by
// provider. `ai` 6 (installed here) types `wrapLanguageModel` for V3 models only but wraps whatever it
// is given without converting it, so a V2-shaped model driven through the real `wrapLanguageModel`
// and its `doGenerate` / `doStream` shows the middleware exactly what `ai` 5's generateText would.
import type { JSONValue, LanguageModelV2Usage, LanguageModelV3 } from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import { meterMiddleware } from './middleware.js';
import { v2Model } from './test-support/v2-model.js';

afterEach(expectEveryMeterClean);

const PROMPT = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] }];

function meteredV2Model(
  provider: string,
  usage: LanguageModelV2Usage,
  providerMetadata?: Record<string, Record<string, JSONValue>>,
) {
  const model = v2Model(provider, usage, {
    ids: [`gen-${provider}K7wQ2xZp9LrT4mNb`, `str-${provider}K7wQ2xZp9LrT4mNb`],
    responseModelId: 'model-v2-0601',
    providerMetadata,
  });
  const meter = createRecordingMeter();
  const wrapped = wrapLanguageModel({
    model,
    middleware: meterMiddleware(meter, { agent_id: 'a', action: 'b' }),
  });
  return { meter, wrapped };
}

async function generateAndStream(wrapped: LanguageModelV3) {
  await wrapped.doGenerate({ prompt: PROMPT });
  const { stream } = await wrapped.doStream({ prompt: PROMPT });
  for (const reader = stream.getReader(); !(await reader.read()).done; );
}

describe('flat V2 usage', () => {
  it('OpenAI: inputTokens already include the cached ones', async () => {
    const { meter, wrapped } = meteredV2Model('openai.chat', {
      inputTokens: 2000,
      outputTokens: 500,
      totalTokens: 2500,
      reasoningTokens: 384,
      cachedInputTokens: 1536,
    });
    await generateAndStream(wrapped);
    const expected = {
      provider: 'openai',
      model: 'model-v2-0601',
      tokens_input: 2000,
      tokens_cached_input: 1536,
      tokens_output: 500,
      tokens_reasoning: 384,
    };
    expect(meter.events).toMatchObject([expected, expected]);
    expect(meter.events.map((event) => event.event_id.split(':')[1])).toEqual([
      'gen-openai.chatK7wQ2xZp9LrT4mNb',
      'str-openai.chatK7wQ2xZp9LrT4mNb',
    ]);
  });

  it('Anthropic: cache reads and writes are added to inputTokens, which excludes them', async () => {
    const { meter, wrapped } = meteredV2Model(
      'anthropic.messages',
      { inputTokens: 200, outputTokens: 150, totalTokens: 350, cachedInputTokens: 9000 },
      { anthropic: { cacheCreationInputTokens: 3000 } },
    );
    await generateAndStream(wrapped);
    const expected = {
      provider: 'anthropic',
      tokens_input: 12_200,
      tokens_cached_input: 9000,
      tokens_cache_write: 3000,
      tokens_output: 150,
    };
    expect(meter.events).toMatchObject([expected, expected]);
  });

  it('Anthropic: 1-hour cache writes and web searches from providerMetadata.anthropic.usage', async () => {
    // @ai-sdk/anthropic 2 keeps Anthropic's own usage there (streamed: message_start's with the
    // message_delta usage spread over it).
    const { meter, wrapped } = meteredV2Model(
      'anthropic.messages',
      { inputTokens: 2100, outputTokens: 640, totalTokens: 2740 },
      {
        anthropic: {
          cacheCreationInputTokens: 5000,
          usage: {
            input_tokens: 2100,
            output_tokens: 640,
            cache_creation_input_tokens: 5000,
            cache_read_input_tokens: 0,
            cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 4000 },
            server_tool_use: { web_search_requests: 3 },
          },
        },
      },
    );
    await generateAndStream(wrapped);
    const expected = {
      provider: 'anthropic',
      tokens_input: 7100,
      tokens_cache_write: 5000,
      tokens_cache_write_1h: 4000,
      tokens_output: 640,
      web_search_requests: 3,
    };
    expect(meter.events).toMatchObject([expected, expected]);
  });

  it('Google: reasoning outside outputTokens (totalTokens says so) is added to the output', async () => {
    const { meter, wrapped } = meteredV2Model('google.generative-ai', {
      inputTokens: 50,
      outputTokens: 80,
      totalTokens: 230,
      reasoningTokens: 100,
    });
    await generateAndStream(wrapped);
    const expected = { provider: 'google', tokens_input: 50, tokens_output: 180, tokens_reasoning: 100 };
    expect(meter.events).toMatchObject([expected, expected]);
  });

  it('flags a V2 step that reported no counts', async () => {
    const { meter, wrapped } = meteredV2Model('openai.chat', {
      inputTokens: undefined,
      outputTokens: undefined,
      totalTokens: undefined,
    });
    await wrapped.doGenerate({ prompt: PROMPT });
    expect(meter.events).toMatchObject([
      {
        tokens_input: 0,
        tokens_output: 0,
        usage_missing: true,
        metadata: { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'missing_usage' },
      },
    ]);
  });
});
