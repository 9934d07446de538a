// The SDK helpers call `create` through the client (`this._client.chat.completions.create(...)`);
// through the wrapped client each underlying request is metered exactly once.
import { makeParseableResponseFormat } from 'openai/lib/parser';
import { describe, expect, it } from 'vitest';
import { CHAT_ID, chatChunks, chatHandler, chatStall, settle, usage, VERSIONS } from './test-fixtures.js';
import { responsesHandler, responseUsage } from './test-fixtures-responses.js';
import { eventsOf, meteredClient, tokensOf, useMockServer } from './test-support.js';

const server = useMockServer();

const messages = [{ role: 'user' as const, content: 'Weather in Paris?' }];

describe.each(VERSIONS)('helpers with $version', ({ OpenAI }) => {
  const setup = () => meteredClient(OpenAI, { agent_id: 'weather', action: 'forecast' });

  it('chat.completions.parse() is metered once and still parses', async () => {
    server.use(chatHandler({ content: '{"city":"Paris","celsius":18}', usage: usage(57, 12) }));
    const { meter, openai } = setup();
    const format = makeParseableResponseFormat(
      {
        type: 'json_schema',
        json_schema: {
          name: 'weather',
          strict: true,
          schema: { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } } },
        },
      },
      (content) => JSON.parse(content) as { city: string; celsius: number },
    );
    const completion = await openai.chat.completions.parse({
      model: 'gpt-4.1',
      messages,
      response_format: format,
    });
    expect(completion.choices[0]?.message.parsed).toEqual({ city: 'Paris', celsius: 18 });
    await settle();
    expect(tokensOf(meter)).toEqual([[57, 12]]);
  });

  it('chat.completions.stream() is metered once; its events and final completion still work', async () => {
    server.use(chatHandler({ usage: usage(21, 6) }));
    const { meter, openai } = setup();
    const runner = openai.chat.completions.stream({ model: 'gpt-4.1', messages });
    const chunks: unknown[] = [];
    runner.on('chunk', (chunk) => chunks.push(chunk));
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('Hello! How can I help?');
    expect(final.usage ?? null).toBeNull();
    expect(chunks).toHaveLength(4);
    await settle();
    expect(tokensOf(meter)).toEqual([[21, 6]]);
  });

  it('chat.completions.stream() with the caller’s include_usage exposes the usage', async () => {
    server.use(chatHandler({ usage: usage(21, 6) }));
    const { meter, openai } = setup();
    const runner = openai.chat.completions.stream({
      model: 'gpt-4.1',
      messages,
      stream_options: { include_usage: true },
    });
    const final = await runner.finalChatCompletion();
    expect(final.usage?.prompt_tokens).toBe(21);
    await settle();
    expect(tokensOf(meter)).toEqual([[21, 6]]);
  });

  it('chat.completions.stream() aborted mid-way is metered once, incomplete', async () => {
    server.use(chatStall(chatChunks({ usage: usage(21, 6) }, true).slice(0, 2)));
    const { meter, openai } = setup();
    const runner = openai.chat.completions.stream({ model: 'gpt-4.1', messages });
    runner.on('chunk', () => runner.abort());
    await expect(runner.done()).rejects.toThrow(/aborted/i);
    await settle();
    expect(eventsOf(meter)).toHaveLength(1);
    expect(eventsOf(meter)[0]).toMatchObject({
      tokens_input: 0,
      metadata: { 'agentmeter.usage_incomplete': true },
    });
  });

  it('chat.completions.runTools() meters each model request once', async () => {
    let step = 0;
    server.use(
      chatHandler(() =>
        step++ === 0
          ? {
              id: `${CHAT_ID}a`,
              toolCalls: [{ id: 'call_9s7bQ2', name: 'get_weather', arguments: '{"city":"Paris"}' }],
              usage: usage(50, 10),
            }
          : { id: `${CHAT_ID}b`, content: 'It is 18°C in Paris.', usage: usage(80, 12) },
      ),
    );
    const { meter, openai } = setup();
    const calls: unknown[] = [];
    const runner = openai.chat.completions.runTools({
      model: 'gpt-4.1',
      messages,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
            parse: (input: string) => JSON.parse(input) as { city: string },
            function: (args: { city: string }) => {
              calls.push(args);
              return { celsius: 18 };
            },
          },
        },
      ],
    });
    expect(await runner.finalContent()).toBe('It is 18°C in Paris.');
    expect(calls).toEqual([{ city: 'Paris' }]);
    await settle();
    expect(tokensOf(meter)).toEqual([
      [50, 10],
      [80, 12],
    ]);
  });

  it('responses.parse() is metered once', async () => {
    server.use(responsesHandler({ usage: responseUsage(36, 87) }));
    const { meter, openai } = setup();
    const response = await openai.responses.parse({ model: 'gpt-4.1', input: 'Capital of France?' });
    expect(response.output_text).toBe('Paris is the capital of France.');
    await settle();
    expect(tokensOf(meter)).toEqual([[36, 87]]);
  });

  it('responses.stream() is metered once; its final response keeps its usage', async () => {
    server.use(responsesHandler({ usage: responseUsage(36, 87, { cached: 12 }) }));
    const { meter, openai } = setup();
    const stream = openai.responses.stream({ model: 'gpt-4.1', input: 'Capital of France?' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(deltas.join('')).toBe('Paris is the capital of France.');
    expect(final.usage?.input_tokens).toBe(36);
    await settle();
    expect(eventsOf(meter)).toHaveLength(1);
    expect(eventsOf(meter)[0]).toMatchObject({
      tokens_input: 36,
      tokens_output: 87,
      tokens_cached_input: 12,
    });
  });
});
