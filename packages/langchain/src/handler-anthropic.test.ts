import { afterEach, describe, expect, it } from 'vitest';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import { AgentMeterCallbackHandler } from './handler.js';
import {
  type AnthropicScript,
  AnthropicShapedChatModel,
  anthropicEvents,
  anthropicMessage,
} from './test-support/anthropic-chat-model.js';

afterEach(expectEveryMeterClean);

const defaults = { agent_id: 'research-agent', action: 'summarize' };
const MODEL = 'claude-sonnet-4-5';

// 200 uncached + 3000 written to the cache + 9000 read from it = 12,200 input tokens in all.
const cachedUsage = {
  input_tokens: 200,
  output_tokens: 150,
  cache_creation_input_tokens: 3000,
  cache_read_input_tokens: 9000,
};

function model(script: (prompt: string) => AnthropicScript) {
  return new AnthropicShapedChatModel({ model: MODEL, script });
}

describe('AgentMeterCallbackHandler with an Anthropic-shaped chat model', () => {
  it('counts cache reads and writes inside the input total, each once', async () => {
    const meter = createRecordingMeter();
    const chat = model(() => ({
      message: anthropicMessage('msg_01K7wQ2xZp9LrT4mNb', 'claude-sonnet-4-5-20250929', 'ok', cachedUsage),
    }));
    await chat.invoke('summarize', { callbacks: [new AgentMeterCallbackHandler(meter, defaults)] });
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      tokens_input: 12_200,
      tokens_cached_input: 9000,
      tokens_cache_write: 3000,
      tokens_output: 150,
    });
    expect(meter.events[0]?.event_id).toMatch(/^anthropic:msg_01K7wQ2xZp9LrT4mNb:/);
  });

  it('meters a streamed answer once with the usage LangChain merged from message_start and message_delta', async () => {
    const meter = createRecordingMeter();
    const message = anthropicMessage('msg_02K7wQ2xZp9LrT4mNb', MODEL, 'Hello there', {
      ...cachedUsage,
      output_tokens: 42,
    });
    const chat = model(() => ({ events: anthropicEvents(message, ['Hello', ' there']) }));
    const stream = await chat.stream('hi', { callbacks: [new AgentMeterCallbackHandler(meter, defaults)] });
    let text = '';
    for await (const chunk of stream) text += chunk.content;
    expect(text).toBe('Hello there');
    expect(meter.events).toHaveLength(1);
    // message_start reports output_tokens: 1 and message_delta the final 42; LangChain adds chunk
    // usage, so the aggregated message (and the bill) says 43, exactly what @langchain/anthropic reports.
    expect(meter.events[0]).toMatchObject({
      tokens_input: 12_200,
      tokens_cached_input: 9000,
      tokens_cache_write: 3000,
      tokens_output: 43,
    });
    expect(meter.events[0]?.event_id).toMatch(/^anthropic:msg_02K7wQ2xZp9LrT4mNb:/);
  });

  // 2100 uncached + 5000 written to the cache (4000 of them for an hour); three web searches run.
  const searchedUsage = {
    input_tokens: 2100,
    output_tokens: 640,
    cache_creation_input_tokens: 5000,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 4000 },
    server_tool_use: { web_search_requests: 3, web_fetch_requests: 0 },
  };

  it("reads 1-hour cache writes and web searches from the message's own usage (response_metadata.usage)", async () => {
    const meter = createRecordingMeter();
    const chat = model(() => ({
      message: anthropicMessage('msg_05K7wQ2xZp9LrT4mNb', MODEL, 'found it', searchedUsage),
    }));
    await chat.invoke('search', { callbacks: [new AgentMeterCallbackHandler(meter, defaults)] });
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      tokens_input: 7100,
      tokens_cache_write: 5000,
      tokens_cache_write_1h: 4000,
      tokens_output: 640,
      web_search_requests: 3,
    });
  });

  it('streamed, reads the 1-hour cache writes of message_start; the web searches LangChain does not keep', async () => {
    const meter = createRecordingMeter();
    const message = anthropicMessage('msg_06K7wQ2xZp9LrT4mNb', MODEL, 'found it', searchedUsage);
    const chat = model(() => ({ events: anthropicEvents(message, ['found', ' it']) }));
    for await (const _ of await chat.stream('search', {
      callbacks: [new AgentMeterCallbackHandler(meter, defaults)],
    })) {
      // consume
    }
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      tokens_input: 7100,
      tokens_cache_write: 5000,
      tokens_cache_write_1h: 4000,
      tokens_output: 641,
    });
    // The final count (3) came on message_delta, whose usage LangChain drops; message_start said 0,
    // and no count is made up.
    expect(meter.events[0]).not.toHaveProperty('web_search_requests');
  });

  it('bills what is known of a stream aborted after message_start, once, flagged incomplete', async () => {
    const meter = createRecordingMeter();
    const message = anthropicMessage('msg_03K7wQ2xZp9LrT4mNb', MODEL, 'never finished', cachedUsage);
    const chat = model(() => ({ events: anthropicEvents(message, ['never', ' fin', 'ished'], false) }));
    const controller = new AbortController();
    const handler = new AgentMeterCallbackHandler(meter, defaults);
    let received = 0;
    await expect(
      (async () => {
        for await (const _ of await chat.stream('hi', { callbacks: [handler], signal: controller.signal })) {
          received += 1;
          if (received === 3) controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(received).toBe(3);
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

  it('bills a stream the provider breaks off with what is known, once', async () => {
    const meter = createRecordingMeter();
    const message = anthropicMessage('msg_04K7wQ2xZp9LrT4mNb', MODEL, 'cut', {
      input_tokens: 77,
      output_tokens: 9,
    });
    const overloaded = Object.assign(new Error('Overloaded'), { name: 'InternalServerError' });
    const chat = model(() => ({
      events: anthropicEvents(message, ['cu', 't'], false),
      thenFail: overloaded,
    }));
    await expect(
      (async () => {
        for await (const _ of await chat.stream('hi', {
          callbacks: [new AgentMeterCallbackHandler(meter, defaults)],
        })) {
          // consume
        }
      })(),
    ).rejects.toThrow('Overloaded');
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      tokens_input: 77,
      tokens_output: 1,
      metadata: { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'InternalServerError' },
    });
  });

  it('meters nothing for a call the provider refused before any output', async () => {
    const meter = createRecordingMeter();
    const refused = Object.assign(new Error('invalid x-api-key'), {
      name: 'AuthenticationError',
      status: 401,
    });
    const chat = model(() => ({ error: refused }));
    const handler = new AgentMeterCallbackHandler(meter, defaults);
    await expect(chat.invoke('hi', { callbacks: [handler] })).rejects.toThrow('invalid x-api-key');
    await expect(
      (async () => {
        for await (const _ of await chat.stream('hi', { callbacks: [handler] })) {
          // never reached
        }
      })(),
    ).rejects.toThrow('invalid x-api-key');
    expect(meter.events).toEqual([]);
  });
});
