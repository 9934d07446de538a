// OpenAI's Chat Completions API, scripted for the conformance drivers whose provider is OpenAI (the
// `openai` client, LangChain's ChatOpenAI, the AI SDK's @ai-sdk/openai): the API's own JSON, SSE chunk and
// error shapes, usage sent on a streamed call's last chunk when `stream_options.include_usage` asks.
import { HttpResponse, http } from 'msw';
import type { SetupServer } from 'msw/node';
import type { ProviderScript, Reply } from './driver.js';
import { aborted, delay, freshId, type SseFrame, signal, sseResponse } from './provider-server.js';

export const CHAT_URL = 'https://api.openai.com/v1/chat/completions';
export const RESPONSE_MODEL = 'gpt-4o-2024-08-06';

/** OpenAI's error `type` on a 429 for too many requests: coarse (`requests` or `tokens`). */
const RATE_LIMIT_API_TYPE = 'requests';

/** OpenAI's error `code` on that 429, which the error type recorded is: the code says what happened. */
export const RATE_LIMIT_TYPE = 'rate_limit_exceeded';

/** The error `type` of an error OpenAI sends inside a stream. */
export const SERVER_ERROR_TYPE = 'server_error';

interface ChatRequest {
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  messages?: { role: string; content: unknown }[];
}

/** The text of the request's last message (a string, or text parts). */
function promptOf(body: ChatRequest): string {
  const content = body.messages?.at(-1)?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
  }
  return '';
}

function usageOf(reply: Reply) {
  return {
    prompt_tokens: reply.usage.input,
    completion_tokens: reply.usage.output,
    total_tokens: reply.usage.input + reply.usage.output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function completion(id: string, reply: Reply) {
  return {
    id,
    object: 'chat.completion',
    created: 1_760_000_000,
    model: RESPONSE_MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: usageOf(reply),
    service_tier: 'default',
    system_fingerprint: 'fp_conformance',
  };
}

/** The chunks of a streamed answer: the role, the text in two pieces, the finish, and the usage if asked. */
function chunks(id: string, reply: Reply, includeUsage: boolean): SseFrame[] {
  const base = { id, object: 'chat.completion.chunk', created: 1_760_000_000, model: RESPONSE_MODEL };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    data: {
      ...base,
      system_fingerprint: 'fp_conformance',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    },
  });
  const middle = Math.ceil(reply.text.length / 2);
  const frames: SseFrame[] = [
    chunk({ role: 'assistant', content: '', refusal: null }),
    chunk({ content: reply.text.slice(0, middle) }),
    chunk({ content: reply.text.slice(middle) }),
    chunk({}, 'stop'),
  ];
  if (includeUsage) {
    frames.push({
      data: { ...base, system_fingerprint: 'fp_conformance', choices: [], usage: usageOf(reply) },
    });
  }
  return frames;
}

/** The OpenAI Chat Completions API on `server`, as a conformance driver's `provider`. */
export function openAIChatApi(server: SetupServer): ProviderScript {
  return {
    answer(replyFor) {
      server.use(
        http.post(CHAT_URL, async ({ request }) => {
          const body = (await request.json()) as ChatRequest;
          const reply = replyFor(promptOf(body));
          if (reply.delayMs) await delay(reply.delayMs);
          const id = freshId('chatcmpl-');
          if (body.stream) {
            return sseResponse(chunks(id, reply, body.stream_options?.include_usage === true), {
              done: true,
              signal: request.signal,
            });
          }
          return HttpResponse.json(completion(id, reply), { headers: { 'x-request-id': freshId('req_') } });
        }),
      );
    },
    rateLimit() {
      server.use(
        http.post(CHAT_URL, () =>
          HttpResponse.json(
            {
              error: {
                message:
                  'Rate limit reached for gpt-4o in organization org-conformance on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.',
                type: RATE_LIMIT_API_TYPE,
                param: null,
                code: RATE_LIMIT_TYPE,
              },
            },
            { status: 429, headers: { 'x-request-id': 'req_rate_limited', 'retry-after': '20' } },
          ),
        ),
      );
    },
    unreachable() {
      server.use(http.post(CHAT_URL, () => HttpResponse.error()));
    },
    hang() {
      const received = signal();
      server.use(
        http.post(CHAT_URL, async ({ request }) => {
          received.resolve();
          await aborted(request.signal);
          return HttpResponse.error();
        }),
      );
      return { received: received.promise };
    },
    failStream(reply) {
      server.use(
        http.post(CHAT_URL, async ({ request }) => {
          const body = (await request.json()) as ChatRequest;
          const frames = chunks(freshId('chatcmpl-'), reply, body.stream_options?.include_usage === true);
          // The role chunk and the first piece of text, then the error OpenAI sends in the stream itself.
          const error = {
            error: {
              message: 'The server had an error while processing your request.',
              type: SERVER_ERROR_TYPE,
              param: null,
              code: null,
            },
          };
          return sseResponse([...frames.slice(0, 2), { data: error }], { signal: request.signal });
        }),
      );
      return { errorType: SERVER_ERROR_TYPE };
    },
    stallStream(reply) {
      const received = signal();
      server.use(
        http.post(CHAT_URL, async ({ request }) => {
          const body = (await request.json()) as ChatRequest;
          received.resolve();
          const frames = chunks(freshId('chatcmpl-'), reply, body.stream_options?.include_usage === true);
          // The role chunk and the first piece of text, then a generation still under way.
          return sseResponse(frames, { stallAfter: 2, signal: request.signal });
        }),
      );
      return { received: received.promise };
    },
  };
}
