// OpenAI-compatible servers over real HTTP: ids that repeat, stream usage in other places or none, and
// `stream_options` refused.
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REFUSAL_MEMORY_MS, resetStreamOptionsMemory } from './stream-options.js';
import {
  type CompatibleServer,
  type CompatibleServerOptions,
  countsFor,
  startCompatibleServer,
  sumCounts,
} from './test-fixtures-compatible.js';
import {
  createRecordingMeter,
  eventsOf,
  fakeTimers,
  type RecordingMeter,
  runQueuedTimers,
} from './test-support.js';
import { withMeter } from './with-meter.js';

const DEFAULTS = { agent_id: 'local-agent', action: 'answer' };
/** Lets queued reactions and I/O callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

let server: CompatibleServer | undefined;
let warnings: string[];

beforeEach(() => {
  resetStreamOptionsMemory();
  warnings = [];
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  });
});

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

async function setup(options: CompatibleServerOptions, meterOptions = {}) {
  server = await startCompatibleServer(options);
  const meter = createRecordingMeter();
  const openai = withMeter(
    new OpenAI({ apiKey: 'sk-local', baseURL: server.baseURL, maxRetries: 0 }),
    meter,
    { ...DEFAULTS, ...meterOptions },
  );
  return { meter, openai, server };
}

const ask = (text: string) => [{ role: 'user' as const, content: text }];

async function drain(stream: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  return text;
}

function pairs(meter: RecordingMeter): Array<[number | undefined, number | undefined]> {
  return eventsOf(meter).map((event) => [event.tokens_input, event.tokens_output]);
}

describe('ids that repeat', () => {
  it('meters five calls answered `chatcmpl-123` as five events with their own ids and counts', async () => {
    const { meter, openai } = await setup({ ids: 'constant' });
    for (let i = 0; i < 5; i++) {
      const completion = await openai.chat.completions.create({
        model: 'local-model',
        messages: ask('x'.repeat(i)),
      });
      expect(completion.id).toBe('chatcmpl-123');
    }
    await settle();
    const events = eventsOf(meter);
    expect(events).toHaveLength(5);
    expect(new Set(events.map((event) => event.event_id)).size).toBe(5);
    expect(pairs(meter)).toEqual([0, 1, 2, 3, 4].map((i) => countsFor('x'.repeat(i))));
    // An id that repeats is no link to anything: the events carry none.
    expect(events.every((event) => event.call?.response_id === undefined)).toBe(true);
  });

  it('meters 300 calls to an Ollama-style server (`chatcmpl-<n % 999>`), plain and streamed, once each', async () => {
    const { meter, openai, server } = await setup({ ids: 'ollama' });
    for (let i = 0; i < 300; i++) {
      const messages = ask(`q${i}`);
      if (i % 2 === 0) await openai.chat.completions.create({ model: 'llama3', messages });
      else await drain(await openai.chat.completions.create({ model: 'llama3', messages, stream: true }));
    }
    await settle();
    expect(eventsOf(meter)).toHaveLength(300);
    expect(new Set(eventsOf(meter).map((event) => event.event_id)).size).toBe(300);
    expect(sumCounts(pairs(meter))).toEqual(sumCounts(server.answered));
    expect(server.answered).toHaveLength(300);
  });
});

describe('stream usage in other places', () => {
  it("reads a streamed call's usage from Groq's `x_groq.usage` on the last chunk", async () => {
    const { meter, openai } = await setup({ streamUsage: 'groq' });
    const stream = await openai.chat.completions.create({
      model: 'llama-3.3-70b',
      messages: ask('hello'),
      stream: true,
    });
    expect(await drain(stream)).toBe('ok');
    await settle();
    expect(pairs(meter)).toEqual([countsFor('hello')]);
    expect(eventsOf(meter)[0]?.usage_missing).toBeUndefined();
    expect(eventsOf(meter)[0]?.metadata).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('takes the last running total when usage is on every chunk (as xAI sends it)', async () => {
    const { meter, openai } = await setup({ streamUsage: 'every-chunk' });
    const stream = await openai.chat.completions.create({
      model: 'grok-3',
      messages: ask('hello'),
      stream: true,
    });
    await drain(stream);
    await settle();
    expect(pairs(meter)).toEqual([countsFor('hello')]);
  });

  it('marks a stream that ends with no usage at all usage_missing, and says once why', async () => {
    const { meter, openai } = await setup({ streamUsage: 'none' });
    for (const text of ['a', 'b']) {
      await drain(await openai.chat.completions.create({ model: 'm', messages: ask(text), stream: true }));
    }
    await settle();
    expect(
      eventsOf(meter).map((event) => [event.tokens_input, event.tokens_output, event.usage_missing]),
    ).toEqual([
      [0, 0, true],
      [0, 0, true],
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(server?.baseURL);
    expect(warnings[0]).toContain('sent no usage on a streamed chat completion');
  });
});

describe('a server that refuses stream_options', () => {
  it('makes the call again without it, remembers the endpoint, and meters the streams as usage_missing', async () => {
    const { meter, openai, server } = await setup({ refuseStreamOptions: true });
    for (const text of ['first', 'second', 'third']) {
      const stream = await openai.chat.completions.create({ model: 'm', messages: ask(text), stream: true });
      expect(await drain(stream)).toBe('ok');
    }
    await settle();
    // One refused request, then only the caller's own requests.
    expect(server.requests.map((body) => body.stream_options !== undefined)).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(eventsOf(meter).map((event) => [event.tokens_input, event.usage_missing])).toEqual([
      [0, true],
      [0, true],
      [0, true],
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(server.baseURL);
    expect(warnings[0]).toContain('refuses `stream_options`');
    expect(warnings[0]).toContain('include_usage');
  });

  it('meters the usage the stream reports after the retry (Groq-style) with no warning', async () => {
    const { meter, openai, server } = await setup({ refuseStreamOptions: true, streamUsage: 'groq' });
    await drain(await openai.chat.completions.create({ model: 'm', messages: ask('hey'), stream: true }));
    await settle();
    expect(server.requests).toHaveLength(2);
    expect(pairs(meter)).toEqual([countsFor('hey')]);
    expect(eventsOf(meter)[0]?.usage_missing).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("keeps the SDK's APIPromise and helpers through the retry (.withResponse(), .stream())", async () => {
    const { meter, openai, server } = await setup({ refuseStreamOptions: true, streamUsage: 'groq' });
    const { data, response } = await openai.chat.completions
      .create({ model: 'm', messages: ask('raw'), stream: true })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.controller).toBeInstanceOf(AbortController);
    expect(await drain(data)).toBe('ok');
    const helper = openai.chat.completions.stream({ model: 'm', messages: ask('helper') });
    expect((await helper.finalChatCompletion()).choices[0]?.message.content).toBe('ok');
    await settle();
    // The first call was refused once; the helper's call went straight without the field.
    expect(server.requests.map((body) => body.stream_options !== undefined)).toEqual([true, false, false]);
    expect(pairs(meter)).toEqual([countsFor('raw'), countsFor('helper')]);
  });

  it('never retries a call whose caller set stream_options: the 400 is theirs', async () => {
    fakeTimers();
    const { meter, openai, server } = await setup({ refuseStreamOptions: true });
    await expect(
      openai.chat.completions.create({
        model: 'm',
        messages: ask('mine'),
        stream: true,
        stream_options: { include_usage: true },
      }),
    ).rejects.toMatchObject({ status: 400 });
    // A retry would have been sent, and a failure recorded, before the caller had the rejection;
    // checked there, then once every timer queued since has run, then behind one more call on the
    // same client (no stream, so the server answers it), whose request and event alone follow.
    expect(server.requests).toHaveLength(1);
    expect(meter.trackCalls).toBe(0);
    await runQueuedTimers();
    expect(server.requests).toHaveLength(1);
    expect(meter.trackCalls).toBe(0);
    await openai.chat.completions.create({ model: 'm', messages: ask('fence') });
    await runQueuedTimers();
    expect(server.requests.map((body) => body.stream === true)).toEqual([true, false]);
    expect(pairs(meter)).toEqual([countsFor('fence')]);
    expect(meter.trackCalls).toBe(1);
  });

  it('with the wrapper told not to ask (streamUsage: false) sends nothing extra and warns nothing', async () => {
    const { meter, openai, server } = await setup({ refuseStreamOptions: true }, { streamUsage: false });
    await drain(await openai.chat.completions.create({ model: 'm', messages: ask('a'), stream: true }));
    await settle();
    expect(server.requests).toHaveLength(1);
    expect(eventsOf(meter).map((event) => event.usage_missing)).toEqual([true]);
    expect(warnings).toEqual([]);
  });
});

/** Which requests the server received carried `stream_options`. */
const asked = (server: CompatibleServer) => server.requests.map((body) => body.stream_options !== undefined);

describe('errors that are not about stream_options', () => {
  const badTemperature = {
    status: 400,
    body: {
      error: {
        message: "Invalid value for 'temperature': expected a number between 0 and 2.",
        type: 'invalid_request_error',
        param: 'temperature',
        code: 'invalid_value',
      },
    },
  };

  it('surfaces a one-off 400 once, unretried, and later streams still ask for usage and get it', async () => {
    // The first request fails for a reason of its own (the retry without the field would succeed).
    const { meter, openai, server } = await setup({
      reject: (_body, index) => (index === 0 ? badTemperature : undefined),
    });
    await expect(
      openai.chat.completions.create({ model: 'm', messages: ask('first'), stream: true }),
    ).rejects.toMatchObject({ status: 400, param: 'temperature' });
    await settle();
    expect(server.requests).toHaveLength(1);
    for (const text of ['second', 'third']) {
      await drain(await openai.chat.completions.create({ model: 'm', messages: ask(text), stream: true }));
    }
    await settle();
    expect(asked(server)).toEqual([true, true, true]);
    expect(
      eventsOf(meter).map((event) => [event.tokens_input, event.tokens_output, event.usage_missing]),
    ).toEqual([
      [...countsFor('second'), undefined],
      [...countsFor('third'), undefined],
    ]);
    expect(warnings).toEqual([]);
  });

  it('sends a call that keeps failing (a content filter) once per call', async () => {
    const filtered = {
      status: 400,
      body: {
        error: {
          message: 'The response was filtered due to the prompt triggering the content management policy.',
          type: null,
          param: 'prompt',
          code: 'content_filter',
        },
      },
    };
    const { meter, openai, server } = await setup({
      reject: (body) => (body.messages?.at(-1)?.content === 'blocked' ? filtered : undefined),
    });
    for (let i = 0; i < 2; i++) {
      await expect(
        openai.chat.completions.create({ model: 'm', messages: ask('blocked'), stream: true }),
      ).rejects.toMatchObject({ status: 400, code: 'content_filter' });
    }
    await drain(await openai.chat.completions.create({ model: 'm', messages: ask('fine'), stream: true }));
    await settle();
    expect(asked(server)).toEqual([true, true, true]);
    expect(pairs(meter)).toEqual([countsFor('fine')]);
  });

  it('reads a 422 body openai-node drops (pydantic `detail`) and does not retry when it names another field', async () => {
    const otherField = {
      status: 422,
      body: {
        detail: [
          {
            type: 'less_than_equal',
            loc: ['body', 'temperature'],
            msg: 'Input should be less than or equal to 2',
            input: 7,
          },
        ],
      },
    };
    const { meter, openai, server } = await setup({
      reject: (_body, index) => (index === 0 ? otherField : undefined),
    });
    await expect(
      openai.chat.completions.create({ model: 'm', messages: ask('hot'), stream: true, temperature: 7 }),
    ).rejects.toMatchObject({ status: 422 });
    await drain(await openai.chat.completions.create({ model: 'm', messages: ask('warm'), stream: true }));
    await settle();
    expect(asked(server)).toEqual([true, true]);
    expect(pairs(meter)).toEqual([countsFor('warm')]);
  });
});

describe('a refusal of stream_options remembered for a while', () => {
  it("retries a refusal found only in a 422 body openai-node drops (Mistral's shape) and remembers it", async () => {
    const { meter, openai, server } = await setup({ refuseStreamOptions: 'pydantic', streamUsage: 'groq' });
    for (const text of ['a', 'bb']) {
      await drain(await openai.chat.completions.create({ model: 'm', messages: ask(text), stream: true }));
    }
    await settle();
    expect(asked(server)).toEqual([true, false, false]);
    expect(pairs(meter)).toEqual([countsFor('a'), countsFor('bb')]);
  });

  it('asks again once the refusal is old, so a server that was upgraded reports usage again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.parse('2026-01-01T00:00:00Z');
    vi.setSystemTime(start);
    const options: CompatibleServerOptions = { refuseStreamOptions: true };
    const { meter, openai, server } = await setup(options);
    const stream = async (text: string) =>
      drain(await openai.chat.completions.create({ model: 'm', messages: ask(text), stream: true }));

    await stream('one'); // refused, made again without the field, remembered
    vi.setSystemTime(start + REFUSAL_MEMORY_MS - 1);
    await stream('two'); // still remembered: sent without the field
    vi.setSystemTime(start + REFUSAL_MEMORY_MS);
    await stream('three'); // asked again: still refused, made again, remembered anew
    vi.setSystemTime(start + 2 * REFUSAL_MEMORY_MS - 1);
    await stream('four');
    options.refuseStreamOptions = false; // the server is upgraded
    vi.setSystemTime(start + 2 * REFUSAL_MEMORY_MS);
    await stream('five'); // asked again: accepted, with usage
    await stream('six');
    await settle();
    expect(asked(server)).toEqual([true, false, false, true, false, false, true, true]);
    expect(eventsOf(meter).map((event) => [event.tokens_input, event.usage_missing])).toEqual([
      [0, true],
      [0, true],
      [0, true],
      [0, true],
      [countsFor('five')[0], undefined],
      [countsFor('six')[0], undefined],
    ]);
  });
});
