// How a wrapped call tells its client's observed `fetch` which call a request belongs to: through
// the request's own `fetchOptions` (withCallScope), not an AsyncLocalStorage. `run()` of an
// AsyncLocalStorage turns on Node's promise hooks (before Node 24) for the whole process: every
// promise of the application would pay for metering one call. The span links this carries are
// checked end to end by the seams matrix (OpenLLMetry and OpenInference spans under the wrappers).
import { AsyncLocalStorage } from 'node:async_hooks';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withMeter as withAnthropicMeter } from '../../packages/anthropic/src/index.js';
import { withMeter as withOpenAIMeter } from '../../packages/openai/src/index.js';
import { createRecordingMeter, expectMeterClean } from '../support/recording-meter.js';

const CHAT_ID = 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT';
/** Another call, another id: the same id twice is one call (its event id is derived from it). */
const STREAM_ID = 'chatcmpl-C7xQp2LmZr8vTn4Ks6WdYe1HbGa9F';
const MESSAGE_ID = 'msg_01XFDUDYJgAACzvnptvVoYEL';

const chatCompletion = {
  id: CHAT_ID,
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4.1-2025-04-14',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hi', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
};
const chatChunk = (extra: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: STREAM_ID, object: 'chat.completion.chunk', created: 1741569952, model: 'gpt-4.1-2025-04-14', ...extra })}\n\n`;
const chatStream = [
  chatChunk({ choices: [{ index: 0, delta: { content: 'Hi' }, logprobs: null, finish_reason: 'stop' }] }),
  chatChunk({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } }),
  'data: [DONE]\n\n',
].join('');
const message = {
  id: MESSAGE_ID,
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'Hi' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 3 },
};

/** A `fetch` answering every request with `answer(body)`, keeping each request's init. */
function fakeFetch(answer: (body: Record<string, unknown>) => Response) {
  const inits: RequestInit[] = [];
  const fetch = async (_url: unknown, init?: RequestInit) => {
    inits.push(init ?? {});
    return answer(JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>);
  };
  return { fetch: fetch as typeof globalThis.fetch, inits };
}

function watchAsyncLocalStorage() {
  const run = vi.spyOn(AsyncLocalStorage.prototype, 'run');
  const enterWith = vi.spyOn(AsyncLocalStorage.prototype, 'enterWith');
  return () => run.mock.calls.length + enterWith.mock.calls.length;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a wrapped call carries its call scope in its fetchOptions', () => {
  it('openai, plain and streamed: no AsyncLocalStorage entered, the caller’s fetchOptions kept and not mutated', async () => {
    const { fetch, inits } = fakeFetch((body) =>
      body['stream']
        ? new Response(chatStream, { headers: { 'content-type': 'text/event-stream' } })
        : Response.json(chatCompletion),
    );
    const meter = createRecordingMeter();
    const client = withOpenAIMeter(new OpenAI({ apiKey: 'sk-test', fetch, maxRetries: 0 }), meter, {
      agent_id: 'support-bot',
      action: 'answer',
    });
    const callerOptions = { fetchOptions: { keepalive: true }, headers: { 'x-caller': '1' } };
    const entered = watchAsyncLocalStorage();

    await client.chat.completions.create(
      { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hello' }] },
      callerOptions,
    );
    const stream = await client.chat.completions.create(
      { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hello' }], stream: true },
      callerOptions,
    );
    for await (const _ of stream) {
      // drain
    }

    expect(entered()).toBe(0);
    expect(inits.map((init) => init.keepalive)).toEqual([true, true]);
    expect(callerOptions).toEqual({ fetchOptions: { keepalive: true }, headers: { 'x-caller': '1' } });
    expect(Object.getOwnPropertySymbols(callerOptions.fetchOptions)).toEqual([]);
    expectMeterClean(meter);
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([
      [12, 3],
      [12, 3],
    ]);
  });

  it('anthropic: no AsyncLocalStorage entered, the caller’s fetchOptions kept', async () => {
    const { fetch, inits } = fakeFetch(() => Response.json(message));
    const meter = createRecordingMeter();
    const client = withAnthropicMeter(new Anthropic({ apiKey: 'sk-ant-test', fetch, maxRetries: 0 }), meter, {
      agent_id: 'support-bot',
      action: 'answer',
    });
    const entered = watchAsyncLocalStorage();
    await client.messages.create(
      { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] },
      { fetchOptions: { keepalive: true } },
    );
    expect(entered()).toBe(0);
    expect(inits.map((init) => init.keepalive)).toEqual([true]);
    expectMeterClean(meter);
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([[12, 3]]);
  });
});
