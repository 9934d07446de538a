import { onUsage } from '@agentmeter/sdk/integration';
import { describe, expect, it } from 'vitest';
import {
  CHAT_ID,
  CHAT_MODEL,
  chatHandler,
  eachWithOwnId,
  newClient,
  settle,
  usage,
  VERSIONS,
} from './test-fixtures.js';
import { CHAT, createRecordingMeter, eventsOf, meteredClient, useMockServer } from './test-support.js';
import { withMeter } from './with-meter.js';

const server = useMockServer();

const { options: DEFAULTS, messages, eventId } = CHAT;

describe.each(VERSIONS)('chat.completions with $version', ({ OpenAI }) => {
  const setup = () => meteredClient(OpenAI, DEFAULTS);

  it('meters a plain completion with its exact tokens and a response-derived event id', async () => {
    server.use(chatHandler({ usage: usage(19, 10) }));
    const { meter, openai } = setup();
    const completion = await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    expect(completion.choices[0]?.message.content).toBe('Hello! How can I help?');
    expect(eventsOf(meter)).toEqual([
      {
        tokens_input: 19,
        tokens_output: 10,
        provider: 'openai',
        model: CHAT_MODEL,
        agent_id: 'support-bot',
        action: 'answer',
        event_id: eventId(),
        call: { response_id: CHAT_ID },
      },
    ]);
  });

  it('reports cached, cache-write and reasoning tokens as subsets of input and output', async () => {
    server.use(chatHandler({ usage: usage(2006, 300, { cached: 1920, cacheWrite: 64, reasoning: 192 }) }));
    const { meter, openai } = setup();
    await openai.chat.completions.create({ model: 'o4-mini', messages });
    expect(eventsOf(meter)).toHaveLength(1);
    expect(eventsOf(meter)[0]).toMatchObject({
      tokens_input: 2006,
      tokens_output: 300,
      tokens_cached_input: 1920,
      tokens_cache_write: 64,
      tokens_reasoning: 192,
    });
  });

  it('reports audio input and output tokens apart, plain and from the streamed usage chunk', async () => {
    // gpt-4o-audio-preview answering a spoken question with speech: 41 of the 57 prompt tokens and
    // 1390 of the 1612 completion tokens are audio.
    server.use(chatHandler(eachWithOwnId({ usage: usage(57, 1612, { audioInput: 41, audioOutput: 1390 }) })));
    const { meter, openai } = setup();
    await openai.chat.completions.create({ model: 'gpt-4o-audio-preview', messages });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-audio-preview',
      messages,
      stream: true,
    });
    for await (const _ of stream) {
      // drain
    }
    await settle();
    const events = eventsOf(meter);
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event).toMatchObject({
        tokens_input: 57,
        tokens_output: 1612,
        tokens_audio_input: 41,
        tokens_audio_output: 1390,
      });
      expect(event.tokens_cached_input).toBeUndefined();
    }
  });

  it('prices audio read from the cache as a cache read only, and never more audio than the uncached rest', async () => {
    // 600 of 1000 prompt tokens are audio; 512 tokens come from the cache, 300 of them audio: 300
    // audio tokens are uncached. A second answer claims more audio than the 100 uncached tokens left.
    let call = 0;
    server.use(
      chatHandler(() => {
        call += 1;
        if (call === 1) {
          const withCachedAudio = usage(1000, 20, { cached: 512, audioInput: 600 });
          (withCachedAudio.prompt_tokens_details as Record<string, unknown>)['cached_tokens_details'] = {
            audio_tokens: 300,
            text_tokens: 212,
          };
          return { id: `${CHAT_ID}1`, usage: withCachedAudio };
        }
        return {
          id: `${CHAT_ID}2`,
          usage: usage(600, 20, { cached: 500, audioInput: 400, audioOutput: 90 }),
        };
      }),
    );
    const { meter, openai } = setup();
    await openai.chat.completions.create({ model: 'gpt-4o-audio-preview', messages });
    await openai.chat.completions.create({ model: 'gpt-4o-audio-preview', messages });
    expect(
      eventsOf(meter).map((event) => [
        event.tokens_input,
        event.tokens_cached_input,
        event.tokens_audio_input,
        event.tokens_output,
        event.tokens_audio_output,
      ]),
    ).toEqual([
      [1000, 512, 300, 20, undefined],
      [600, 500, 100, 20, 20],
    ]);
  });

  it('meters a tool-call completion, plain and streamed', async () => {
    const toolCalls = [
      { id: 'call_Ht1bEnaGBVZHSQJbT3sv2Pob', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ];
    server.use(chatHandler(eachWithOwnId({ toolCalls, usage: usage(82, 17) })));
    const { meter, openai } = setup();
    const completion = await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    expect(completion.choices[0]?.message.tool_calls?.[0]?.id).toBe('call_Ht1bEnaGBVZHSQJbT3sv2Pob');
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    let args = '';
    for await (const chunk of stream)
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
    expect(args).toBe('{"city":"Paris"}');
    expect(eventsOf(meter).map((event) => [event.tokens_input, event.tokens_output])).toEqual([
      [82, 17],
      [82, 17],
    ]);
  });

  it('asks for stream usage, meters it, and hides the usage-only chunk from the caller', async () => {
    let sent: unknown;
    server.use(
      chatHandler((body) => {
        sent = body.stream_options;
        return { usage: usage(25, 7) };
      }),
    );
    const { meter, openai } = setup();
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    const seen = [];
    for await (const chunk of stream) seen.push(chunk);
    expect(sent).toEqual({ include_usage: true });
    expect(seen).toHaveLength(4);
    expect(seen.every((chunk) => chunk.choices.length === 1)).toBe(true);
    expect(eventsOf(meter)).toEqual([
      {
        tokens_input: 25,
        tokens_output: 7,
        provider: 'openai',
        model: CHAT_MODEL,
        agent_id: 'support-bot',
        action: 'answer',
        event_id: eventId(),
        call: { response_id: CHAT_ID },
      },
    ]);
  });

  it('passes the usage chunk through when the caller asked for include_usage', async () => {
    server.use(chatHandler({ usage: usage(31, 9) }));
    const { meter, openai } = setup();
    const stream = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const seen = [];
    for await (const chunk of stream) seen.push(chunk);
    expect(seen).toHaveLength(5);
    expect(seen.at(-1)?.choices).toEqual([]);
    expect(seen.at(-1)?.usage?.prompt_tokens).toBe(31);
    expect(eventsOf(meter).map((event) => [event.tokens_input, event.tokens_output])).toEqual([[31, 9]]);
  });

  it('with streamUsage: false, sends no stream_options and meters the stream as usage_missing', async () => {
    let sent: unknown = 'unset';
    server.use(
      chatHandler((body) => {
        sent = body.stream_options;
        return { usage: usage(25, 7) };
      }),
    );
    const meter = createRecordingMeter();
    const openai = withMeter(newClient(OpenAI), meter, { ...DEFAULTS, streamUsage: false });
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    for await (const _ of stream) {
      // drain
    }
    await settle();
    expect(sent).toBeUndefined();
    expect(eventsOf(meter)).toEqual([CHAT.usageMissingEvent()]);
  });

  it('keeps the caller request body untouched', async () => {
    server.use(chatHandler({ usage: usage(3, 1) }));
    const { openai } = setup();
    const body = {
      model: 'gpt-4.1',
      messages,
      stream: true as const,
      stream_options: { include_obfuscation: false },
    };
    const stream = await openai.chat.completions.create(body);
    for await (const _ of stream) {
      // drain
    }
    expect(body.stream_options).toEqual({ include_obfuscation: false });
  });

  it('fills the normalized usage: operation, models, server, timing, streamed', async () => {
    server.use(chatHandler({ usage: usage(12, 4) }));
    const { openai } = setup();
    const seen: unknown[] = [];
    const stop = onUsage((normalized) => seen.push(normalized));
    try {
      const before = Date.now();
      const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
      for await (const _ of stream) {
        // drain
      }
      await settle();
      expect(seen).toEqual([
        {
          provider: 'openai',
          operation: 'chat',
          requestModel: 'gpt-4.1',
          responseModel: CHAT_MODEL,
          responseId: CHAT_ID,
          inputTokens: 12,
          outputTokens: 4,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
          startedAt: expect.any(Number),
          latencyMs: expect.any(Number),
          complete: true,
          streamed: true,
          serverAddress: 'api.openai.com',
          serverPort: 443,
        },
      ]);
      expect((seen[0] as { startedAt: number }).startedAt).toBeGreaterThanOrEqual(before);
    } finally {
      stop();
    }
  });
});
