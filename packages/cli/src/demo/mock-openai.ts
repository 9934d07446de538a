// A local stand-in for api.openai.com: POST /v1/chat/completions answered with the real response
// shapes (a ChatCompletion, or server-sent ChatCompletionChunks with a final usage chunk when
// `stream_options.include_usage` is set). Deterministic: the same request gets the same answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** About four characters per token, as OpenAI's tokenizers average on English text. */
export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** A 32-bit FNV-1a hash: a stable seed from a string. */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const WORDS =
  'the agent found market pricing revenue growth customers signal report quarter churn segment analysis team product launch trend competitor evidence source data risk plan'.split(
    ' ',
  );

/** Deterministic prose of about `tokens` tokens. */
function prose(seed: number, tokens: number): string {
  const words: string[] = [];
  let length = 0;
  let state = seed || 1;
  while (length < tokens * 4) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const word = WORDS[state % WORDS.length] ?? 'data';
    words.push(word);
    length += word.length + 1;
  }
  return `${words.join(' ').slice(0, tokens * 4 - 1)}.`;
}

interface ChatRequest {
  model?: string;
  messages?: { role?: string; content?: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number;
  max_completion_tokens?: number;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((part) => (part as { text?: string } | null)?.text ?? '').join('');
  return '';
}

/** The answer: a label when the system prompt lists the allowed ones, else prose of 55–95% of the budget. */
function answer(body: ChatRequest): string {
  const messages = body.messages ?? [];
  const system = textOf(messages.find((message) => message.role === 'system')?.content);
  const user = textOf(messages.filter((message) => message.role === 'user').at(-1)?.content);
  const seed = hash32(user);
  const labels = /Answer with exactly one of: ([^.]+)\./.exec(system)?.[1]?.split(/,\s*/);
  if (labels && labels.length > 0) return labels[seed % labels.length] ?? 'other';
  const budget = body.max_completion_tokens ?? body.max_tokens ?? 512;
  const share = 0.55 + (seed % 41) / 100;
  return prose(seed, Math.max(1, Math.floor(budget * share)));
}

function usageOf(body: ChatRequest, completion: string) {
  const prompt = (body.messages ?? []).reduce(
    (sum, message) => sum + countTokens(textOf(message.content)) + 4,
    3,
  );
  const completionTokens = countTokens(completion);
  return {
    prompt_tokens: prompt,
    completion_tokens: completionTokens,
    total_tokens: prompt + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

async function readJson(request: IncomingMessage): Promise<ChatRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
}

function fail(response: ServerResponse, status: number, message: string, code: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } }));
}

export interface MockOpenAI {
  /** The base URL to give the client (`…/v1`). */
  baseURL: string;
  /** Requests answered so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/** Starts the mock on 127.0.0.1 (a free port). */
export async function startMockOpenAI(): Promise<MockOpenAI> {
  let counter = 0;
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions')
      return fail(response, 404, `Unknown request URL: ${request.method} ${request.url}.`, 'unknown_url');
    let body: ChatRequest;
    try {
      body = await readJson(request);
    } catch {
      return fail(response, 400, 'We could not parse the JSON body of your request.', 'invalid_json');
    }
    if (typeof body.model !== 'string' || !Array.isArray(body.messages) || body.messages.length === 0)
      return fail(
        response,
        400,
        "Missing required parameters: 'model' and 'messages'.",
        'missing_required_parameter',
      );
    counter += 1;
    const id = `chatcmpl-demo${String(counter).padStart(25, '0')}`;
    const created = Math.floor(Date.now() / 1000);
    const model = `${body.model}-2024-07-18`;
    const content = answer(body);
    const usage = usageOf(body, content);
    const headers = { 'x-request-id': `req_demo_${counter}`, 'openai-processing-ms': '42' };
    if (body.stream !== true) {
      response.writeHead(200, { 'content-type': 'application/json', ...headers });
      response.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content, refusal: null, annotations: [] },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage,
          service_tier: 'default',
          system_fingerprint: 'fp_demo0001',
        }),
      );
      return;
    }
    const withUsage = body.stream_options?.include_usage === true;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      response.write(
        `data: ${JSON.stringify({
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          service_tier: 'default',
          system_fingerprint: 'fp_demo0001',
          choices,
          ...(withUsage ? { usage: null } : {}),
          ...extra,
        })}\n\n`,
      );
    chunk([
      {
        index: 0,
        delta: { role: 'assistant', content: '', refusal: null },
        logprobs: null,
        finish_reason: null,
      },
    ]);
    const pieces = content.match(/.{1,48}/gs) ?? [];
    for (const piece of pieces)
      chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]);
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    if (withUsage) chunk([], { usage });
    response.end('data: [DONE]\n\n');
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return counter;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
