// A local stand-in for api.openai.com: POST /v1/chat/completions answered with real response shapes
// (JSON, or SSE with the usage-only last chunk when `stream_options.include_usage`), so the example
// runs offline with the real `openai` client.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The usage the mock reports for a prompt, by the prompt's first word. */
const SCENARIOS: Record<string, { prompt: number; cached: number; completion: number; reasoning: number }> = {
  hello: { prompt: 25, cached: 0, completion: 13, reasoning: 0 },
  cached: { prompt: 4212, cached: 3000, completion: 77, reasoning: 0 },
  think: { prompt: 64, cached: 0, completion: 420, reasoning: 300 },
  // A tool run: the first step asks for the tool, the second answers with its result.
  weather: { prompt: 80, cached: 0, completion: 18, reasoning: 0 },
  'weather-result': { prompt: 120, cached: 0, completion: 9, reasoning: 0 },
};

interface ChatBody {
  model: string;
  messages: { role: string; content: string | null }[];
  tools?: { function: { name: string } }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

async function readJson(request: IncomingMessage): Promise<ChatBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody;
}

let counter = 0;

function answer(body: ChatBody, response: ServerResponse): void {
  const prompt = String(body.messages.findLast((message) => message.role === 'user')?.content ?? '');
  const toolResult = body.messages.some((message) => message.role === 'tool');
  const key = prompt.split(' ')[0] ?? '';
  const scenario = SCENARIOS[toolResult ? `${key}-result` : key] ?? SCENARIOS['hello']!;
  const toolName = !toolResult && key === 'weather' ? body.tools?.[0]?.function.name : undefined;
  // Real ids are `chatcmpl-` and 29 characters.
  const id = `chatcmpl-example${String(++counter).padStart(21, '0')}`;
  const usage = {
    prompt_tokens: scenario.prompt,
    completion_tokens: scenario.completion,
    total_tokens: scenario.prompt + scenario.completion,
    prompt_tokens_details: { cached_tokens: scenario.cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: scenario.reasoning, audio_tokens: 0 },
  };
  const base = {
    id,
    created: 1_760_000_000,
    model: `${body.model}-2025-01-01`,
    system_fingerprint: 'fp_example',
  };
  const words = `You said: ${prompt}`.split(/(?= )/);
  if (toolName) {
    const call = {
      id: `call_${id.slice(-8)}`,
      type: 'function',
      function: { name: toolName, arguments: '{"city":"Oslo"}' },
    };
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, tool_calls: [call], refusal: null },
            finish_reason: 'tool_calls',
            logprobs: null,
          },
        ],
        usage,
      }),
    );
    return;
  }
  if (!body.stream) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: words.join(''), refusal: null },
            finish_reason: 'stop',
            logprobs: null,
          },
        ],
        usage,
      }),
    );
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
  const chunk = { ...base, object: 'chat.completion.chunk' };
  words.forEach((word, index) => {
    const delta = index === 0 ? { role: 'assistant', content: word } : { content: word };
    send({ ...chunk, choices: [{ index: 0, delta, finish_reason: null, logprobs: null }], usage: null });
  });
  send({ ...chunk, choices: [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }], usage: null });
  if (body.stream_options?.include_usage) send({ ...chunk, choices: [], usage });
  response.end('data: [DONE]\n\n');
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error', code: null } }),
    );
    return;
  }
  answer(await readJson(request), response);
}

/** Starts the mock on 127.0.0.1 (a free port); `url` is the client's `baseURL`. */
export async function startMockOpenAI(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: String(error), type: 'server_error', code: null } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
