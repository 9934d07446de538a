// Anthropic's Messages API, scripted for the conformance drivers whose provider is Anthropic: the API's
// own message, SSE event and error shapes. A stream reports the input tokens (and one output token) on
// `message_start` and the final output count on `message_delta`, as the API does.
import { HttpResponse, http } from 'msw';
import type { SetupServer } from 'msw/node';
import type { ProviderScript, Reply, SeenSoFar, Usage } from './driver.js';
import { aborted, delay, freshId, type SseFrame, signal, sseResponse } from './provider-server.js';

export const MESSAGES_URL = 'https://api.anthropic.com/v1/messages';
export const RESPONSE_MODEL = 'claude-haiku-4-5-20251001';
export const RATE_LIMIT_TYPE = 'rate_limit_error';

/** What a stream cut after its first text delta has reported: `message_start`'s counts. */
export function seenSoFar(usage: Usage): SeenSoFar {
  return { tokens_input: usage.input, tokens_output: 1 };
}

function promptOf(body: { messages?: { content: unknown }[] }): string {
  const content = body.messages?.at(-1)?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((block) => (typeof block?.text === 'string' ? block.text : '')).join('');
  }
  return '';
}

function usageBody(input: number, output: number) {
  return {
    input_tokens: input,
    output_tokens: output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    server_tool_use: null,
    service_tier: 'standard',
  };
}

function message(id: string, reply: Reply) {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: RESPONSE_MODEL,
    content: [{ type: 'text', text: reply.text, citations: null }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    container: null,
    usage: usageBody(reply.usage.input, reply.usage.output),
  };
}

/** The events of a streamed text answer, the text in two deltas (the first is event 4). */
function events(id: string, reply: Reply): SseFrame[] {
  const middle = Math.ceil(reply.text.length / 2);
  const list: Record<string, unknown>[] = [
    {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: RESPONSE_MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        container: null,
        usage: usageBody(reply.usage.input, 1),
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } },
    { type: 'ping' },
    {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: reply.text.slice(0, middle) },
    },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: reply.text.slice(middle) } },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null, container: null },
      usage: {
        input_tokens: null,
        output_tokens: reply.usage.output,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
        server_tool_use: null,
      },
    },
    { type: 'message_stop' },
  ];
  return list.map((data) => ({ event: String(data['type']), data }));
}

/** The Anthropic Messages API on `server`, as a conformance driver's `provider`. */
export function anthropicMessagesApi(server: SetupServer): ProviderScript {
  return {
    answer(replyFor) {
      server.use(
        http.post(MESSAGES_URL, async ({ request }) => {
          const body = (await request.json()) as { stream?: boolean; messages?: { content: unknown }[] };
          const reply = replyFor(promptOf(body));
          if (reply.delayMs) await delay(reply.delayMs);
          const id = freshId('msg_01', 22);
          if (body.stream) return sseResponse(events(id, reply), { signal: request.signal });
          return HttpResponse.json(message(id, reply), { headers: { 'request-id': freshId('req_') } });
        }),
      );
    },
    rateLimit() {
      server.use(
        http.post(MESSAGES_URL, () =>
          HttpResponse.json(
            {
              type: 'error',
              error: { type: RATE_LIMIT_TYPE, message: 'Number of requests has exceeded your rate limit.' },
              request_id: 'req_rate_limited',
            },
            { status: 429, headers: { 'request-id': 'req_rate_limited', 'retry-after': '20' } },
          ),
        ),
      );
    },
    unreachable() {
      server.use(http.post(MESSAGES_URL, () => HttpResponse.error()));
    },
    hang() {
      const received = signal();
      server.use(
        http.post(MESSAGES_URL, async ({ request }) => {
          received.resolve();
          await aborted(request.signal);
          return HttpResponse.error();
        }),
      );
      return { received: received.promise };
    },
    failStream(reply) {
      server.use(
        http.post(MESSAGES_URL, ({ request }) => {
          const frames = events(freshId('msg_01', 22), reply).slice(0, 4);
          // The first text delta, then the error event Anthropic sends when it is overloaded mid-answer.
          frames.push({
            event: 'error',
            data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
          });
          return sseResponse(frames, { signal: request.signal });
        }),
      );
      return { errorType: 'overloaded_error' };
    },
    stallStream(reply) {
      const received = signal();
      server.use(
        http.post(MESSAGES_URL, ({ request }) => {
          received.resolve();
          // message_start, content_block_start, ping and the first text delta; then a generation under way.
          return sseResponse(events(freshId('msg_01', 22), reply), { stallAfter: 4, signal: request.signal });
        }),
      );
      return { received: received.promise };
    },
  };
}
