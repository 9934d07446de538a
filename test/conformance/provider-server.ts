// The provider's network, for the conformance drivers: one msw server per test file, and the pieces every
// scripted provider API is made of (server-sent events that can stall until the client goes away, response
// ids that never repeat). The provider packages themselves (openai, @anthropic-ai/sdk, @langchain/*, ai)
// are the real ones; only their HTTP requests are answered here.
import { randomBytes } from 'node:crypto';
import { HttpResponse } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * For a driver file: an msw server listening during its tests, its handlers reset after each. msw hands a
 * tee'd copy of every mocked body to its own lifecycle events; a tee branch's `cancel()` waits for the
 * other branch, so a client that stops reading early (a `break`) would wait forever, which a real
 * connection never does. The copy is released at once.
 */
export function useProviderServer(): SetupServer {
  const server = setupServer();
  server.events.on('response:mocked', ({ response }) => {
    response.body?.cancel().catch(() => {});
  });
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A response id that looks like a real provider's (`chatcmpl-` or `msg_01` and a long random tail): such
 * ids are unique, so the wrappers key events and link layers by them. Every response gets its own, as from
 * the real API: a repeated id would merge distinct calls (same event id) or let one layer hide another's.
 */
export function freshId(prefix: string, length = 29): string {
  const bytes = randomBytes(length);
  let tail = '';
  for (const byte of bytes) tail += ALPHABET[byte % ALPHABET.length];
  return `${prefix}${tail}`;
}

export interface SseFrame {
  event?: string;
  data: unknown;
}

/**
 * A `text/event-stream` response, one network chunk per frame. With `stallAfter`, only that many frames
 * are sent; the body then stays open until `signal` (the request's) aborts, and errors as a real
 * connection's body does when the client goes away.
 */
export function sseResponse(
  frames: SseFrame[],
  options: {
    done?: boolean;
    stallAfter?: number;
    signal?: AbortSignal;
    headers?: Record<string, string>;
  } = {},
): Response {
  const encoder = new TextEncoder();
  const encoded = frames.map(({ event, data }) =>
    encoder.encode(
      `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
    ),
  );
  if (options.done && options.stallAfter === undefined) encoded.push(encoder.encode('data: [DONE]\n\n'));
  const sent = options.stallAfter ?? encoded.length;
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      options.signal?.addEventListener(
        'abort',
        () => {
          try {
            controller.error(new DOMException('The operation was aborted.', 'AbortError'));
          } catch {
            // Already closed.
          }
        },
        { once: true },
      );
    },
    async pull(controller) {
      await new Promise((resolve) => setImmediate(resolve));
      if (next < sent) {
        const frame = encoded[next++];
        if (frame) controller.enqueue(frame);
        return;
      }
      if (options.stallAfter === undefined) {
        controller.close();
        return;
      }
      // A generation still under way: only the client going away ends it.
      await new Promise(() => {});
    },
  });
  return new HttpResponse(body, {
    headers: { 'content-type': 'text/event-stream', ...options.headers },
  });
}

/** Resolves when `signal` aborts (at once if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** A promise and its resolver. */
export function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
