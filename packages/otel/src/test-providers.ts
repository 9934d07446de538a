// Test-only (not built): a local stand-in for api.openai.com and api.anthropic.com on 127.0.0.1, for
// tests whose clients run in another process (msw cannot reach them). Bodies follow the providers'
// response types (openai `ChatCompletion`, Anthropic `Message`).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

let counter = 0;
// Shaped like the providers' random ids (varied characters), so the SDK takes them for unique ones.
const nextId = () => `Q7xK2pVz9LmR4wTb${String(++counter).padStart(6, '0')}`;

/** Starts the mock; `openaiURL` is a `baseURL` for `new OpenAI()`, `anthropicURL` one for `new Anthropic()`. */
export async function startMockProviders(): Promise<{
  openaiURL: string;
  anthropicURL: string;
  requests: string[];
  close: () => Promise<void>;
}> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    readJson(request)
      .then((body) => {
        requests.push(`${request.method} ${request.url}`);
        const model = String(body['model']);
        if (request.url === '/openai/v1/chat/completions') {
          response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_mock' });
          response.end(
            JSON.stringify({
              id: `chatcmpl-${nextId()}`,
              object: 'chat.completion',
              created: 1741569952,
              model: `${model}-2025-04-14`,
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: 'Hello!', refusal: null },
                  logprobs: null,
                  finish_reason: 'stop',
                },
              ],
              usage: {
                prompt_tokens: 19,
                completion_tokens: 10,
                total_tokens: 29,
                prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
                completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
              },
            }),
          );
          return;
        }
        if (request.url === '/anthropic/v1/messages') {
          response.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_mock' });
          response.end(
            JSON.stringify({
              id: `msg_01${nextId()}`,
              type: 'message',
              role: 'assistant',
              model: `${model}-20251001`,
              content: [{ type: 'text', text: 'Hello!', citations: null }],
              stop_reason: 'end_turn',
              stop_sequence: null,
              usage: {
                input_tokens: 12,
                output_tokens: 7,
                cache_creation_input_tokens: 0,
                cache_read_input_tokens: 100,
                cache_creation: null,
                output_tokens_details: null,
                server_tool_use: null,
                service_tier: 'standard',
              },
            }),
          );
          return;
        }
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: `No route ${request.url}` } }));
      })
      .catch((error: unknown) => response.destroy(error as Error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    openaiURL: `${base}/openai/v1`,
    anthropicURL: `${base}/anthropic`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
