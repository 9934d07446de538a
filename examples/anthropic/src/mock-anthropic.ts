// A local stand-in for api.anthropic.com: POST /v1/messages answered with real response shapes
// (JSON, or SSE when `stream: true`), so the example runs offline with the real client.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The usage the mock reports for a prompt, by the prompt's first word. */
const SCENARIOS: Record<
  string,
  { input: number; cacheRead: number; cacheWrite: number; output: number; thinking?: number }
> = {
  hello: { input: 25, cacheRead: 0, cacheWrite: 0, output: 13 },
  cached: { input: 12, cacheRead: 3000, cacheWrite: 1200, output: 77 },
  think: { input: 64, cacheRead: 0, cacheWrite: 0, output: 420, thinking: 300 },
};

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

function usageOf(scenario: (typeof SCENARIOS)[string]) {
  return {
    input_tokens: scenario.input,
    output_tokens: scenario.output,
    cache_read_input_tokens: scenario.cacheRead,
    cache_creation_input_tokens: scenario.cacheWrite,
    cache_creation: { ephemeral_5m_input_tokens: scenario.cacheWrite, ephemeral_1h_input_tokens: 0 },
    output_tokens_details: scenario.thinking === undefined ? null : { thinking_tokens: scenario.thinking },
    server_tool_use: null,
    service_tier: 'standard',
    inference_geo: null,
    speed: null,
  };
}

let counter = 0;

async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST' || request.url !== '/v1/messages') {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'Not found' } }));
    return;
  }
  const body = await readJson(request);
  const prompt = String((body['messages'] as { content?: unknown }[] | undefined)?.[0]?.content ?? '');
  const scenario = SCENARIOS[prompt.split(' ')[0] ?? ''] ?? SCENARIOS['hello']!;
  const id = `msg_mock_${String(++counter).padStart(4, '0')}`;
  const model = String(body['model']);
  const text = `You said: ${prompt}`;
  const usage = usageOf(scenario);
  const message = {
    id,
    type: 'message',
    role: 'assistant',
    model,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
  };
  if (body['stream'] !== true) {
    response.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${id}` });
    response.end(
      JSON.stringify({
        ...message,
        content: [{ type: 'text', text, citations: null }],
        stop_reason: 'end_turn',
        usage,
      }),
    );
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_${id}` });
  const send = (event: Record<string, unknown>) =>
    response.write(`event: ${String(event['type'])}\ndata: ${JSON.stringify(event)}\n\n`);
  // The counters are cumulative: message_start carries the input side, message_delta the final totals.
  send({
    type: 'message_start',
    message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
  });
  send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } });
  for (const word of text.split(' ')) {
    send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `${word} ` } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (response.destroyed) return;
  }
  send({ type: 'content_block_stop', index: 0 });
  send({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage });
  send({ type: 'message_stop' });
  response.end();
}

/** Starts the mock on 127.0.0.1 (a free port); returns its base URL and a close function. */
export async function startMockAnthropic(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    answer(request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
