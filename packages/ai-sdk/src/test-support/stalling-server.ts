// A Chat Completions server over real HTTP (node:http) whose streamed answer stops mid-sentence and stays
// open, as a model still thinking does: the client's fetch, and what the provider package makes of its
// response body when the call is aborted, are the real ones.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StallingServer {
  /** The base URL to give the provider (`http://127.0.0.1:<port>/v1`). */
  baseURL: string;
  /** How many requests have come in. */
  requests(): number;
  /** Resolves when the client has gone away from a streamed answer (its connection closed). */
  disconnected: Promise<void>;
  close(): Promise<void>;
}

/** Streams `words` as Chat Completions chunks with the response id `id`, then sends nothing more. */
export async function startStallingServer(id: string, words: string[]): Promise<StallingServer> {
  let requests = 0;
  let onDisconnect: () => void = () => {};
  const disconnected = new Promise<void>((resolve) => {
    onDisconnect = resolve;
  });
  const open = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      open.add(response);
      response.on('close', () => {
        open.delete(response);
        onDisconnect();
      });
      const base = {
        id,
        object: 'chat.completion.chunk',
        created: 1_760_000_000,
        model: 'gpt-4o-2024-08-06',
      };
      words.forEach((word, index) => {
        const delta = index === 0 ? { role: 'assistant', content: word } : { content: word };
        const chunk = { ...base, choices: [{ index: 0, delta, finish_reason: null, logprobs: null }] };
        response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests: () => requests,
    disconnected,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of open) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
