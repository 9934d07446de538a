// @agentmeter/openai against the conformance suite: the real `openai` client, Chat Completions answered by
// msw. Layered: a LangChain ChatOpenAI whose openai client is this wrapper's, metered by the LangChain
// handler as well (the provider layer's event is the one kept).
import { AgentmeterCallbackHandler } from '@agentmeter/langchain';
import { OpenAIMeterError, withMeter } from '@agentmeter/openai';
import OpenAI from 'openai';
import type { Calls, ConformanceDriver } from './driver.js';
import { callsUnderHandler, chatOpenAIOver } from './langchain-model.js';
import { openAIChatApi, RATE_LIMIT_TYPE } from './openai-chat-api.js';
import { useProviderServer } from './provider-server.js';
import { conformanceSuite } from './suite.js';

const server = useProviderServer();

const newClient = () => new OpenAI({ apiKey: 'sk-test-not-a-real-key', maxRetries: 0 });

function callsOf(client: OpenAI): Calls {
  return {
    async call(prompt, { signal, timeoutMs } = {}) {
      const completion = await client.chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: prompt }] },
        { signal, ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }) },
      );
      return completion.choices[0]?.message.content ?? '';
    },
    async stream(prompt, options = {}) {
      const stream = await client.chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: prompt }], stream: true },
        { signal: options.signal },
      );
      let text = '';
      let pieces = 0;
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta.content;
        if (!delta) continue;
        text += delta;
        options.onText?.(delta, pieces);
        pieces++;
        if (pieces === options.breakAfter) break;
      }
      return text;
    },
  };
}

const driver: ConformanceDriver = {
  name: '@agentmeter/openai',
  provider: openAIChatApi(server),
  wrap: (meter, options) => callsOf(withMeter(newClient(), meter as never, options as never)),
  bare: () => callsOf(newClient()),
  isIntegrationError: (error) => OpenAIMeterError.isInstance(error),
  rateLimitErrorType: RATE_LIMIT_TYPE,
  // Chat Completions sends usage only on the stream's last chunk: a stream cut early has seen none.
  seenSoFar: () => ({ tokens_input: 0, tokens_output: 0, usage_missing: true }),
  capabilities: {
    streaming: true,
    meterErrors: true,
    captureContent: true,
    earlyBreak: true,
    layering: true,
  },
  layering: {
    description: 'openai wrapper under the LangChain handler (ChatOpenAI over the wrapped client)',
    build(meter, inner, outer) {
      const model = chatOpenAIOver(withMeter(newClient(), meter as never, inner as never));
      return callsUnderHandler(model, new AgentmeterCallbackHandler(meter as never, outer as never));
    },
    winner: 'inner',
  },
};

conformanceSuite(driver);
