// What the drivers share to run calls through a LangChain chat model: a ChatOpenAI over a given
// `openai` client (the LangChain driver's model, and the openai driver's layering case), and the
// plain and streamed calls of a model under the agentmeter callback handler.
import type { AgentmeterCallbackHandler } from '@agentmeter/langchain';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOpenAI, ChatOpenAICompletions, ChatOpenAIResponses } from '@langchain/openai';
import type OpenAI from 'openai';
import type { Calls } from './driver.js';

export const CHAT_OPENAI_FIELDS = { model: 'gpt-4o', apiKey: 'sk-test-not-a-real-key', maxRetries: 0 };

/** A ChatOpenAI that sends through `client` (both its Chat Completions and Responses parts). */
export function chatOpenAIOver(client: OpenAI): ChatOpenAI {
  const completions = new ChatOpenAICompletions(CHAT_OPENAI_FIELDS);
  const responses = new ChatOpenAIResponses(CHAT_OPENAI_FIELDS);
  (completions as unknown as { client: OpenAI }).client = client;
  (responses as unknown as { client: OpenAI }).client = client;
  return new ChatOpenAI({ ...CHAT_OPENAI_FIELDS, completions, responses });
}

/** One plain and one streamed call of `model` with `handler` among its callbacks (a layering case's). */
export function callsUnderHandler(model: BaseChatModel, handler: AgentmeterCallbackHandler): Calls {
  return {
    async call(prompt) {
      return String((await model.invoke(prompt, { callbacks: [handler] })).content);
    },
    async stream(prompt) {
      let text = '';
      for await (const chunk of await model.stream(prompt, { callbacks: [handler] })) {
        text += String(chunk.content);
      }
      return text;
    },
  };
}
