// The wrapped client keeps the SDK's own APIPromise and Stream: their helpers work as without it.
import { describe, expect, it } from 'vitest';
import {
  CHAT_ID,
  chatCompletion,
  chatHandler,
  eachWithOwnId,
  newClient,
  settle,
  usage,
  VERSIONS,
} from './test-fixtures.js';
import {
  createRecordingMeter,
  fakeTimers,
  runQueuedTimers,
  tokensOf,
  useMockServer,
} from './test-support.js';
import { withMeter } from './with-meter.js';

const server = useMockServer();

const messages = [{ role: 'user' as const, content: 'Say hello.' }];

describe.each(VERSIONS)('SDK objects with $version', ({ OpenAI }) => {
  const setup = () => {
    const meter = createRecordingMeter();
    const bare = newClient(OpenAI);
    return { meter, bare, openai: withMeter(bare, meter, { agent_id: 'a', action: 'b' }) };
  };

  it('.withResponse() gives the data, the raw response and the request id', async () => {
    server.use(chatHandler({ usage: usage(19, 10), requestId: 'req_8f3c1a' }));
    const { meter, openai } = setup();
    const { data, response, request_id } = await openai.chat.completions
      .create({ model: 'gpt-4.1', messages })
      .withResponse();
    expect(data.id).toBe(CHAT_ID);
    expect(response.status).toBe(200);
    expect(request_id).toBe('req_8f3c1a');
    expect(tokensOf(meter)).toEqual([[19, 10]]);
  });

  it('.withResponse() on a stream gives a stream that meters when drained', async () => {
    server.use(chatHandler({ usage: usage(8, 3) }));
    const { meter, openai } = setup();
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'gpt-4.1', messages, stream: true })
      .withResponse();
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello! How can I help?');
    expect(tokensOf(meter)).toEqual([[8, 3]]);
  });

  it('.asResponse() hands over the untouched raw response (the caller reads it; nothing is metered)', async () => {
    fakeTimers();
    server.use(chatHandler({ usage: usage(19, 10) }));
    const { meter, openai } = setup();
    const response = await openai.chat.completions.create({ model: 'gpt-4.1', messages }).asResponse();
    expect(await response.json()).toEqual(chatCompletion({ usage: usage(19, 10) }));
    // Nothing, once every timer queued since has run, and behind a fence: one more call on the same
    // client, metered by the time it returns; its event alone is there (track() calls counted).
    await runQueuedTimers();
    expect(meter.trackCalls).toBe(0);
    server.use(chatHandler({ id: 'chatcmpl-fence', usage: usage(3, 1) }));
    await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    expect(meter.trackCalls).toBe(1);
    await runQueuedTimers();
    expect(tokensOf(meter)).toEqual([[3, 1]]);
    expect(meter.trackCalls).toBe(1);
  });

  it('keeps the APIPromise: _thenUnwrap chains, and awaiting twice meters once', async () => {
    server.use(chatHandler(eachWithOwnId({ usage: usage(19, 10) })));
    const { meter, openai } = setup();
    const promise = openai.chat.completions.create({ model: 'gpt-4.1', messages });
    expect(promise.constructor.name).toBe('APIPromise');
    const first = await promise;
    expect(await promise).toBe(first);
    const total = await openai.chat.completions
      .create({ model: 'gpt-4.1', messages })
      ._thenUnwrap((completion) => completion.usage?.total_tokens);
    expect(total).toBe(29);
    await settle();
    expect(tokensOf(meter)).toEqual([
      [19, 10],
      [19, 10],
    ]);
  });

  it('returns a real Stream of the SDK, with its controller', async () => {
    server.use(chatHandler({ usage: usage(8, 3) }));
    const { meter, bare, openai } = setup();
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    const plain = await bare.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    expect(stream.constructor).toBe(plain.constructor);
    expect(stream.controller).toBeInstanceOf(AbortController);
    for await (const _ of plain) {
      // drain the unmetered one
    }
    for await (const _ of stream) {
      // drain
    }
    await settle();
    expect(tokensOf(meter)).toEqual([[8, 3]]);
  });

  it('tee() gives two branches without the hidden usage chunk, metered once', async () => {
    server.use(chatHandler({ usage: usage(8, 3) }));
    const { meter, openai } = setup();
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    const [left, right] = stream.tee();
    const read = async (branch: typeof left) => {
      const chunks = [];
      for await (const chunk of branch) chunks.push(chunk);
      return chunks;
    };
    const [a, b] = await Promise.all([read(left), read(right)]);
    expect(a).toHaveLength(4);
    expect(b).toEqual(a);
    expect(a.some((chunk) => chunk.choices.length === 0)).toBe(false);
    await settle();
    expect(tokensOf(meter)).toEqual([[8, 3]]);
  });

  it('toReadableStream() serializes the caller-visible chunks and meters once', async () => {
    server.use(chatHandler({ usage: usage(8, 3) }));
    const { meter, openai } = setup();
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    const text = await new Response(stream.toReadableStream() as ReadableStream).text();
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.map((line) => JSON.parse(line).choices.length)).toEqual([1, 1, 1, 1]);
    await settle();
    expect(tokensOf(meter)).toEqual([[8, 3]]);
  });

  it('the stream is iterable once, like the SDK’s, without a second event', async () => {
    server.use(chatHandler({ usage: usage(8, 3) }));
    const { meter, openai } = setup();
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    for await (const _ of stream) {
      // drain
    }
    await expect(async () => {
      for await (const _ of stream) {
        // second pass
      }
    }).rejects.toThrow(/consumed stream/);
    await settle();
    expect(tokensOf(meter)).toEqual([[8, 3]]);
  });

  it('passes unmetered resources and client members through with their own `this`', async () => {
    const { openai, bare } = setup();
    expect(openai).toBeInstanceOf(OpenAI);
    expect(openai.baseURL).toBe(bare.baseURL);
    expect(openai.models).toBe(bare.models);
    expect(openai.chat.completions).toBe(openai.chat.completions);
    expect(openai.chat.completions.create).toBe(openai.chat.completions.create);
    expect(openai.chat.completions.messages).toBe(bare.chat.completions.messages);
    expect(openai.buildURL('/models', null)).toBe(bare.buildURL('/models', null));
  });
});
