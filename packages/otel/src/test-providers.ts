// Test-only (not built): a local stand-in for api.openai.com and api.anthropic.com on 127.0.0.1, for
// tests whose clients run in another process (msw cannot reach them). Bodies follow the providers'
// response types (openai `ChatCompletion`, Anthropic `Message`). And the backend the zero-code
// metering tests run their apps against: the real server and these mocks.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer } from '@agentmeter/server';

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

/** What a zero-code app run ended with. */
export interface AppRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * What the zero-code metering tests run an app against: the real server (SQLite at `dbPath`) with a
 * default tier, an ingest key for the app, and the mock providers. `run()` starts Node with `args`
 * in a child process whose environment has only PATH, the mock providers' and the server's URLs
 * (`MOCK_OPENAI_URL`, `MOCK_ANTHROPIC_URL`, `AGENTMETER_URL`) and `env`.
 */
export async function startRegisterBackend(options: { dbPath: string; adminKey: string; keyName: string }) {
  const server = await startServer({
    port: 0,
    dbPath: options.dbPath,
    adminKey: options.adminKey,
    rateLimit: false,
  });
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, each test reads the fields it checks.
    return response.json() as Promise<any>;
  };
  await admin('PUT', '/v1/tiers/default', {
    base_fee: '0.001',
    token_rate_input: '0.003',
    token_rate_output: '0.015',
  });
  const ingestKey = (await admin('POST', '/v1/keys', { scope: 'ingest', name: options.keyName }))
    .key as string;
  const providers = await startMockProviders();
  const run = (args: string[], cwd: string, env: Record<string, string | undefined>): Promise<AppRun> => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: {
        PATH: process.env['PATH'],
        MOCK_OPENAI_URL: providers.openaiURL,
        MOCK_ANTHROPIC_URL: providers.anthropicURL,
        AGENTMETER_URL: server.url,
        ...env,
      } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  };
  return {
    server,
    providers,
    ingestKey,
    admin,
    run,
    async close() {
      await providers.close();
      await server.close();
    },
  };
}

export type RegisterBackend = Awaited<ReturnType<typeof startRegisterBackend>>;
