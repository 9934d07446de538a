import { HumanMessage } from '@langchain/core/messages';
import { HttpResponse, http } from 'msw';
import type OpenAI from 'openai';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  chatCompletions,
  chunks,
  completion,
  lastUserText,
  useMockServer,
} from '../../../test/support/openai-api.js';
import { PLAIN_ANSWER, PLAIN_ANSWER_EVENT } from '../../../test/support/plain-answer.js';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import { BASE_URL, sseResponse } from '../../openai/src/test-fixtures-http.js';
import { responseBody, responseEvents, responseUsage } from '../../openai/src/test-fixtures-responses.js';
import { AgentmeterCallbackHandler } from './handler.js';
import { chatOpenAI, tokenizerDownloads } from './test-support/chat-models.js';

afterEach(expectEveryMeterClean);

const server = useMockServer();

const defaults = { agent_id: 'support-bot', action: 'answer' };

describe('AgentmeterCallbackHandler with ChatOpenAI on Chat Completions', () => {
  it('meters a plain call once with the exact usage, model and a response-derived event id', async () => {
    server.use(
      chatCompletions(() => ({
        json: completion('chatcmpl-plainK7wQ2xZp9LrT4mNb', PLAIN_ANSWER.model, [PLAIN_ANSWER.text], {
          prompt: PLAIN_ANSWER.input,
          completion: PLAIN_ANSWER.output,
        }),
      })),
    );
    const meter = createRecordingMeter();
    const model = chatOpenAI({ model: 'gpt-4o' });
    const handler = new AgentmeterCallbackHandler(meter, defaults);

    const answer = await meter.withContext({ customer_id: 'cus_1' }, () =>
      model.invoke([new HumanMessage('hello')], { callbacks: [handler] }),
    );

    expect(answer.content).toBe(PLAIN_ANSWER.text);
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject(PLAIN_ANSWER_EVENT);
    expect(meter.events[0]).not.toHaveProperty('tokens_cached_input');
    expect(meter.events[0]?.event_id).toMatch(/^openai:chatcmpl-plainK7wQ2xZp9LrT4mNb:/);
  });

  it('meters a streamed call once, from the trailing usage chunk', async () => {
    server.use(
      chatCompletions(() => ({
        sse: chunks('chatcmpl-streamK7wQ2xZp9LrT4mNb', 'gpt-4o-mini', ['Hel', 'lo', '!'], {
          prompt: 30,
          completion: 3,
        }),
      })),
    );
    const meter = createRecordingMeter();
    const model = chatOpenAI({ model: 'gpt-4o-mini' });
    let text = '';
    for await (const chunk of await model.stream('hi', {
      callbacks: [new AgentmeterCallbackHandler(meter, defaults)],
    })) {
      text += chunk.content;
    }
    expect(text).toBe('Hello!');
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({ tokens_input: 30, tokens_output: 3, model: 'gpt-4o-mini' });
    expect(meter.events[0]?.event_id).toMatch(/^openai:chatcmpl-streamK7wQ2xZp9LrT4mNb:/);
    expect(meter.events[0]?.metadata).toBeUndefined();
  });

  // With `streaming: true`, `invoke()` streams underneath; ChatOpenAI then reports an `llmOutput`
  // whose `tokenUsage` is all zeros (and downloads a tokenizer to estimate the call): the call's real
  // usage is on its message.
  it('bills the real usage of `streaming: true`, not the zeros of its `llmOutput.tokenUsage`', async () => {
    server.use(
      chatCompletions(() => ({
        sse: chunks('chatcmpl-estK7wQ2xZp9LrT4mNb', 'gpt-4o-mini', ['a', 'b'], { prompt: 41, completion: 2 }),
      })),
    );
    server.use(tokenizerDownloads);
    const meter = createRecordingMeter();
    const model = chatOpenAI({ model: 'gpt-4o-mini', streaming: true });
    await model.invoke('hi', { callbacks: [new AgentmeterCallbackHandler(meter, defaults)] });
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([[41, 2]]);
  });

  it('reports cached and reasoning tokens as subsets of input and output', async () => {
    server.use(
      chatCompletions(() => ({
        json: completion('chatcmpl-cacheK7wQ2xZp9LrT4mNb', 'o3-mini', ['42'], {
          prompt: 2000,
          completion: 500,
          cached: 1536,
          reasoning: 384,
        }),
      })),
    );
    const meter = createRecordingMeter();
    const model = chatOpenAI({ model: 'o3-mini' });
    await model.invoke('think', { callbacks: [new AgentmeterCallbackHandler(meter, defaults)] });
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      tokens_input: 2000,
      tokens_cached_input: 1536,
      tokens_output: 500,
      tokens_reasoning: 384,
    });
  });

  it('meters each prompt of a batch once, and an n>1 call once (its usage sits on every choice)', async () => {
    server.use(
      chatCompletions((body) => {
        const prompt = lastUserText(body);
        const size = prompt.length;
        return {
          json: completion(
            `chatcmpl-${prompt}K7wQ2xZp9LrT4mNb`,
            'gpt-4o',
            body.n === 3 ? ['a', 'b', 'c'] : ['x'],
            {
              prompt: size * 10,
              completion: size,
            },
          ),
        };
      }),
    );
    const meter = createRecordingMeter();
    const handler = new AgentmeterCallbackHandler(meter, defaults);
    const model = chatOpenAI({ model: 'gpt-4o' });

    await model.batch(['a', 'bb', 'ccc'], { callbacks: [handler] });
    await model.generate([[new HumanMessage('dddd')], [new HumanMessage('eeeee')]], { callbacks: [handler] });
    const three = chatOpenAI({ model: 'gpt-4o', n: 3 });
    const result = await three.generate([[new HumanMessage('ffffff')]], { callbacks: [handler] });

    expect(result.generations[0]).toHaveLength(3);
    const byPrompt = Object.fromEntries(
      meter.events.map((event) => [event.event_id.split(':')[1], [event.tokens_input, event.tokens_output]]),
    );
    expect(byPrompt).toEqual({
      'chatcmpl-aK7wQ2xZp9LrT4mNb': [10, 1],
      'chatcmpl-bbK7wQ2xZp9LrT4mNb': [20, 2],
      'chatcmpl-cccK7wQ2xZp9LrT4mNb': [30, 3],
      'chatcmpl-ddddK7wQ2xZp9LrT4mNb': [40, 4],
      'chatcmpl-eeeeeK7wQ2xZp9LrT4mNb': [50, 5],
      'chatcmpl-ffffffK7wQ2xZp9LrT4mNb': [60, 6],
    });
    expect(meter.events).toHaveLength(6);
  });

  it('meters nothing when the provider fails, and the error reaches the caller', async () => {
    server.use(
      chatCompletions(() => ({
        status: 429,
        error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
      })),
    );
    // Fake timers, so every timer queued by the failures can be run before "nothing" is checked.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const failures = vi.spyOn(AgentmeterCallbackHandler.prototype, 'handleLLMError');
    onTestFinished(() => failures.mockRestore());
    const meter = createRecordingMeter();
    const model = chatOpenAI({ model: 'gpt-4o' });
    const handler = new AgentmeterCallbackHandler(meter, defaults);
    await expect(model.invoke('hi', { callbacks: [handler] })).rejects.toThrow(/Rate limit reached/);
    await expect(
      (async () => {
        for await (const _ of await model.stream('hi', { callbacks: [handler] })) {
          // never reached
        }
      })(),
    ).rejects.toThrow(/Rate limit reached/);
    // The handler has had both failures (and returned) by the time the caller has the rejections:
    // whatever it records for them is recorded by now.
    expect(failures.mock.results.map((result) => result.type)).toEqual(['return', 'return']);
    expect(meter.trackCalls).toBe(0);
    // Nothing later either: not on any timer queued since, nor behind one more call through the same
    // handler, answered and metered by the time it returns; its event alone is there (track() calls
    // counted, so a late or second record of the failures would show).
    await vi.runAllTimersAsync();
    expect(meter.trackCalls).toBe(0);
    server.use(
      chatCompletions(() => ({
        json: completion('chatcmpl-fenceK7wQ2xZp9LrT4mNb', 'gpt-4o', ['ok'], { prompt: 3, completion: 1 }),
      })),
    );
    await model.invoke('hi', { callbacks: [handler] });
    await vi.runAllTimersAsync();
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output, event.metadata])).toEqual([
      [3, 1, undefined],
    ]);
    expect(meter.trackCalls).toBe(1);
  });

  it('meters an aborted stream once, flagged incomplete, with no usage invented', async () => {
    server.use(
      chatCompletions(() => ({
        sse: chunks('chatcmpl-cutK7wQ2xZp9LrT4mNb', 'gpt-4o', ['one', 'two'], {
          prompt: 5,
          completion: 5,
        }).slice(0, 2),
        hang: true,
      })),
    );
    const meter = createRecordingMeter();
    const model = chatOpenAI({ model: 'gpt-4o' });
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of await model.stream('hi', {
          callbacks: [new AgentmeterCallbackHandler(meter, defaults)],
          signal: controller.signal,
        })) {
          seen.push(String(chunk.content));
          if (seen.length === 2) controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(seen).toEqual(['one', 'two']);
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      tokens_input: 0,
      tokens_output: 0,
      usage_missing: true,
      metadata: { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'aborted' },
    });
    expect(meter.events[0]?.event_id).toMatch(/^openai:chatcmpl-cutK7wQ2xZp9LrT4mNb:/);
  });

  it('bills 100 concurrent calls (invoked and streamed) in 100 customer contexts each to the right customer', async () => {
    server.use(
      chatCompletions((body) => {
        const index = Number(lastUserText(body));
        const spec = { prompt: 100 + index, completion: index };
        return body.stream
          ? { sse: chunks(`chatcmpl-c${index}K7wQ2xZp9LrT4mNb`, 'gpt-4o', ['o', 'k'], spec) }
          : { json: completion(`chatcmpl-c${index}K7wQ2xZp9LrT4mNb`, 'gpt-4o', ['ok'], spec) };
      }),
    );
    const meter = createRecordingMeter();
    const handler = new AgentmeterCallbackHandler(meter, defaults);
    const model = chatOpenAI({ model: 'gpt-4o' });
    await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        meter.withContext({ customer_id: `cus_${index}` }, async () => {
          if (index % 2 === 0) await model.invoke(String(index), { callbacks: [handler] });
          else for await (const _ of await model.stream(String(index), { callbacks: [handler] })) void _;
        }),
      ),
    );
    expect(meter.events).toHaveLength(100);
    for (const event of meter.events) {
      const index = Number(event.customer_id?.slice(4));
      expect(event).toMatchObject({ tokens_input: 100 + index, tokens_output: index });
      expect(event.event_id).toMatch(new RegExp(`^openai:chatcmpl-c${index}K7wQ2xZp9LrT4mNb:`));
    }
    expect(new Set(meter.events.map((event) => event.customer_id)).size).toBe(100);
  });
});

describe('AgentmeterCallbackHandler with ChatOpenAI: audio', () => {
  it("reads audio input and output tokens from usage_metadata's token details, invoked and streamed", async () => {
    // A spoken question answered with speech: 41 of 57 prompt tokens and 1390 of 1612 completion
    // tokens are audio; ChatOpenAI puts them in `input_token_details.audio` / `output_token_details.audio`.
    const spoken = (usage: OpenAI.Completions.CompletionUsage) => {
      usage.prompt_tokens_details = { cached_tokens: 0, audio_tokens: 41 };
      usage.completion_tokens_details = { reasoning_tokens: 0, audio_tokens: 1390 };
      return usage;
    };
    const spec = { prompt: 57, completion: 1612 };
    server.use(
      chatCompletions((body) => {
        if (!body.stream) {
          const answer = completion('chatcmpl-audioK7wQ2xZp9LrT4mNb', 'gpt-4o-audio-preview', ['Hi'], spec);
          if (answer.usage) spoken(answer.usage);
          return { json: answer };
        }
        const parts = chunks(
          'chatcmpl-audioStreamK7wQ2xZp9LrT4mNb',
          'gpt-4o-audio-preview',
          ['H', 'i'],
          spec,
        );
        const last = parts.at(-1);
        if (last?.usage) spoken(last.usage);
        return { sse: parts };
      }),
    );
    const meter = createRecordingMeter();
    const model = chatOpenAI({ model: 'gpt-4o-audio-preview' });
    const handler = new AgentmeterCallbackHandler(meter, defaults);

    await model.invoke('hello', { callbacks: [handler] });
    for await (const _ of await model.stream('hello', { callbacks: [handler] })) {
      // consume
    }

    expect(meter.events).toHaveLength(2);
    for (const event of meter.events) {
      expect(event).toMatchObject({
        provider: 'openai',
        tokens_input: 57,
        tokens_output: 1612,
        tokens_audio_input: 41,
        tokens_audio_output: 1390,
      });
    }
  });
});

describe('AgentmeterCallbackHandler with ChatOpenAI on the Responses API (useResponsesApi)', () => {
  const INVOKED_ID = 'resp_68b1f0c2d9e48190a1c2b3d4e5f60718';
  const STREAMED_ID = 'resp_68b1f0c2d9e48190f7e6d5c4b3a29180';
  const scenario = {
    model: 'o4-mini-2025-04-16',
    usage: responseUsage(2000, 500, { cached: 1536, reasoning: 384 }),
  };

  it('meters an invoked and a streamed call once each, with cached and reasoning tokens, under the response id', async () => {
    server.use(
      http.post(`${BASE_URL}/responses`, async ({ request }) => {
        const { stream } = (await request.json()) as { stream?: boolean };
        return stream
          ? sseResponse(responseEvents({ ...scenario, id: STREAMED_ID }))
          : HttpResponse.json(responseBody({ ...scenario, id: INVOKED_ID }));
      }),
    );
    const meter = createRecordingMeter();
    const model = chatOpenAI({ model: 'o4-mini', useResponsesApi: true });
    const handler = new AgentmeterCallbackHandler(meter, defaults);

    const answer = await model.invoke('think', { callbacks: [handler] });
    let streamed = '';
    for await (const chunk of await model.stream('think', { callbacks: [handler] })) {
      streamed += chunk.text;
    }

    expect(answer.text).toBe('Paris is the capital of France.');
    expect(streamed).toBe('Paris is the capital of France.');
    expect(meter.events).toHaveLength(2);
    for (const event of meter.events) {
      expect(event).toMatchObject({
        provider: 'openai',
        model: 'o4-mini-2025-04-16',
        tokens_input: 2000,
        tokens_cached_input: 1536,
        tokens_output: 500,
        tokens_reasoning: 384,
      });
      // The Responses API's id of the call (`resp_…`), which the provider layer meters the same call
      // under; not the id of the message item inside it, nor LangChain's own run id.
    }
    expect(meter.events.map((event) => event.call?.response_id)).toEqual([INVOKED_ID, STREAMED_ID]);
  });
});
