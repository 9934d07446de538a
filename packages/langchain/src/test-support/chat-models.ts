// Test-only: the real LangChain chat models the handler is tested with, @langchain/anthropic's
// ChatAnthropic and @langchain/openai's ChatOpenAI, each with its provider's real SDK client; only
// the network is faked (msw answers the provider's API with the API's own shapes). Whichever line of
// LangChain the run resolves (the root's 1.x, or a lane's 0.3) is the one tested.
import { ChatAnthropic } from '@langchain/anthropic';
import { ChatOpenAI, ChatOpenAICompletions, ChatOpenAIResponses } from '@langchain/openai';
import { HttpResponse, http } from 'msw';
import type OpenAI from 'openai';
import { fetchLikeUndici } from '../../../anthropic/src/test-fixtures.js';

export type ChatAnthropicFields = NonNullable<ConstructorParameters<typeof ChatAnthropic>[0]>;
export type ChatOpenAIFields = NonNullable<ConstructorParameters<typeof ChatOpenAI>[0]>;

/** A ChatAnthropic sending to the msw-answered `https://api.anthropic.com`, without retries. */
export function chatAnthropic(fields: Partial<ChatAnthropicFields> = {}): ChatAnthropic {
  return new ChatAnthropic({
    model: 'claude-sonnet-4-5',
    apiKey: 'sk-ant-test',
    maxRetries: 0,
    // A body whose cancel settles at once, as undici's does (see fetchLikeUndici).
    clientOptions: { fetch: fetchLikeUndici },
    ...fields,
  });
}

/** A ChatOpenAI sending to the msw-answered `https://api.openai.com/v1`, without retries. */
export function chatOpenAI(fields: Partial<ChatOpenAIFields> = {}): ChatOpenAI {
  return new ChatOpenAI({ model: 'gpt-4o', apiKey: 'sk-test', maxRetries: 0, ...fields });
}

/**
 * A ChatOpenAI whose requests go through `client` (an `openai` client, e.g. one metered by
 * @agentmeter/openai): ChatOpenAI sends through the client its Chat Completions or Responses part
 * keeps, and each part is given this one.
 */
export function chatOpenAIOver(client: OpenAI, fields: Partial<ChatOpenAIFields> = {}): ChatOpenAI {
  const all = { model: 'gpt-4o', apiKey: 'sk-test', maxRetries: 0, ...fields };
  const completions = new ChatOpenAICompletions(all);
  const responses = new ChatOpenAIResponses(all);
  // Both parts keep the client in a field they otherwise fill on their first call.
  (completions as unknown as { client: OpenAI }).client = client;
  (responses as unknown as { client: OpenAI }).client = client;
  return new ChatOpenAI({ ...all, completions, responses });
}

const ENCODINGS: Record<string, () => Promise<{ default: unknown }>> = {
  gpt2: () => import('js-tiktoken/ranks/gpt2'),
  cl100k_base: () => import('js-tiktoken/ranks/cl100k_base'),
  o200k_base: () => import('js-tiktoken/ranks/o200k_base'),
};

/**
 * LangChain's tokenizer download (`https://tiktoken.pages.dev/js/<encoding>.json`), which ChatOpenAI
 * makes to estimate a streamed call's tokens, answered with the same encodings from js-tiktoken. Left
 * unanswered, LangChain retries it with backoff for minutes.
 */
export const tokenizerDownloads = http.get('https://tiktoken.pages.dev/js/:file', async ({ params }) => {
  const load = ENCODINGS[String(params['file']).replace(/\.json$/, '')];
  if (!load) return new HttpResponse(null, { status: 404 });
  return HttpResponse.json((await load()).default as Record<string, unknown>);
});

/** The text of the last message of a Messages API request body (a string, or its text blocks). */
export function lastUserText(body: Record<string, unknown>): string {
  const messages = body['messages'] as { content: string | { type: string; text?: string }[] }[];
  const content = messages.at(-1)?.content;
  if (typeof content === 'string') return content;
  return (content ?? []).map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
}
