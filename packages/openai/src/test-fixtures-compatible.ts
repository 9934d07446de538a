// Test-only (not built): an OpenAI-compatible Chat Completions server over real HTTP (node:http), with
// the quirks of the servers people point the openai client at: ids that repeat (`chatcmpl-123`,
// Ollama's `chatcmpl-<n % 999>` counter), usage on streams reported elsewhere (Groq's `x_groq.usage`,
// a running total on every chunk) or not at all, and `stream_options` refused with a 400.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CompatibleServerOptions {
  /** How response ids are made. Default `unique` (as OpenAI's). */
  ids?: 'unique' | 'constant' | 'ollama';
  /** Where a stream's usage goes. Default `standard`: a usage-only last chunk, only when `include_usage` is asked. */
  streamUsage?: 'standard' | 'groq' | 'every-chunk' | 'none';
  /** Leave `usage` out of whole (not streamed) answers. Default false. */
  omitPlainUsage?: boolean;
  /**
   * Refuse any request carrying `stream_options`, as servers that do not know the field do: `true` or
   * `openai` answer 400 with an OpenAI-style `{ error: { message } }` naming it; `pydantic` answers 422
   * with the body of a server validating with pydantic (Mistral's shape: `{ object: 'error', message:
   * { detail: [...] } }`), which openai-node does not keep on its error. Read at every request, so a
   * test may change it while the server runs (a server that gets upgraded).
   */
  refuseStreamOptions?: boolean | 'openai' | 'pydantic';
  /**
   * Answer an error instead, when this returns one for a request (`index` counts every request from
   * 0): a bad parameter, a content filter, a transient failure.
   */
  reject?: (body: ChatRequestBody, index: number) => { status: number; body: unknown } | undefined;
  /** The model named in answers. Default `local-model`. */
  model?: string;
}

export interface ChatRequestBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  messages?: Array<{ role?: string; content?: unknown }>;
}

export interface CompatibleServer {
  /** The base URL to give the client (`http://127.0.0.1:<port>/v1`). */
  baseURL: string;
  /** Every request body received, in order (refused ones included). */
  requests: ChatRequestBody[];
  /** The `[prompt, completion]` tokens of every call answered with a 200, in order. */
  answered: Array<[number, number]>;
  close(): Promise<void>;
}

function userText(body: ChatRequestBody): string {
  const last = body.messages?.at(-1);
  if (typeof last?.content === 'string') return last.content;
  if (Array.isArray(last?.content)) {
    return last.content
      .map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : ''))
      .join('');
  }
  return '';
}

/** Each call's counts differ with its prompt, so a call metered twice or not at all changes the sums. */
export function countsFor(text: string): [number, number] {
  return [10 + text.length, 3];
}

function usageObject([prompt, completion]: [number, number]) {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

async function readBody(request: IncomingMessage): Promise<ChatRequestBody> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as ChatRequestBody;
}

export async function startCompatibleServer(
  options: CompatibleServerOptions = {},
): Promise<CompatibleServer> {
  const requests: ChatRequestBody[] = [];
  const answered: Array<[number, number]> = [];
  const model = options.model ?? 'local-model';
  let counter = 0;
  const nextId = () => {
    if (options.ids === 'constant') return 'chatcmpl-123';
    if (options.ids === 'ollama') return `chatcmpl-${counter++ % 999}`;
    return `chatcmpl-${randomBytes(15).toString('base64url')}`;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
      return;
    }
    const body = await readBody(request);
    requests.push(body);
    const rejected = options.reject?.(body, requests.length - 1);
    if (rejected) {
      response.writeHead(rejected.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(rejected.body));
      return;
    }
    if (options.refuseStreamOptions === 'pydantic' && body.stream_options !== undefined) {
      response.writeHead(422, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          object: 'error',
          message: {
            detail: [
              {
                type: 'extra_forbidden',
                loc: ['body', 'stream_options'],
                msg: 'Extra inputs are not permitted',
                input: body.stream_options,
              },
            ],
          },
          type: 'invalid_request_message_error',
          param: null,
          code: null,
        }),
      );
      return;
    }
    if (options.refuseStreamOptions && body.stream_options !== undefined) {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: {
            message: 'Unrecognized request argument supplied: stream_options',
            type: 'invalid_request_error',
            param: null,
            code: null,
          },
        }),
      );
      return;
    }
    const id = nextId();
    const counts = countsFor(userText(body));
    answered.push(counts);
    const base = { id, created: 1_760_000_000, model, system_fingerprint: 'fp_local' };
    if (!body.stream) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          ...base,
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'ok' },
              finish_reason: 'stop',
              logprobs: null,
            },
          ],
          ...(options.omitPlainUsage ? {} : { usage: usageObject(counts) }),
        }),
      );
      return;
    }
    const mode = options.streamUsage ?? 'standard';
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices,
      ...extra,
    });
    const running = (completion: number) =>
      mode === 'every-chunk' ? { usage: usageObject([counts[0], completion]) } : {};
    const frames: unknown[] = [
      chunk([{ index: 0, delta: { role: 'assistant', content: 'o' }, finish_reason: null }], running(1)),
      chunk([{ index: 0, delta: { content: 'k' }, finish_reason: null }], running(2)),
      chunk(
        [{ index: 0, delta: {}, finish_reason: 'stop' }],
        mode === 'groq'
          ? { x_groq: { id: `req_${id}`, usage: { ...usageObject(counts), queue_time: 0.01 } } }
          : running(counts[1]),
      ),
    ];
    if (mode === 'standard' && body.stream_options?.include_usage === true) {
      frames.push(chunk([], { usage: usageObject(counts) }));
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const frame of frames) response.write(`data: ${JSON.stringify(frame)}\n\n`);
    response.end('data: [DONE]\n\n');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: String(error), type: 'server_error' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    answered,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The sums of `[prompt, completion]` pairs. */
export function sumCounts(pairs: Array<[number | undefined, number | undefined]>): [number, number] {
  return pairs.reduce<[number, number]>((sum, [a, b]) => [sum[0] + (a ?? 0), sum[1] + (b ?? 0)], [0, 0]);
}
