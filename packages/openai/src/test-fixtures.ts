// Test-only (not built): OpenAI response bodies and SSE streams, shaped as the openai SDK's own types
// and tests describe them, served through msw so the real client does real HTTP parsing.
import { HttpResponse, http } from 'msw';
import OpenAI6 from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import OpenAI5 from 'openai-v5';
import { BASE_URL, CHAT_MODEL, sseResponse } from './test-fixtures-http.js';

export * from './test-fixtures-http.js';
export * from './test-fixtures-responses.js';

export const CHAT_ID = 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT';

export interface ToolCallFixture {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatScenario {
  id?: string;
  model?: string;
  content?: string;
  toolCalls?: ToolCallFixture[];
  usage: CompletionUsage;
  requestId?: string;
}

type RequestBody = Record<string, unknown> & {
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  messages?: Array<{ content?: unknown }>;
  encoding_format?: string;
  input?: unknown;
};

export function chatCompletion(scenario: ChatScenario): ChatCompletion {
  const toolCalls = scenario.toolCalls?.map((call) => ({
    id: call.id,
    type: 'function' as const,
    function: { name: call.name, arguments: call.arguments },
  }));
  return {
    id: scenario.id ?? CHAT_ID,
    object: 'chat.completion',
    created: 1741569952,
    model: scenario.model ?? CHAT_MODEL,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: toolCalls ? null : (scenario.content ?? 'Hello! How can I help?'),
          refusal: null,
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: toolCalls ? 'tool_calls' : 'stop',
      },
    ],
    usage: scenario.usage,
    service_tier: 'default',
    system_fingerprint: 'fp_b705f0c291',
  };
}

/** The chunks OpenAI streams for `scenario`; with `includeUsage`, `usage: null` on each and a last usage-only chunk. */
export function chatChunks(scenario: ChatScenario, includeUsage: boolean): ChatCompletionChunk[] {
  const base = { id: scenario.id ?? CHAT_ID, object: 'chat.completion.chunk' as const, created: 1741569952 };
  const model = scenario.model ?? CHAT_MODEL;
  const chunk = (
    delta: ChatCompletionChunk.Choice['delta'],
    finish: ChatCompletionChunk.Choice['finish_reason'] = null,
  ): ChatCompletionChunk => ({
    ...base,
    model,
    system_fingerprint: 'fp_b705f0c291',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks: ChatCompletionChunk[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  if (scenario.toolCalls) {
    scenario.toolCalls.forEach((call, index) => {
      chunks.push(
        chunk({
          tool_calls: [
            { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
          ],
        }),
        chunk({ tool_calls: [{ index, function: { arguments: call.arguments } }] }),
      );
    });
    chunks.push(chunk({}, 'tool_calls'));
  } else {
    const content = scenario.content ?? 'Hello! How can I help?';
    const middle = Math.ceil(content.length / 2);
    chunks.push(
      chunk({ content: content.slice(0, middle) }),
      chunk({ content: content.slice(middle) }),
      chunk({}, 'stop'),
    );
  }
  if (includeUsage)
    chunks.push({ ...base, model, system_fingerprint: 'fp_b705f0c291', choices: [], usage: scenario.usage });
  return chunks;
}

/** `POST /chat/completions` answering like OpenAI: JSON, or SSE honouring `stream_options.include_usage`. */
export function chatHandler(
  scenarioFor: ChatScenario | ((body: RequestBody) => ChatScenario | Promise<ChatScenario>),
) {
  return http.post(`${BASE_URL}/chat/completions`, async ({ request }) => {
    const body = (await request.json()) as RequestBody;
    const scenario = typeof scenarioFor === 'function' ? await scenarioFor(body) : scenarioFor;
    if (body.stream) {
      const chunks = chatChunks(scenario, body.stream_options?.include_usage === true);
      return sseResponse(
        chunks.map((data) => ({ data })),
        { done: true, requestId: scenario.requestId },
      );
    }
    return HttpResponse.json(chatCompletion(scenario), {
      headers: { 'x-request-id': scenario.requestId ?? 'req_chat' },
    });
  });
}

/** The same answer for every request, each with its own response id (as OpenAI's are). */
export function eachWithOwnId(scenario: ChatScenario): () => ChatScenario {
  let count = 0;
  return () => ({ ...scenario, id: `${scenario.id ?? CHAT_ID}${++count}` });
}

/** A chat stream that sends `chunks` as they are and then stalls until aborted (or, with `hang: false`, ends). */
export function chatStall(chunks: unknown[], hang = true) {
  return http.post(`${BASE_URL}/chat/completions`, ({ request }) =>
    sseResponse(
      chunks.map((data) => ({ data })),
      { hang, signal: request.signal },
    ),
  );
}

export function usage(
  prompt: number,
  completion: number,
  details: {
    cached?: number;
    cacheWrite?: number;
    reasoning?: number;
    audioInput?: number;
    audioOutput?: number;
  } = {},
): CompletionUsage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: details.cached ?? 0, audio_tokens: details.audioInput ?? 0 },
    completion_tokens_details: {
      reasoning_tokens: details.reasoning ?? 0,
      audio_tokens: details.audioOutput ?? 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
    ...(details.cacheWrite === undefined
      ? {}
      : {
          prompt_tokens_details: {
            cached_tokens: details.cached ?? 0,
            cache_write_tokens: details.cacheWrite,
            audio_tokens: details.audioInput ?? 0,
          },
        }),
  };
}

/** Both supported majors, run through the same tests (v5 typed as v6: the surface used is the same). */
export const VERSIONS = [
  { version: 'openai@6', OpenAI: OpenAI6 },
  { version: 'openai@5', OpenAI: OpenAI5 as unknown as typeof OpenAI6 },
] as const;

export function newClient(OpenAI: typeof OpenAI6): OpenAI6 {
  return new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: BASE_URL, maxRetries: 0 });
}

/** Lets queued reactions and I/O callbacks run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
