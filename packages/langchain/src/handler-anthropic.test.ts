// The handler with @langchain/anthropic's real ChatAnthropic and its real @anthropic-ai/sdk client, the
// Messages API answered by msw with the API's own bodies and SSE events.
import { delay } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import {
  createAnthropicServer,
  deltaUsage,
  jsonResponse,
  messageBody,
  SEARCHED_COUNTS,
  SEARCHED_USAGE,
  sseResponse,
  textStreamEvents,
  type UsageFixture,
  usageBody,
} from '../../anthropic/src/test-fixtures.js';
import { AgentmeterCallbackHandler } from './handler.js';
import { chatAnthropic } from './test-support/chat-models.js';

const { server, answer } = createAnthropicServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
afterEach(expectEveryMeterClean);

const defaults = { agent_id: 'research-agent', action: 'summarize' };
const MODEL = 'claude-sonnet-4-5-20250929';

// 200 uncached + 3000 written to the cache + 9000 read from it = 12,200 input tokens in all.
const cachedUsage: UsageFixture = {
  input_tokens: 200,
  output_tokens: 150,
  cache_creation_input_tokens: 3000,
  cache_read_input_tokens: 9000,
};

/** A streamed answer: `message_start` with the input usage (and 1 output token), then the final output count. */
function streamOf(id: string, usage: UsageFixture, text: string[], finalOutput = usage.output_tokens) {
  return textStreamEvents({
    id,
    model: MODEL,
    startUsage: usageBody({ ...usage, output_tokens: 1 }),
    deltaUsages: [deltaUsage({ output_tokens: finalOutput })],
    text,
  });
}

async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let chunks = 0;
  for await (const _ of stream) chunks += 1;
  return chunks;
}

describe('AgentmeterCallbackHandler with ChatAnthropic', () => {
  it('counts cache reads and writes inside the input total, each once', async () => {
    answer(() =>
      jsonResponse(messageBody({ id: 'msg_01K7wQ2xZp9LrT4mNb', model: MODEL, usage: cachedUsage })),
    );
    const meter = createRecordingMeter();
    await chatAnthropic().invoke('summarize', {
      callbacks: [new AgentmeterCallbackHandler(meter, defaults)],
    });
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      provider: 'anthropic',
      model: MODEL,
      tokens_input: 12_200,
      tokens_cached_input: 9000,
      tokens_cache_write: 3000,
      tokens_output: 150,
    });
    expect(meter.events[0]?.event_id).toMatch(/^anthropic:msg_01K7wQ2xZp9LrT4mNb:/);
  });

  it('meters a streamed answer once with the usage LangChain merged from message_start and message_delta', async () => {
    answer(() => sseResponse(streamOf('msg_02K7wQ2xZp9LrT4mNb', cachedUsage, ['Hello', ' there'], 42)));
    const meter = createRecordingMeter();
    const stream = await chatAnthropic().stream('hi', {
      callbacks: [new AgentmeterCallbackHandler(meter, defaults)],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.text;
    expect(text).toBe('Hello there');
    expect(meter.events).toHaveLength(1);
    // message_start reports output_tokens: 1 and message_delta the final 42; LangChain adds chunk
    // usage, so the aggregated message (and the bill) says 43, exactly what ChatAnthropic reports.
    expect(meter.events[0]).toMatchObject({
      tokens_input: 12_200,
      tokens_cached_input: 9000,
      tokens_cache_write: 3000,
      tokens_output: 43,
    });
    expect(meter.events[0]?.event_id).toMatch(/^anthropic:msg_02K7wQ2xZp9LrT4mNb:/);
  });

  // Uncached input larger than the cache reads and writes: an input count that left the cache out
  // cannot be told from a total by its size here.
  const mostlyUncached: UsageFixture = {
    input_tokens: 20_000,
    output_tokens: 300,
    cache_creation_input_tokens: 1000,
    cache_read_input_tokens: 4000,
  };

  it('counts the cache into the input when the uncached part is the larger, invoked and streamed', async () => {
    answer((body) =>
      body['stream'] === true
        ? sseResponse(streamOf('msg_09K7wQ2xZp9LrT4mNb', mostlyUncached, ['o', 'k']))
        : jsonResponse(messageBody({ id: 'msg_08K7wQ2xZp9LrT4mNb', model: MODEL, usage: mostlyUncached })),
    );
    const meter = createRecordingMeter();
    const handler = new AgentmeterCallbackHandler(meter, defaults);
    await chatAnthropic().invoke('long', { callbacks: [handler] });
    await drain(await chatAnthropic().stream('long', { callbacks: [handler] }));
    expect(
      meter.events.map((event) => [
        event.tokens_input,
        event.tokens_cached_input,
        event.tokens_cache_write,
        event.tokens_output,
      ]),
    ).toEqual([
      [25_000, 4000, 1000, 300],
      // The stream's output: message_start's 1 and message_delta's 300, as LangChain adds them.
      [25_000, 4000, 1000, 301],
    ]);
  });

  it('meters a streamed answer without cache use with its plain input count', async () => {
    const plain = { input_tokens: 2000, output_tokens: 400 };
    answer(() => sseResponse(streamOf('msg_07K7wQ2xZp9LrT4mNb', plain, ['o', 'k'])));
    const meter = createRecordingMeter();
    await drain(
      await chatAnthropic().stream('hi', { callbacks: [new AgentmeterCallbackHandler(meter, defaults)] }),
    );
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({ tokens_input: 2000, tokens_output: 401 });
    expect(meter.events[0]).not.toHaveProperty('tokens_cached_input');
    expect(meter.events[0]).not.toHaveProperty('tokens_cache_write');
  });

  it("reads 1-hour cache writes and web searches from the message's own usage (response_metadata.usage)", async () => {
    answer(() =>
      jsonResponse(messageBody({ id: 'msg_05K7wQ2xZp9LrT4mNb', model: MODEL, usage: SEARCHED_USAGE })),
    );
    const meter = createRecordingMeter();
    await chatAnthropic().invoke('search', { callbacks: [new AgentmeterCallbackHandler(meter, defaults)] });
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject(SEARCHED_COUNTS);
  });

  it('streamed, reads the 1-hour cache writes of message_start; the web searches LangChain does not keep', async () => {
    const events = textStreamEvents({
      id: 'msg_06K7wQ2xZp9LrT4mNb',
      model: MODEL,
      // message_start has run no search yet; message_delta brings the final count.
      startUsage: usageBody({ ...SEARCHED_USAGE, output_tokens: 1, web_search_requests: 0 }),
      deltaUsages: [deltaUsage({ output_tokens: 640, server_tool_use: { web_search_requests: 3 } })],
      text: ['found', ' it'],
    });
    answer(() => sseResponse(events));
    const meter = createRecordingMeter();
    await drain(
      await chatAnthropic().stream('search', { callbacks: [new AgentmeterCallbackHandler(meter, defaults)] }),
    );
    expect(meter.events).toHaveLength(1);
    const { web_search_requests: _, ...streamedCounts } = SEARCHED_COUNTS;
    // message_start's 1 output token and message_delta's 640, as LangChain adds them.
    expect(meter.events[0]).toMatchObject({ ...streamedCounts, tokens_output: 641 });
    // The final count (3) came on message_delta, whose usage LangChain drops; message_start said 0,
    // and no count is made up.
    expect(meter.events[0]).not.toHaveProperty('web_search_requests');
  });

  it('bills what is known of a stream aborted after message_start, once, flagged incomplete', async () => {
    // message_start, the text block's start, a ping and the first word are sent; the rest never is.
    answer((_, request) =>
      sseResponse(streamOf('msg_03K7wQ2xZp9LrT4mNb', cachedUsage, ['never', ' fin', 'ished']), {
        holdFrom: 4,
        signal: request.signal,
      }),
    );
    const meter = createRecordingMeter();
    const controller = new AbortController();
    const handler = new AgentmeterCallbackHandler(meter, defaults);
    let received = 0;
    await expect(
      (async () => {
        for await (const chunk of await chatAnthropic().stream('hi', {
          callbacks: [handler],
          signal: controller.signal,
        })) {
          received += 1;
          if (chunk.text === 'never') controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(received).toBeGreaterThan(1);
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      tokens_input: 12_200,
      tokens_cached_input: 9000,
      tokens_cache_write: 3000,
      tokens_output: 1,
      metadata: { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'aborted' },
    });
    // What was known is usage: the mark is for calls that reported none.
    expect(meter.events[0]).not.toHaveProperty('usage_missing');
    expect(meter.events[0]?.event_id).toMatch(/^anthropic:msg_03K7wQ2xZp9LrT4mNb:/);
  });

  it("bills a stream the provider breaks off with what is known, once, under the API's error type", async () => {
    const started = streamOf('msg_04K7wQ2xZp9LrT4mNb', { input_tokens: 77, output_tokens: 9 }, ['cu', 't']);
    answer(() =>
      sseResponse([
        ...started.slice(0, 5),
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      ]),
    );
    const meter = createRecordingMeter();
    await expect(
      drain(
        await chatAnthropic().stream('hi', { callbacks: [new AgentmeterCallbackHandler(meter, defaults)] }),
      ),
    ).rejects.toThrow('Overloaded');
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      tokens_input: 77,
      tokens_output: 1,
      metadata: { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'overloaded_error' },
    });
  });

  it('meters nothing for a call the provider refused before any output', async () => {
    answer(() =>
      jsonResponse(
        { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
        401,
      ),
    );
    // Fake timers, so every timer queued by the failures can be run before "nothing" is checked.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const failures = vi.spyOn(AgentmeterCallbackHandler.prototype, 'handleLLMError');
    onTestFinished(() => failures.mockRestore());
    const meter = createRecordingMeter();
    const handler = new AgentmeterCallbackHandler(meter, defaults);
    await expect(chatAnthropic().invoke('hi', { callbacks: [handler] })).rejects.toThrow('invalid x-api-key');
    await expect(
      (async () => drain(await chatAnthropic().stream('hi', { callbacks: [handler] })))(),
    ).rejects.toThrow('invalid x-api-key');
    // The handler has had both failures (and returned) by the time the caller has the rejections,
    // the point where the stream broken off after output above has its event.
    expect(failures.mock.results.map((result) => result.type)).toEqual(['return', 'return']);
    expect(meter.trackCalls).toBe(0);
    // Nothing later either: not on any timer queued since, nor behind one more call through the same
    // handler, metered by the time it returns; its event alone is there (track() calls counted).
    await vi.runAllTimersAsync();
    expect(meter.trackCalls).toBe(0);
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_09fenceK7wQ2xZp9LrT4',
          model: MODEL,
          usage: { input_tokens: 3, output_tokens: 1 },
        }),
      ),
    );
    await chatAnthropic().invoke('hi', { callbacks: [handler] });
    await vi.runAllTimersAsync();
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output, event.metadata])).toEqual([
      [3, 1, undefined],
    ]);
    expect(meter.trackCalls).toBe(1);
  });
  it('with meterErrors, meters a call the provider refused with a 429 once: zero tokens, complete, its type', async () => {
    answer(() =>
      jsonResponse({ type: 'error', error: { type: 'rate_limit_error', message: 'Slow down' } }, 429),
    );
    const meter = createRecordingMeter();
    const handler = new AgentmeterCallbackHandler(meter, { ...defaults, meterErrors: true });
    await expect(chatAnthropic().invoke('hi', { callbacks: [handler] })).rejects.toThrow('Slow down');
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      tokens_input: 0,
      tokens_output: 0,
      provider: 'anthropic',
      metadata: { 'agentmeter.error_type': 'rate_limit_error' },
    });
    expect(meter.events[0]?.metadata).not.toHaveProperty(['agentmeter.usage_incomplete']);
  });

  it('with meterErrors, meters a call aborted before any output once: incomplete, aborted', async () => {
    // The API never answers: the caller aborts once the request has reached it.
    const controller = new AbortController();
    answer(async () => {
      controller.abort();
      await delay('infinite');
      return jsonResponse({});
    });
    const meter = createRecordingMeter();
    const handler = new AgentmeterCallbackHandler(meter, { ...defaults, meterErrors: true });
    const call = chatAnthropic().invoke('hi', { callbacks: [handler], signal: controller.signal });
    await expect(call).rejects.toThrow();
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      tokens_input: 0,
      tokens_output: 0,
      metadata: { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'aborted' },
    });
  });
});
