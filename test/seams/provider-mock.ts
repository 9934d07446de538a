// A model provider on 127.0.0.1, over real HTTP, for the real SDK clients (pointed at it with `baseURL`):
// OpenAI chat completions (plain, and SSE with a usage-only last chunk when `stream_options.include_usage`
// is asked), OpenAI embeddings, Anthropic messages (plain and SSE, with cache reads and cache writes).
//
// Every call of a cell gets its own token counts (the k-th call adds k), so two calls merged into one
// charge, or a count read from the wrong field, shows in the ledger. Response ids follow one of four
// styles, the ways real servers answer them.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * `unique`: random, as OpenAI and Anthropic answer; `constant`: `chatcmpl-123` / `msg_123` every time
 * (test servers, some proxies); `ollama`: `chatcmpl-<n % 999>`, a process-wide counter that wraps
 * around; `none`: no id field at all.
 */
export type IdStyle = 'unique' | 'constant' | 'ollama' | 'none';
export const ID_STYLES: readonly IdStyle[] = ['unique', 'constant', 'ollama', 'none'];

export const OPENAI_CHAT_MODEL = 'gpt-4o-mini';
export const OPENAI_EMBEDDING_MODEL = 'text-embedding-3-small';
export const ANTHROPIC_MODEL = 'claude-sonnet-4-5';

/** What the provider bills for the k-th call of a cell (input counts cache reads and writes in). */
export interface CallTokens {
  input: number;
  output: number;
}

// OpenAI: `prompt_tokens` already includes the cached tokens.
const CHAT = { prompt: 1200, cached: 1024, completion: 300 };
const EMBEDDING = { prompt: 800 };
// Anthropic: `input_tokens` leaves out cache reads and cache writes; the bill counts all three.
const MESSAGES = { input: 50, cacheRead: 12_000, cacheWrite: 700, output: 300 };

export function chatTokens(k: number): CallTokens {
  return { input: CHAT.prompt + k, output: CHAT.completion + k };
}
export function embeddingTokens(k: number): CallTokens {
  return { input: EMBEDDING.prompt + k, output: 0 };
}
export function messagesTokens(k: number): CallTokens {
  return {
    input: MESSAGES.input + k + MESSAGES.cacheRead + MESSAGES.cacheWrite,
    output: MESSAGES.output + k,
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function random62(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += BASE62[byte % 62];
  return out;
}

/** One request the provider answered. */
export interface ProviderRequest {
  path: string;
  stream: boolean;
  includeUsage: boolean;
  id: string | undefined;
}

export interface ProviderMock {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The requests since the last `reset`. */
  readonly requests: ProviderRequest[];
  /** Starts a cell: its id style, and call numbering from 0. */
  reset(style: IdStyle): void;
  close(): Promise<void>;
}

// Ollama numbers its completions process-wide and wraps around at 999.
let ollamaCounter = 0;

export async function startProviderMock(): Promise<ProviderMock> {
  let style: IdStyle = 'unique';
  let calls = 0;
  const requests: ProviderRequest[] = [];

  const idFor = (prefix: 'chatcmpl-' | 'msg_'): string | undefined => {
    switch (style) {
      case 'unique':
        return prefix === 'msg_' ? `msg_01${random62(22)}` : `chatcmpl-${random62(29)}`;
      case 'constant':
        return `${prefix}123`;
      case 'ollama':
        return `${prefix}${ollamaCounter++ % 999}`;
      case 'none':
        return undefined;
    }
  };

  const server: Server = createServer((request, response) => {
    readJson(request)
      .then((body) => answer(request, response, body))
      .catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: String(error) } }));
      });
  });

  function answer(request: IncomingMessage, response: ServerResponse, body: Record<string, unknown>): void {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const stream = body['stream'] === true;
    const includeUsage =
      (body['stream_options'] as { include_usage?: unknown } | undefined)?.include_usage === true;
    const k = calls++;
    if (request.method === 'POST' && path.endsWith('/chat/completions')) {
      const id = idFor('chatcmpl-');
      requests.push({ path, stream, includeUsage, id });
      if (stream)
        sse(
          response,
          chatChunks(id, k, includeUsage).map((chunk) => ({ data: chunk })),
          true,
        );
      else json(response, chatCompletion(id, k));
      return;
    }
    if (request.method === 'POST' && path.endsWith('/embeddings')) {
      // OpenAI's embeddings responses carry no id.
      requests.push({ path, stream: false, includeUsage: false, id: undefined });
      json(response, embeddings(k));
      return;
    }
    if (request.method === 'POST' && path.endsWith('/messages')) {
      const id = idFor('msg_');
      requests.push({ path, stream, includeUsage: false, id });
      if (stream) sse(response, messageEvents(id, k), false);
      else json(response, message(id, k));
      return;
    }
    calls--;
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { message: `no route ${request.method} ${path}` } }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reset(next) {
      style = next;
      calls = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function json(response: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sse(response: ServerResponse, events: { event?: string; data: unknown }[], done: boolean): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const { event, data } of events) {
    response.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  }
  if (done) response.write('data: [DONE]\n\n');
  response.end();
}

const withId = (id: string | undefined) => (id === undefined ? {} : { id });

function chatUsage(k: number) {
  const prompt = CHAT.prompt + k;
  const completion = CHAT.completion + k;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: CHAT.cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}

function chatCompletion(id: string | undefined, k: number) {
  return {
    ...withId(id),
    object: 'chat.completion',
    created: 1_760_000_000,
    model: OPENAI_CHAT_MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello there', refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: chatUsage(k),
    system_fingerprint: 'fp_seams',
  };
}

function chatChunks(id: string | undefined, k: number, includeUsage: boolean) {
  const base = {
    ...withId(id),
    object: 'chat.completion.chunk',
    created: 1_760_000_000,
    model: OPENAI_CHAT_MODEL,
    system_fingerprint: 'fp_seams',
    // With usage asked, OpenAI sends `usage: null` on every chunk but the last.
    ...(includeUsage ? { usage: null } : {}),
  };
  const choice = (delta: object, finish: string | null) => [
    { index: 0, delta, logprobs: null, finish_reason: finish },
  ];
  const chunks: object[] = [
    { ...base, choices: choice({ role: 'assistant', content: '', refusal: null }, null) },
    { ...base, choices: choice({ content: 'Hello' }, null) },
    { ...base, choices: choice({ content: ' there' }, null) },
    { ...base, choices: choice({}, 'stop') },
  ];
  if (includeUsage) chunks.push({ ...base, choices: [], usage: chatUsage(k) });
  return chunks;
}

function embeddings(k: number) {
  const prompt = EMBEDDING.prompt + k;
  return {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3, 0.05] }],
    model: OPENAI_EMBEDDING_MODEL,
    usage: { prompt_tokens: prompt, total_tokens: prompt },
  };
}

function messagesUsage(k: number, output: number) {
  return {
    input_tokens: MESSAGES.input + k,
    cache_creation_input_tokens: MESSAGES.cacheWrite,
    cache_read_input_tokens: MESSAGES.cacheRead,
    output_tokens: output,
    service_tier: 'standard',
  };
}

function message(id: string | undefined, k: number) {
  return {
    ...withId(id),
    type: 'message',
    role: 'assistant',
    model: ANTHROPIC_MODEL,
    content: [{ type: 'text', text: 'Hello there' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: messagesUsage(k, MESSAGES.output + k),
  };
}

function messageEvents(id: string | undefined, k: number) {
  const start = {
    ...withId(id),
    type: 'message',
    role: 'assistant',
    model: ANTHROPIC_MODEL,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    // As Anthropic streams it: the input side at the start, output 1 so far; the final output count
    // comes in `message_delta`.
    usage: messagesUsage(k, 1),
  };
  const events: { event: string; data: object }[] = [
    { event: 'message_start', data: { type: 'message_start', message: start } },
    {
      event: 'content_block_start',
      data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    },
    { event: 'ping', data: { type: 'ping' } },
    {
      event: 'content_block_delta',
      data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
    },
    {
      event: 'content_block_delta',
      data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' there' } },
    },
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    {
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: MESSAGES.output + k },
      },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ];
  return events;
}
