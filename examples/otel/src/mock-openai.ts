// A local stand-in for api.openai.com: POST /v1/chat/completions answered with real response shapes
// (JSON, or SSE with the final usage chunk when `stream_options.include_usage` is set), so the example
// runs offline with the real client.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

let counter = 0;

async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error' } }));
    return;
  }
  const body = await readJson(request);
  const id = `chatcmpl-example${String(++counter).padStart(16, '0')}`;
  const model = `${String(body['model'])}-2025-04-14`;
  const usage = {
    prompt_tokens: 1200,
    completion_tokens: 80,
    total_tokens: 1280,
    prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
  const base = { id, created: 1741569952, model, system_fingerprint: 'fp_example' };
  if (body['stream'] !== true) {
    response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${id}` });
    response.end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Your order ships tomorrow.', refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage,
      }),
    );
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': `req_${id}` });
  const send = (chunk: unknown) => response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  for (const word of ['Your ', 'order ', 'ships ', 'tomorrow.']) {
    send({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { content: word }, logprobs: null, finish_reason: null }],
    });
  }
  send({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
  });
  const streamOptions = body['stream_options'] as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage) send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
  response.end('data: [DONE]\n\n');
}

/** Starts the mock on 127.0.0.1 (a free port); returns its base URL (for `baseURL`) and a close function. */
export async function startMockOpenAI(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    answer(request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
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
