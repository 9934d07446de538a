// Test-only (not built): the msw server and the SSE body used by every OpenAI fixture.
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';

export const BASE_URL = 'https://api.openai.com/v1';
export const CHAT_MODEL = 'gpt-4.1-2025-04-14';

/**
 * The msw server for a test file. msw hands a tee'd copy of every mocked body to its own lifecycle
 * events; a tee branch's `cancel()` waits for the other branch, so a client that stops reading early
 * (the SDK on `break`) would wait forever, which a real connection never does. The copy is released.
 */
export function createMockServer() {
  const server = setupServer();
  server.events.on('response:mocked', ({ response }) => {
    response.body?.cancel().catch(() => {});
  });
  return server;
}

export interface SseEvent {
  event?: string;
  data: unknown;
}

/** A `text/event-stream` body, one network chunk per event; `hang` keeps it open until the request is aborted. */
export function sseResponse(
  events: SseEvent[],
  options: { done?: boolean; hang?: boolean; requestId?: string; signal?: AbortSignal } = {},
) {
  const encoder = new TextEncoder();
  const frames = events.map(({ event, data }) => {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    return encoder.encode(`${event ? `event: ${event}\n` : ''}data: ${text}\n\n`);
  });
  if (options.done) frames.push(encoder.encode('data: [DONE]\n\n'));
  let next = 0;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      // A real connection errors its body when the request is aborted; the mocked one is told to.
      options.signal?.addEventListener('abort', () =>
        controller.error(new DOMException('aborted', 'AbortError')),
      );
    },
    async pull(controller) {
      await new Promise((resolve) => setImmediate(resolve));
      const frame = frames[next++];
      if (frame) controller.enqueue(frame);
      else if (!options.hang) controller.close();
      else await new Promise(() => {}); // stalls: only an abort or a cancel ends it
    },
  });
  return new HttpResponse(stream, {
    headers: { 'content-type': 'text/event-stream', 'x-request-id': options.requestId ?? 'req_stream' },
  });
}
