// Test-only (not built): OpenAI response bodies and SSE streams, shaped as the openai SDK's own types
// and tests describe them, served through msw so the real client does real HTTP parsing.
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import OpenAI6 from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import type { Response as OpenAIResponse, ResponseUsage } from 'openai/resources/responses/responses';
import OpenAI5 from 'openai-v5';

export const BASE_URL = 'https://api.openai.com/v1';
export const CHAT_ID = 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT';
export const RESPONSE_ID = 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b';
export const CHAT_MODEL = 'gpt-4.1-2025-04-14';

/**
 * The msw server for a test file. msw hands a tee'd copy of every mocked body to its own lifecycle
 * events; a tee branch's `cancel()` waits for the other branch, so a client that stops reading early
 * (the SDK on `break`) would wait forever, which a real connection never does. The copy is released.
 */
export function createMockServer() {
  const server = setupServer();
  server.events.on('response:mocked', ({ response }) => {
    response.body?.cancel().catch(() => {});
  });
  return server;
}

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

export interface SseEvent {
  event?: string;
  data: unknown;
}

/** A `text/event-stream` body, one network chunk per event; `hang` keeps it open until the request is aborted. */
export function sseResponse(
  events: SseEvent[],
  options: { done?: boolean; hang?: boolean; requestId?: string; signal?: AbortSignal } = {},
) {
  const encoder = new TextEncoder();
  const frames = events.map(({ event, data }) => {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    return encoder.encode(`${event ? `event: ${event}\n` : ''}data: ${text}\n\n`);
  });
  if (options.done) frames.push(encoder.encode('data: [DONE]\n\n'));
  let next = 0;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      // A real connection errors its body when the request is aborted; the mocked one is told to.
      options.signal?.addEventListener('abort', () =>
        controller.error(new DOMException('aborted', 'AbortError')),
      );
    },
    async pull(controller) {
      await new Promise((resolve) => setImmediate(resolve));
      const frame = frames[next++];
      if (frame) controller.enqueue(frame);
      else if (!options.hang) controller.close();
      else await new Promise(() => {}); // stalls: only an abort or a cancel ends it
    },
  });
  return new HttpResponse(stream, {
    headers: { 'content-type': 'text/event-stream', 'x-request-id': options.requestId ?? 'req_stream' },
  });
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

export type Terminal = 'completed' | 'incomplete' | 'failed';

export interface ResponseScenario {
  id?: string;
  model?: string;
  text?: string;
  usage: ResponseUsage;
  terminal?: Terminal;
}

export function responseBody(
  scenario: ResponseScenario,
  status: OpenAIResponse['status'] = scenario.terminal ?? 'completed',
  withUsage = true,
) {
  const text = scenario.text ?? 'Paris is the capital of France.';
  return {
    id: scenario.id ?? RESPONSE_ID,
    object: 'response' as const,
    created_at: 1741476542,
    status,
    background: false,
    error: status === 'failed' ? { code: 'server_error' as const, message: 'The model failed.' } : null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' as const } : null,
    instructions: null,
    max_output_tokens: null,
    model: scenario.model ?? CHAT_MODEL,
    output:
      status === 'in_progress' || status === 'queued'
        ? []
        : [
            {
              type: 'message' as const,
              id: 'msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b',
              status: 'completed' as const,
              role: 'assistant' as const,
              content: [{ type: 'output_text' as const, text, annotations: [] }],
            },
          ],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' as const } },
    tool_choice: 'auto' as const,
    tools: [],
    top_p: 1,
    truncation: 'disabled' as const,
    usage: withUsage ? scenario.usage : null,
    user: null,
    metadata: {},
  };
}

/** The events of a streamed response, ending with `response.<terminal>` (which carries the usage). */
export function responseEvents(scenario: ResponseScenario): SseEvent[] {
  const text = scenario.text ?? 'Paris is the capital of France.';
  const itemId = 'msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b';
  const events: Array<Record<string, unknown> & { type: string }> = [
    { type: 'response.created', response: responseBody(scenario, 'in_progress', false) },
    { type: 'response.in_progress', response: responseBody(scenario, 'in_progress', false) },
    {
      type: 'response.output_item.added',
      output_index: 0,
      item: { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
    },
    {
      type: 'response.content_part.added',
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    },
    {
      type: 'response.output_text.delta',
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      delta: text.slice(0, 6),
      logprobs: [],
    },
    {
      type: 'response.output_text.delta',
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      delta: text.slice(6),
      logprobs: [],
    },
    {
      type: 'response.output_text.done',
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      text,
      logprobs: [],
    },
    { type: `response.${scenario.terminal ?? 'completed'}`, response: responseBody(scenario) },
  ];
  return events.map((data, sequence_number) => ({ event: data.type, data: { ...data, sequence_number } }));
}

export function responsesHandler(scenario: ResponseScenario) {
  return http.post(`${BASE_URL}/responses`, async ({ request }) => {
    const body = (await request.json()) as RequestBody;
    if (body.stream) return sseResponse(responseEvents(scenario));
    return HttpResponse.json(responseBody(scenario), { headers: { 'x-request-id': 'req_responses' } });
  });
}

function base64Floats(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString('base64');
}

/** `POST /embeddings`, base64 or float as the request asks (the SDK asks base64 by default). */
export function embeddingsHandler(promptTokens: number, model = 'text-embedding-3-small') {
  return http.post(`${BASE_URL}/embeddings`, async ({ request }) => {
    const body = (await request.json()) as RequestBody;
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const vector = [0.0023064255, -0.009327292, 0.015797347];
    const response = {
      object: 'list' as const,
      data: inputs.map((_, index) => ({
        object: 'embedding' as const,
        index,
        embedding: (body.encoding_format === 'base64' ? base64Floats(vector) : vector) as unknown as number[],
      })),
      model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    } satisfies CreateEmbeddingResponse;
    return HttpResponse.json(response);
  });
}

/** An OpenAI error body with its status. */
export function errorHandler(path: string, status: number, type: string, message: string) {
  return http.post(`${BASE_URL}${path}`, () =>
    HttpResponse.json({ error: { message, type, param: null, code: null } }, { status }),
  );
}

export function usage(
  prompt: number,
  completion: number,
  details: { cached?: number; cacheWrite?: number; reasoning?: number } = {},
): CompletionUsage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: details.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: details.reasoning ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
    ...(details.cacheWrite === undefined
      ? {}
      : {
          prompt_tokens_details: {
            cached_tokens: details.cached ?? 0,
            cache_write_tokens: details.cacheWrite,
            audio_tokens: 0,
          },
        }),
  };
}

export function responseUsage(
  input: number,
  output: number,
  details: { cached?: number; cacheWrite?: number; reasoning?: number } = {},
): ResponseUsage {
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: details.cached ?? 0, cache_write_tokens: details.cacheWrite ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: details.reasoning ?? 0 },
    total_tokens: input + output,
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
