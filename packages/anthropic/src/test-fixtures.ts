// Test-only: Anthropic response bodies and SSE streams shaped like the API's (types in
// @anthropic-ai/sdk resources/messages, SSE framing as in the SDK's tests/lib/fixtures), and an
// msw server that answers the real client's HTTP. Not exported, not built.
import Anthropic from '@anthropic-ai/sdk';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';

export const BASE_URL = 'https://api.anthropic.com';

export interface UsageFixture {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  thinking_tokens?: number;
  /** The part of `cache_creation_input_tokens` written with `ttl: '1h'` (the rest is 5-minute). */
  cache_write_1h?: number;
  /** `server_tool_use.web_search_requests`; absent: `server_tool_use: null`. */
  web_search_requests?: number;
}

/** 2100 uncached input tokens and 5000 written to the cache, 4000 of them for an hour; three web searches run. */
export const SEARCHED_USAGE: UsageFixture = {
  input_tokens: 2100,
  output_tokens: 640,
  cache_creation_input_tokens: 5000,
  cache_write_1h: 4000,
  web_search_requests: 3,
};

/** The counts a call answered with `SEARCHED_USAGE` is billed: the cache writes are part of the input. */
export const SEARCHED_COUNTS = {
  tokens_input: 7100,
  tokens_cache_write: 5000,
  tokens_cache_write_1h: 4000,
  tokens_output: 640,
  web_search_requests: 3,
} as const;

export function usageBody(usage: UsageFixture): Record<string, unknown> {
  const write = usage.cache_creation_input_tokens ?? null;
  const write1h = usage.cache_write_1h ?? 0;
  return {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: usage.cache_read_input_tokens ?? null,
    cache_creation:
      write === null
        ? null
        : { ephemeral_5m_input_tokens: write - write1h, ephemeral_1h_input_tokens: write1h },
    output_tokens_details:
      usage.thinking_tokens === undefined ? null : { thinking_tokens: usage.thinking_tokens },
    server_tool_use:
      usage.web_search_requests === undefined
        ? null
        : { web_search_requests: usage.web_search_requests, web_fetch_requests: 0 },
    service_tier: 'standard',
    inference_geo: null,
    speed: null,
  };
}

export function messageBody(options: {
  id: string;
  model?: string;
  usage: UsageFixture;
  content?: unknown[];
  stop_reason?: string;
}): Record<string, unknown> {
  return {
    id: options.id,
    type: 'message',
    role: 'assistant',
    model: options.model ?? 'claude-haiku-4-5-20251001',
    content: options.content ?? [{ type: 'text', text: 'Hello there!', citations: null }],
    stop_reason: options.stop_reason ?? 'end_turn',
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: usageBody(options.usage),
  };
}

/** A `message_delta.usage` as the API sends it: every counter present (null when unsent), cumulative. */
export function deltaUsage(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    input_tokens: null,
    cache_creation_input_tokens: null,
    cache_read_input_tokens: null,
    output_tokens_details: null,
    server_tool_use: null,
    ...fields,
  };
}

/** The events of a streamed text answer, as the API sends them (a `ping` included). */
export function textStreamEvents(options: {
  id: string;
  model?: string;
  /** `message_start.message.usage`; `undefined` leaves the field out (as in Helicone's recorded fixtures). */
  startUsage: Record<string, unknown> | undefined;
  /** One `message_delta.usage` per entry (cumulative, as the API sends them). */
  deltaUsages: Record<string, unknown>[];
  text?: string[];
}): Record<string, unknown>[] {
  const message: Record<string, unknown> = {
    id: options.id,
    type: 'message',
    role: 'assistant',
    model: options.model ?? 'claude-haiku-4-5-20251001',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
  };
  if (options.startUsage !== undefined) message['usage'] = options.startUsage;
  const events: Record<string, unknown>[] = [
    { type: 'message_start', message },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } },
    { type: 'ping' },
  ];
  for (const text of options.text ?? ['Hello', ' there', '!']) {
    events.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
  }
  events.push({ type: 'content_block_stop', index: 0 });
  options.deltaUsages.forEach((usage, index) => {
    const last = index === options.deltaUsages.length - 1;
    events.push({
      type: 'message_delta',
      delta: {
        stop_reason: last ? 'end_turn' : null,
        stop_sequence: null,
        stop_details: null,
        container: null,
      },
      usage,
    });
  });
  events.push({ type: 'message_stop' });
  return events;
}

export function sseText(events: Record<string, unknown>[]): string {
  return events
    .map((event) => `event: ${String(event['type'])}\ndata: ${JSON.stringify(event)}\n\n`)
    .join('');
}

const encoder = new TextEncoder();

/**
 * An SSE response. With `holdFrom`, only the events before that index are sent at once; the rest
 * follow 100 ms later, unless `signal` (the request's) aborts first, which ends the body as a
 * server's ends when the client goes away.
 */
export function sseResponse(
  events: Record<string, unknown>[],
  options: { holdFrom?: number; signal?: AbortSignal } = {},
): Response {
  const { holdFrom = events.length, signal } = options;
  let open = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    cancel() {
      open = false;
      clearTimeout(timer);
    },
    start(controller) {
      const send = (batch: Record<string, unknown>[]) => {
        if (!open) return;
        for (const event of batch) controller.enqueue(encoder.encode(sseText([event])));
        controller.close();
        open = false;
      };
      for (const event of events.slice(0, holdFrom)) controller.enqueue(encoder.encode(sseText([event])));
      if (holdFrom >= events.length) return send([]);
      timer = setTimeout(() => send(events.slice(holdFrom)), 100);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          send([]);
        },
        { once: true },
      );
    },
  });
  return new HttpResponse(body, {
    headers: { 'content-type': 'text/event-stream', 'request-id': 'req_stream_1' },
  });
}

export function jsonResponse(body: unknown, status = 200): Response {
  return HttpResponse.json(body as Record<string, unknown>, {
    status,
    headers: { 'request-id': status === 200 ? 'req_json_1' : 'req_error_1' },
  });
}

export type MessagesHandler = (
  body: Record<string, unknown>,
  request: Request,
) => Response | Promise<Response>;

/** An msw server answering POST /v1/messages with `handler` (reset per test with `use`). */
export function createAnthropicServer() {
  const server = setupServer();
  return {
    server,
    /** Answers the next POST /v1/messages calls with `handler`; returns the request bodies seen. */
    answer(handler: MessagesHandler): Record<string, unknown>[] {
      const bodies: Record<string, unknown>[] = [];
      server.use(
        http.post(`${BASE_URL}/v1/messages`, async ({ request }) => {
          const body = (await request.json()) as Record<string, unknown>;
          bodies.push(body);
          return handler(body, request);
        }),
      );
      return bodies;
    },
  };
}

/**
 * The global fetch (msw's), with a body whose cancel settles at once, as undici's does. msw tees
 * every mocked body to observe it, and cancelling one branch of a tee only settles once the other
 * branch is cancelled or the source ends: without this, the SDK's own cleanup after a `break`
 * (`reader.cancel()`, awaited) would hang in tests, with or without this package.
 */
export async function fetchLikeUndici(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await globalThis.fetch(input, init);
  if (!response.body) return response;
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      reader.cancel(reason).catch(() => {});
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

export function createClient(): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-test', baseURL: BASE_URL, maxRetries: 0, fetch: fetchLikeUndici });
}

export const REQUEST = {
  model: 'claude-haiku-4-5',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'Say hello' }],
};
