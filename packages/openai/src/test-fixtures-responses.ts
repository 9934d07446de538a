// Test-only (not built): Responses API and embeddings bodies, SSE event streams and error bodies, shaped
// as the openai SDK's own types describe them, served through msw.
import { HttpResponse, http } from 'msw';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import type { Response as OpenAIResponse, ResponseUsage } from 'openai/resources/responses/responses';
import { BASE_URL, CHAT_MODEL, type SseEvent, sseResponse } from './test-fixtures-http.js';

type RequestBody = { stream?: boolean; encoding_format?: string; input?: unknown };

export const RESPONSE_ID = 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b';

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
