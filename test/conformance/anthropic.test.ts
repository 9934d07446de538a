// @agentmeter/anthropic against the conformance suite: the real `@anthropic-ai/sdk` client, the Messages
// API answered by msw. Layered: a LangChain ChatAnthropic whose client is this wrapper's, metered by the
// LangChain handler as well (the provider layer's event is the one kept).

import { AnthropicMeterError, withMeter } from '@agentmeter/anthropic';
import { AgentmeterCallbackHandler } from '@agentmeter/langchain';
import Anthropic, { type ClientOptions } from '@anthropic-ai/sdk';
import { ChatAnthropic } from '@langchain/anthropic';
import { anthropicMessagesApi, RATE_LIMIT_TYPE, seenSoFar } from './anthropic-messages-api.js';
import type { Calls, ConformanceDriver } from './driver.js';
import { callsUnderHandler } from './langchain-model.js';
import { useProviderServer } from './provider-server.js';
import { conformanceSuite } from './suite.js';

const server = useProviderServer();

const newClient = (options: ClientOptions = {}) =>
  new Anthropic({ apiKey: 'sk-ant-test', ...options, maxRetries: 0 });

const REQUEST = { model: 'claude-haiku-4-5', max_tokens: 1024 };

function callsOf(client: Anthropic): Calls {
  return {
    async call(prompt, { signal, timeoutMs } = {}) {
      const message = await client.messages.create(
        { ...REQUEST, messages: [{ role: 'user', content: prompt }] },
        { signal, ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }) },
      );
      return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    },
    async stream(prompt, options = {}) {
      const stream = await client.messages.create(
        { ...REQUEST, messages: [{ role: 'user', content: prompt }], stream: true },
        { signal: options.signal },
      );
      let text = '';
      let pieces = 0;
      for await (const event of stream) {
        if (event.type !== 'content_block_delta' || event.delta.type !== 'text_delta') continue;
        text += event.delta.text;
        options.onText?.(event.delta.text, pieces);
        pieces++;
        if (pieces === options.breakAfter) break;
      }
      return text;
    },
  };
}

const driver: ConformanceDriver = {
  name: '@agentmeter/anthropic',
  provider: anthropicMessagesApi(server),
  wrap: (meter, options) => callsOf(withMeter(newClient(), meter as never, options as never)),
  bare: () => callsOf(newClient()),
  isIntegrationError: (error) => AnthropicMeterError.isInstance(error),
  rateLimitErrorType: RATE_LIMIT_TYPE,
  seenSoFar,
  capabilities: {
    streaming: true,
    meterErrors: true,
    captureContent: true,
    earlyBreak: true,
    layering: true,
  },
  layering: {
    description: 'anthropic wrapper under the LangChain handler (ChatAnthropic over the wrapped client)',
    build(meter, inner, outer) {
      const model = new ChatAnthropic({
        model: 'claude-haiku-4-5',
        apiKey: 'sk-ant-test',
        maxRetries: 0,
        createClient: (options) =>
          withMeter(newClient(options as ClientOptions), meter as never, inner as never) as never,
      });
      return callsUnderHandler(model, new AgentmeterCallbackHandler(meter as never, outer as never));
    },
    winner: 'inner',
  },
};

conformanceSuite(driver);
