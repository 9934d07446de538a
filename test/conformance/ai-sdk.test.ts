// @agentmeter/ai-sdk against the conformance suite: the middleware on the real @ai-sdk/openai chat model,
// driven by the real `ai` (generateText, streamText), Chat Completions answered by msw. Layered: the
// middleware over a model whose `openai` client @agentmeter/openai meters as well (the provider layer's
// event is the one kept).
import { AiSdkMeterError, meterMiddleware } from '@agentmeter/ai-sdk';
import { withMeter } from '@agentmeter/openai';
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { openAIBackedModel } from '../../packages/ai-sdk/src/test-support/openai-backed-model.js';
import type { Calls, ConformanceDriver } from './driver.js';
import { openAIChatApi, RATE_LIMIT_TYPE } from './openai-chat-api.js';
import { useProviderServer } from './provider-server.js';
import { conformanceSuite } from './suite.js';

const server = useProviderServer();

const chatModel = () => createOpenAI({ apiKey: 'sk-test-not-a-real-key' }).chat('gpt-4o');

/**
 * A caller leaving the model's stream with `break` after `pieces` pieces of text. `streamText` never
 * cuts the model's stream when its own reader stops (it keeps reading it to the end, so the whole call
 * is metered, complete), so this reads the wrapped model's stream itself, as an agent loop or a UI
 * route does: the `break` cancels it.
 */
async function breakOff(model: LanguageModelV3, prompt: string, pieces: number): Promise<string> {
  const { stream } = await model.doStream({
    prompt: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
  });
  let text = '';
  let seen = 0;
  for await (const part of stream as unknown as AsyncIterable<{ type: string; delta?: string }>) {
    if (part.type !== 'text-delta' || !part.delta) continue;
    text += part.delta;
    seen++;
    if (seen === pieces) break;
  }
  return text;
}

function callsOf(model: LanguageModelV3): Calls {
  return {
    async call(prompt, { signal, timeoutMs } = {}) {
      const result = await generateText({
        model,
        prompt,
        abortSignal: signal,
        timeout: timeoutMs,
        maxRetries: 0,
      });
      return result.text;
    },
    async stream(prompt, options = {}) {
      if (options.breakAfter !== undefined) return breakOff(model, prompt, options.breakAfter);
      let failure: unknown;
      const result = streamText({
        model,
        prompt,
        abortSignal: options.signal,
        maxRetries: 0,
        onError: ({ error }) => {
          failure = error;
        },
      });
      let text = '';
      let pieces = 0;
      for await (const delta of result.textStream) {
        if (!delta) continue;
        text += delta;
        options.onText?.(delta, pieces);
        pieces++;
        if (pieces === options.breakAfter) break;
      }
      if (failure !== undefined) throw failure;
      return text;
    },
  };
}

const driver: ConformanceDriver = {
  name: '@agentmeter/ai-sdk',
  provider: openAIChatApi(server),
  wrap: (meter, options) =>
    callsOf(
      wrapLanguageModel({
        model: chatModel(),
        middleware: meterMiddleware(meter as never, options as never),
      }),
    ),
  bare: () => callsOf(chatModel()),
  isIntegrationError: (error) => AiSdkMeterError.isInstance(error),
  rateLimitErrorType: RATE_LIMIT_TYPE,
  // Chat Completions sends usage only on the stream's last chunk: a stream cut early has seen none.
  seenSoFar: () => ({ tokens_input: 0, tokens_output: 0, usage_missing: true }),
  capabilities: {
    streaming: true,
    meterErrors: true,
    captureContent: {
      unsupported:
        'the middleware has no captureContent option, by decision: the provider wrappers under it capture a call’s text, so it is never stored twice',
    },
    earlyBreak: true,
    layering: true,
  },
  layering: {
    description: 'the middleware over a model whose openai client @agentmeter/openai wraps',
    build(meter, inner, outer) {
      const client = withMeter(
        new OpenAI({ apiKey: 'sk-test-not-a-real-key', maxRetries: 0 }),
        meter as never,
        inner as never,
      );
      return callsOf(
        wrapLanguageModel({
          model: openAIBackedModel(client, 'gpt-4o'),
          middleware: meterMiddleware(meter as never, outer as never),
        }),
      );
    },
    winner: 'inner',
  },
};

conformanceSuite(driver);
