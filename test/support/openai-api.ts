// The OpenAI Chat Completions API as msw handlers: real response and SSE chunk shapes (openai-node
// `ChatCompletion`, `ChatCompletionChunk`, usage-only last chunk with `choices: []`).
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import type OpenAI from 'openai';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const CHAT_URL = 'https://api.openai.com/v1/chat/completions';

export interface UsageSpec {
  prompt: number;
  completion: number;
  cached?: number;
  reasoning?: number;
}

export function usage(spec: UsageSpec): OpenAI.Completions.CompletionUsage {
  return {
    prompt_tokens: spec.prompt,
    completion_tokens: spec.completion,
    total_tokens: spec.prompt + spec.completion,
    prompt_tokens_details: { cached_tokens: spec.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: spec.reasoning ?? 0, audio_tokens: 0 },
  };
}

export function completion(
  id: string,
  model: string,
  texts: string[],
  spec: UsageSpec,
): OpenAI.Chat.ChatCompletion {
  return {
    id,
    object: 'chat.completion',
    created: 1_760_000_000,
    model,
    choices: texts.map((text, index) => ({
      index,
      message: { role: 'assistant', content: text, refusal: null },
      finish_reason: 'stop',
      logprobs: null,
    })),
    usage: usage(spec),
    system_fingerprint: 'fp_test',
  };
}

export function chunks(
  id: string,
  model: string,
  words: string[],
  spec: UsageSpec,
): OpenAI.Chat.ChatCompletionChunk[] {
  const base = { id, object: 'chat.completion.chunk' as const, created: 1_760_000_000, model };
  return [
    ...words.map((word, index) => ({
      ...base,
      choices: [
        {
          index: 0,
          delta: index === 0 ? { role: 'assistant' as const, content: word } : { content: word },
          finish_reason: null,
          logprobs: null,
        },
      ],
      usage: null,
    })),
    {
      ...base,
      choices: [{ index: 0, delta: {}, finish_reason: 'stop' as const, logprobs: null }],
      usage: null,
    },
    { ...base, choices: [], usage: usage(spec) },
  ];
}

export type Scripted =
  | { json: OpenAI.Chat.ChatCompletion }
  | { sse: OpenAI.Chat.ChatCompletionChunk[]; hang?: boolean }
  | { status: number; error: { message: string; type: string; code: string } };

function sse(
  events: OpenAI.Chat.ChatCompletionChunk[],
  hang: boolean,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const event of events) controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
      if (!hang) {
        controller.enqueue(encoder.encode('data: [DONE]\n\n'));
        controller.close();
        return;
      }
      // A stream that stops mid-answer and stays open until the client goes away.
      signal.addEventListener('abort', () => controller.error(signal.reason), { once: true });
    },
  });
}

/** One handler for every Chat Completions request; `respond` sees the parsed request body. */
export function chatCompletions(respond: (body: OpenAI.Chat.ChatCompletionCreateParams) => Scripted) {
  return http.post(CHAT_URL, async ({ request }) => {
    const scripted = respond((await request.json()) as OpenAI.Chat.ChatCompletionCreateParams);
    if ('json' in scripted) return HttpResponse.json(scripted.json);
    if ('sse' in scripted) {
      return new HttpResponse(sse(scripted.sse, scripted.hang ?? false, request.signal), {
        headers: { 'content-type': 'text/event-stream' },
      });
    }
    return HttpResponse.json({ error: { ...scripted.error, param: null } }, { status: scripted.status });
  });
}

/** The text of the last user message of a request. */
export function lastUserText(body: OpenAI.Chat.ChatCompletionCreateParams): string {
  const message = body.messages.at(-1);
  return typeof message?.content === 'string' ? message.content : '';
}

/** For a test file: an msw server (handlers added per test) listening during its tests, reset after each. */
export function useMockServer(): ReturnType<typeof setupServer> {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}
