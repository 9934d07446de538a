// @agentmeter/langchain against the conformance suite: the handler on a real LangChain ChatOpenAI
// (@langchain/openai, with its real `openai` client), Chat Completions answered by msw. Layered: the
// ChatOpenAI's client is metered by @agentmeter/openai as well (the provider layer's event is the one kept).
import { AgentmeterCallbackHandler, LangChainMeterError } from '@agentmeter/langchain';
import { withMeter } from '@agentmeter/openai';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import type { Calls, ConformanceDriver } from './driver.js';
import { CHAT_OPENAI_FIELDS, chatOpenAIOver } from './langchain-model.js';
import { openAIChatApi, RATE_LIMIT_TYPE } from './openai-chat-api.js';
import { useProviderServer } from './provider-server.js';
import { conformanceSuite } from './suite.js';

const server = useProviderServer();

function callsOf(model: ChatOpenAI, handler: AgentmeterCallbackHandler | undefined): Calls {
  const callbacks = handler ? [handler] : [];
  return {
    async call(prompt, { signal, timeoutMs } = {}) {
      return String((await model.invoke(prompt, { callbacks, signal, timeout: timeoutMs })).content);
    },
    async stream(prompt, options = {}) {
      const stream = await model.stream(prompt, { callbacks, signal: options.signal });
      let text = '';
      let pieces = 0;
      for await (const chunk of stream) {
        const delta = String(chunk.content);
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
  name: '@agentmeter/langchain',
  provider: openAIChatApi(server),
  wrap: (meter, options) =>
    callsOf(
      new ChatOpenAI(CHAT_OPENAI_FIELDS),
      new AgentmeterCallbackHandler(meter as never, options as never),
    ),
  bare: () => callsOf(new ChatOpenAI(CHAT_OPENAI_FIELDS), undefined),
  isIntegrationError: (error) => LangChainMeterError.isInstance(error),
  rateLimitErrorType: RATE_LIMIT_TYPE,
  // Chat Completions sends usage only on the stream's last chunk: a stream cut early has seen none.
  seenSoFar: () => ({ tokens_input: 0, tokens_output: 0, usage_missing: true }),
  capabilities: {
    streaming: true,
    meterErrors: true,
    captureContent: {
      unsupported:
        'the handler has no captureContent option, by decision: the provider wrappers under it capture a call’s text, so it is never stored twice',
    },
    earlyBreak: {
      unsupported:
        'LangChain calls no callback when the caller leaves model.stream() with `break` (neither end nor error), so a callback handler never learns of the call; the provider wrappers meter it',
    },
    layering: true,
  },
  layering: {
    description: 'the LangChain handler over a ChatOpenAI whose client @agentmeter/openai wraps',
    build(meter, inner, outer) {
      const model = chatOpenAIOver(
        withMeter(
          new OpenAI({ apiKey: 'sk-test-not-a-real-key', maxRetries: 0 }),
          meter as never,
          inner as never,
        ),
      );
      return callsOf(model, new AgentmeterCallbackHandler(meter as never, outer as never));
    },
    winner: 'inner',
  },
};

conformanceSuite(driver);
