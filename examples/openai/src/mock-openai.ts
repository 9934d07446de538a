// A local stand-in for api.openai.com: chat completions, responses and embeddings answered with real
// response shapes (JSON, or SSE when `stream: true`), so the example runs offline with the real client.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Scenario {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

/** The usage the mock reports for a prompt, by the prompt's first word. */
const SCENARIOS: Record<string, Scenario> = {
  hello: { input: 25, cached: 0, output: 13, reasoning: 0 },
  cached: { input: 2048, cached: 1920, output: 96, reasoning: 0 },
  think: { input: 64, cached: 0, output: 420, reasoning: 300 },
};

let counter = 0;
const nextId = (prefix: string) => `${prefix}${String(++counter).padStart(4, '0')}mockA1b2C3d4E5f6G7h8I9j0`;

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

function promptOf(body: Record<string, unknown>): string {
  const messages = body['messages'] as { content?: unknown }[] | undefined;
  return String(messages?.at(-1)?.content ?? body['input'] ?? '');
}

function scenarioOf(prompt: string): Scenario {
  return SCENARIOS[prompt.split(' ')[0] ?? ''] ?? SCENARIOS['hello']!;
}

async function sendEvents(
  response: ServerResponse,
  events: Array<{ event?: string; data: unknown }>,
  done: boolean,
) {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const { event, data } of events) {
    if (response.destroyed) return;
    response.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  if (done) response.write('data: [DONE]\n\n');
  response.end();
}

function chat(body: Record<string, unknown>, response: ServerResponse): Promise<void> | void {
  const prompt = promptOf(body);
  const scenario = scenarioOf(prompt);
  const base = {
    id: nextId('chatcmpl-'),
    created: Math.floor(Date.now() / 1000),
    model: `${body['model']}-2025-04-14`,
  };
  const usage = {
    prompt_tokens: scenario.input,
    completion_tokens: scenario.output,
    total_tokens: scenario.input + scenario.output,
    prompt_tokens_details: { cached_tokens: scenario.cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: scenario.reasoning, audio_tokens: 0 },
  };
  const words = `You said: ${prompt}`.split(' ');
  if (!body['stream']) {
    const message = { role: 'assistant', content: words.join(' '), refusal: null };
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message, logprobs: null, finish_reason: 'stop' }],
        usage,
      }),
    );
    return;
  }
  const includeUsage =
    (body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage === true;
  const chunk = (delta: object, finish: string | null) => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks: object[] = [chunk({ role: 'assistant', content: '' }, null)];
  for (const [index, word] of words.entries())
    chunks.push(chunk({ content: index === 0 ? word : ` ${word}` }, null));
  chunks.push(chunk({}, 'stop'));
  if (includeUsage) chunks.push({ ...base, object: 'chat.completion.chunk', choices: [], usage });
  return sendEvents(
    response,
    chunks.map((data) => ({ data })),
    true,
  );
}

function responses(body: Record<string, unknown>, response: ServerResponse): Promise<void> | void {
  const prompt = promptOf(body);
  const scenario = scenarioOf(prompt);
  const text = `You said: ${prompt}`;
  const done = {
    id: nextId('resp_'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    error: null,
    incomplete_details: null,
    model: `${body['model']}-2025-04-14`,
    output: [
      {
        type: 'message',
        id: nextId('msg_'),
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ],
    usage: {
      input_tokens: scenario.input,
      input_tokens_details: { cached_tokens: scenario.cached, cache_write_tokens: 0 },
      output_tokens: scenario.output,
      output_tokens_details: { reasoning_tokens: scenario.reasoning },
      total_tokens: scenario.input + scenario.output,
    },
  };
  if (!body['stream']) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(done));
    return;
  }
  const started = { ...done, status: 'in_progress', output: [], usage: null };
  const item = done.output[0]!;
  const part = { item_id: item.id, output_index: 0, content_index: 0 };
  const events = [
    { type: 'response.created', response: started },
    {
      type: 'response.output_item.added',
      output_index: 0,
      item: { ...item, status: 'in_progress', content: [] },
    },
    {
      type: 'response.content_part.added',
      ...part,
      part: { type: 'output_text', text: '', annotations: [] },
    },
    { type: 'response.output_text.delta', ...part, delta: text, logprobs: [] },
    { type: 'response.output_text.done', ...part, text, logprobs: [] },
    { type: 'response.content_part.done', ...part, part: item.content[0] },
    { type: 'response.output_item.done', output_index: 0, item },
    { type: 'response.completed', response: done },
  ].map((data, sequence_number) => ({ event: data.type, data: { ...data, sequence_number } }));
  return sendEvents(response, events, false);
}

function embeddings(body: Record<string, unknown>, response: ServerResponse): void {
  const inputs = Array.isArray(body['input']) ? body['input'] : [body['input']];
  const vector = [0.0023064255, -0.009327292, 0.015797347];
  const encoded = Buffer.from(new Float32Array(vector).buffer).toString('base64');
  const tokens = inputs.reduce((sum: number, input) => sum + String(input).split(' ').length, 0);
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      object: 'list',
      data: inputs.map((_, index) => ({
        object: 'embedding',
        index,
        embedding: body['encoding_format'] === 'base64' ? encoded : vector,
      })),
      model: body['model'],
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    }),
  );
}

const ROUTES: Record<
  string,
  (body: Record<string, unknown>, response: ServerResponse) => Promise<void> | void
> = {
  '/v1/chat/completions': chat,
  '/v1/responses': responses,
  '/v1/embeddings': embeddings,
};

/** Starts the mock on 127.0.0.1 (a free port); `url` is the `baseURL` to give the client. */
export async function startMockOpenAI(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const route = request.method === 'POST' ? ROUTES[request.url ?? ''] : undefined;
    if (!route) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error' } }));
      return;
    }
    readJson(request)
      .then((body) => route(body, response))
      .catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: String(error), type: 'server_error' } }));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
