import { Stream } from '@anthropic-ai/sdk/core/streaming';
import { describe, expect, it } from 'vitest';
import { deltaUsage, REQUEST, sseResponse, textStreamEvents, usageBody } from './test-fixtures.js';
import { drain, meteredClient, tokens, useAnthropicServer } from './test-support.js';

const { answer } = useAnthropicServer();

describe('messages.create({ stream: true })', () => {
  it('keeps the SDK Stream and meters once, when the stream ends', async () => {
    const { meter, client } = meteredClient();
    const events = textStreamEvents({
      id: 'msg_01stream1Xq7Lk2Vb9Tz',
      startUsage: usageBody({ input_tokens: 11, output_tokens: 1 }),
      deltaUsages: [{ output_tokens: 6 }],
    });
    answer(() => sseResponse(events));

    const stream = await client.messages.create({ ...REQUEST, stream: true });
    expect(stream).toBeInstanceOf(Stream);
    expect(stream.controller).toBeInstanceOf(AbortController);
    expect(meter.events).toHaveLength(0);

    const seen = await drain(stream);

    expect(seen).toEqual(events.filter((event) => event['type'] !== 'ping'));
    expect(meter.events).toHaveLength(1);
    expect(tokens(meter.events[0])).toEqual({ input: 11, output: 6 });
    expect(meter.events[0]?.event_id).toMatch(/^anthropic:msg_01stream1Xq7Lk2Vb9Tz:/);
    expect(meter.events[0]?.model).toBe('claude-haiku-4-5-20251001');
    expect(meter.events[0]).not.toHaveProperty('metadata');
  });

  it('does not add up cumulative cache and input counters repeated on message_delta', async () => {
    const { meter, client } = meteredClient();
    const cumulative = { input_tokens: 50, cache_read_input_tokens: 2000, cache_creation_input_tokens: 300 };
    answer(() =>
      sseResponse(
        textStreamEvents({
          id: 'msg_01cumulative1Xq7Lk2Vb9Tz',
          startUsage: usageBody({ ...cumulative, output_tokens: 1 }),
          deltaUsages: [
            deltaUsage({ ...cumulative, output_tokens: 10 }),
            deltaUsage({ ...cumulative, output_tokens: 25 }),
          ],
        }),
      ),
    );

    await drain(await client.messages.create({ ...REQUEST, stream: true }));

    // Summing the deltas (the envoy ai-gateway bug) would give 6950 input and 36 output tokens.
    expect(tokens(meter.events[0])).toEqual({ input: 2350, cached: 2000, write: 300, output: 25 });
  });

  it('takes 1-hour cache writes from message_start and the web searches from the last message_delta', async () => {
    const { meter, client } = meteredClient();
    const cumulative = { input_tokens: 2100, cache_read_input_tokens: 0, cache_creation_input_tokens: 5000 };
    answer(() =>
      sseResponse(
        textStreamEvents({
          id: 'msg_01searchstream1Xq7Lk2Vb9Tz',
          startUsage: usageBody({
            ...cumulative,
            cache_write_1h: 4000,
            output_tokens: 1,
            web_search_requests: 0,
          }),
          // message_delta carries the cumulative server tool use, and no cache_creation breakdown.
          deltaUsages: [
            deltaUsage({
              ...cumulative,
              output_tokens: 320,
              server_tool_use: { web_search_requests: 2, web_fetch_requests: 0 },
            }),
            deltaUsage({
              ...cumulative,
              output_tokens: 640,
              server_tool_use: { web_search_requests: 3, web_fetch_requests: 0 },
            }),
          ],
        }),
      ),
    );

    await drain(await client.messages.create({ ...REQUEST, stream: true }));

    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      tokens_input: 7100,
      tokens_cache_write: 5000,
      tokens_cache_write_1h: 4000,
      tokens_output: 640,
      web_search_requests: 3,
    });
  });

  it('keeps the message_start counters when message_delta sends them as null', async () => {
    const { meter, client } = meteredClient();
    answer(() =>
      sseResponse(
        textStreamEvents({
          id: 'msg_01nulls1Xq7Lk2Vb9Tz',
          startUsage: usageBody({
            input_tokens: 472,
            cache_read_input_tokens: 100,
            cache_creation_input_tokens: 24,
            output_tokens: 2,
          }),
          deltaUsages: [deltaUsage({ output_tokens: 88 })],
        }),
      ),
    );

    await drain(await client.messages.create({ ...REQUEST, stream: true }));

    // Object.assign(startUsage, deltaUsage) (OpenLLMetry) would leave input and cache counters null.
    expect(tokens(meter.events[0])).toEqual({ input: 596, cached: 100, write: 24, output: 88 });
  });

  it('takes input and cache counters that only message_delta carries (no usage on message_start)', async () => {
    const { meter, client } = meteredClient();
    answer(() =>
      sseResponse(
        textStreamEvents({
          id: 'msg_01nostart1Xq7Lk2Vb9Tz',
          startUsage: undefined,
          deltaUsages: [
            deltaUsage({
              input_tokens: 30,
              cache_read_input_tokens: 1500,
              cache_creation_input_tokens: 40,
              output_tokens: 12,
            }),
          ],
        }),
      ),
    );

    await drain(await client.messages.create({ ...REQUEST, stream: true }));

    // Reading input only from message_start (Stripe's token meter) would bill 0 input tokens here.
    expect(tokens(meter.events[0])).toEqual({ input: 1570, cached: 1500, write: 40, output: 12 });
    expect(meter.events[0]).not.toHaveProperty('metadata');
  });

  it('reports streamed thinking tokens as reasoning', async () => {
    const { meter, client } = meteredClient();
    answer(() =>
      sseResponse(
        textStreamEvents({
          id: 'msg_01thinkstream1Xq7Lk2Vb9Tz',
          startUsage: usageBody({ input_tokens: 64, output_tokens: 3 }),
          deltaUsages: [deltaUsage({ output_tokens: 420, output_tokens_details: { thinking_tokens: 300 } })],
        }),
      ),
    );

    await drain(await client.messages.create({ ...REQUEST, stream: true }));

    expect(tokens(meter.events[0])).toEqual({ input: 64, output: 420, reasoning: 300 });
  });

  it('meters a streamed tool-use turn (the SDK fixture shape)', async () => {
    const { meter, client } = meteredClient();
    const events = [
      {
        type: 'message_start',
        message: {
          id: 'msg_019Q1hrJbZG26Fb9BQhrkHEr',
          type: 'message',
          role: 'assistant',
          model: 'claude-opus-4-8',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: 377,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: 1,
          },
        },
      },
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{"location":' },
      },
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: ' "Paris"}' },
      },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 65 },
      },
      { type: 'message_stop' },
    ];
    answer(() => sseResponse(events));

    const stream = client.messages.stream(REQUEST);
    const message = await stream.finalMessage();

    expect(message.content).toEqual([
      { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { location: 'Paris' } },
    ]);
    expect(meter.events).toHaveLength(1);
    expect(tokens(meter.events[0])).toEqual({ input: 377, output: 65 });
    expect(meter.events[0]?.model).toBe('claude-opus-4-8');
  });

  it('never lets a malformed event break the caller’s loop', async () => {
    const { meter, client } = meteredClient();
    const events = textStreamEvents({
      id: 'msg_01odd1Xq7Lk2Vb9Tz',
      startUsage: { input_tokens: '12', output_tokens: -1 },
      deltaUsages: [{ output_tokens: 4.5 }, deltaUsage({ input_tokens: 12, output_tokens: 9 })],
    });
    events.splice(3, 0, { type: 'message_delta', usage: 'garbage', delta: null });
    answer(() => sseResponse(events));

    const seen = await drain(await client.messages.create({ ...REQUEST, stream: true }));

    expect(seen).toHaveLength(events.length - 1);
    expect(tokens(meter.events[0])).toEqual({ input: 12, output: 9 });
  });
});

describe('stream helpers', () => {
  const events = () =>
    textStreamEvents({
      id: 'msg_01helper1Xq7Lk2Vb9Tz',
      startUsage: usageBody({ input_tokens: 21, cache_creation_input_tokens: 5, output_tokens: 1 }),
      deltaUsages: [deltaUsage({ output_tokens: 7 })],
    });

  it('meters messages.stream() exactly once and keeps finalMessage(), text events and withResponse()', async () => {
    const { meter, client } = meteredClient();
    const bodies = answer(() => sseResponse(events()));

    const stream = client.messages.stream(REQUEST);
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const { response, request_id } = await stream.withResponse();
    const message = await stream.finalMessage();
    await stream.done();

    expect(bodies).toHaveLength(1);
    expect(bodies[0]?.['stream']).toBe(true);
    expect(response.status).toBe(200);
    expect(request_id).toBe('req_stream_1');
    expect(texts).toEqual(['Hello', ' there', '!']);
    expect(await stream.finalText()).toBe('Hello there!');
    expect(message.usage).toMatchObject({
      input_tokens: 21,
      cache_creation_input_tokens: 5,
      output_tokens: 7,
    });
    expect(meter.events).toHaveLength(1);
    expect(tokens(meter.events[0])).toEqual({ input: 26, write: 5, output: 7 });
  });

  it('meters a streamed create() once through withResponse()', async () => {
    const { meter, client } = meteredClient();
    answer(() => sseResponse(events()));

    const { data: stream, request_id } = await client.messages
      .create({ ...REQUEST, stream: true })
      .withResponse();
    await drain(stream);

    expect(request_id).toBe('req_stream_1');
    expect(meter.events.map(tokens)).toEqual([{ input: 26, write: 5, output: 7 }]);
  });

  it('meters once across both branches of tee()', async () => {
    const { meter, client } = meteredClient();
    answer(() => sseResponse(events()));

    const [left, right] = (await client.messages.create({ ...REQUEST, stream: true })).tee();
    const [leftSeen, rightSeen] = await Promise.all([drain(left), drain(right)]);

    expect(leftSeen).toEqual(rightSeen);
    expect(leftSeen).toHaveLength(8);
    expect(meter.events.map(tokens)).toEqual([{ input: 26, write: 5, output: 7 }]);
  });

  it('meters once through toReadableStream()', async () => {
    const { meter, client } = meteredClient();
    answer(() => sseResponse(events()));

    const readable = (await client.messages.create({ ...REQUEST, stream: true })).toReadableStream();
    const text = await new Response(readable as ReadableStream).text();

    expect(text.trim().split('\n')).toHaveLength(8);
    expect(meter.events.map(tokens)).toEqual([{ input: 26, write: 5, output: 7 }]);
  });

  it('does not meter a second iteration, which fails as the SDK makes it fail', async () => {
    const { meter, client } = meteredClient();
    answer(() => sseResponse(events()));

    const stream = await client.messages.create({ ...REQUEST, stream: true });
    await drain(stream);
    await expect(drain(stream)).rejects.toThrow('Cannot iterate over a consumed stream');

    expect(meter.events).toHaveLength(1);
  });

  it('meters beta.messages.stream() once', async () => {
    const { meter, client } = meteredClient();
    const bodies = answer(() => sseResponse(events()));

    const message = await client.beta.messages.stream(REQUEST).finalMessage();

    expect(bodies).toHaveLength(1);
    expect(message.usage.output_tokens).toBe(7);
    expect(meter.events.map(tokens)).toEqual([{ input: 26, write: 5, output: 7 }]);
  });
});
