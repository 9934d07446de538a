import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import {
  createClient,
  jsonResponse,
  messageBody,
  REQUEST,
  SEARCHED_COUNTS,
  SEARCHED_USAGE,
} from './test-fixtures.js';
import { createSpyMeter, OPTIONS, useAnthropicServer } from './test-support.js';
import { withMeter } from './with-meter.js';

const { server, answer } = useAnthropicServer();

// messages.parse() (structured outputs, through output_config) exists from 0.72.
const hasParse = typeof Anthropic.Messages.prototype.parse === 'function';

describe('messages.create (not streamed)', () => {
  it('meters one event with the exact token counts and the call facts', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, OPTIONS);
    answer(() =>
      jsonResponse(
        messageBody({ id: 'msg_01plain1Xq7Lk2Vb9Tz', usage: { input_tokens: 25, output_tokens: 13 } }),
      ),
    );

    const message = await client.messages.create(REQUEST);

    expect(message.id).toBe('msg_01plain1Xq7Lk2Vb9Tz');
    expect(message.content).toEqual([{ type: 'text', text: 'Hello there!', citations: null }]);
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({
      agent_id: 'support-bot',
      action: 'reply',
      provider: 'anthropic',
      model: 'claude-haiku-4-5-20251001',
      tokens_input: 25,
      tokens_output: 13,
    });
    expect(meter.events[0]?.event_id).toMatch(/^anthropic:msg_01plain1Xq7Lk2Vb9Tz:/);
    // Zero subsets are left out; nothing else (no content, no incompleteness flag) is sent.
    expect(meter.events[0]).not.toHaveProperty('tokens_cached_input');
    expect(meter.events[0]).not.toHaveProperty('tokens_cache_write');
    expect(meter.events[0]).not.toHaveProperty('tokens_reasoning');
    expect(meter.events[0]).not.toHaveProperty('metadata');
  });

  it('counts cache reads and cache writes into the input total (input = input + read + creation)', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, OPTIONS);
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_01cache1Xq7Lk2Vb9Tz',
          usage: {
            input_tokens: 12,
            cache_read_input_tokens: 3000,
            cache_creation_input_tokens: 1200,
            output_tokens: 77,
          },
        }),
      ),
    );

    await client.messages.create(REQUEST);

    expect(meter.events[0]).toMatchObject({
      tokens_input: 4212,
      tokens_cached_input: 3000,
      tokens_cache_write: 1200,
      tokens_output: 77,
    });
  });

  it('reports thinking tokens as reasoning, a subset of the output', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, OPTIONS);
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_01think1Xq7Lk2Vb9Tz',
          usage: { input_tokens: 40, output_tokens: 900, thinking_tokens: 640 },
          content: [
            { type: 'thinking', thinking: 'Let me think.', signature: 'sig_abc' },
            { type: 'text', text: 'Done.', citations: null },
          ],
        }),
      ),
    );

    await client.messages.create({ ...REQUEST, thinking: { type: 'enabled', budget_tokens: 2048 } });

    expect(meter.events[0]).toMatchObject({ tokens_input: 40, tokens_output: 900, tokens_reasoning: 640 });
  });

  it('reports 1-hour cache writes within all cache writes, and the web searches the API ran', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, OPTIONS);
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_01search1Xq7Lk2Vb9Tz',
          usage: SEARCHED_USAGE,
          content: [
            {
              type: 'server_tool_use',
              id: 'srvtoolu_01WYG3ziw53XMcoyKL4XcZmE',
              name: 'web_search',
              input: { query: 'agentmeter pricing' },
            },
            {
              type: 'web_search_tool_result',
              tool_use_id: 'srvtoolu_01WYG3ziw53XMcoyKL4XcZmE',
              content: [
                {
                  type: 'web_search_result',
                  url: 'https://example.com/pricing',
                  title: 'Pricing',
                  encrypted_content: 'EqgfCioIARgBIiQ3YTAwMjY1Mi1',
                  page_age: null,
                },
              ],
            },
            { type: 'text', text: 'Here is what I found.', citations: null },
          ],
        }),
      ),
    );

    await client.messages.create({
      ...REQUEST,
      tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }],
    });

    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject(SEARCHED_COUNTS);
    expect(meter.events[0]).not.toHaveProperty('tokens_cached_input');
  });

  it('sends no 1-hour writes or web searches when the usage reports none', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, OPTIONS);
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_01nosearch1Xq7Lk2Vb9Tz',
          usage: {
            input_tokens: 10,
            cache_creation_input_tokens: 300,
            output_tokens: 5,
            web_search_requests: 0,
          },
        }),
      ),
    );

    await client.messages.create(REQUEST);

    expect(meter.events[0]).toMatchObject({ tokens_input: 310, tokens_cache_write: 300, tokens_output: 5 });
    expect(meter.events[0]).not.toHaveProperty('tokens_cache_write_1h');
    expect(meter.events[0]).not.toHaveProperty('web_search_requests');
  });

  it('meters a tool-use turn like any other', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, OPTIONS);
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_01tool1Xq7Lk2Vb9Tz',
          usage: {
            input_tokens: 377,
            cache_read_input_tokens: 0,
            cache_creation_input_tokens: 0,
            output_tokens: 65,
          },
          stop_reason: 'tool_use',
          content: [
            { type: 'text', text: "I'll check the weather.", citations: null },
            {
              type: 'tool_use',
              id: 'toolu_01',
              name: 'get_weather',
              input: { location: 'Paris' },
              caller: { type: 'direct' },
            },
          ],
        }),
      ),
    );

    const message = await client.messages.create({
      ...REQUEST,
      tools: [
        {
          name: 'get_weather',
          input_schema: { type: 'object', properties: { location: { type: 'string' } } },
        },
      ],
    });

    expect(message.stop_reason).toBe('tool_use');
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({ tokens_input: 377, tokens_output: 65 });
    expect(meter.events[0]).not.toHaveProperty('tokens_cached_input');
  });

  it('keeps the APIPromise helpers: withResponse(), asResponse() and request ids', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, OPTIONS);
    answer(() =>
      jsonResponse(
        messageBody({ id: 'msg_01resp1Xq7Lk2Vb9Tz', usage: { input_tokens: 5, output_tokens: 6 } }),
      ),
    );

    const { data, response, request_id } = await client.messages.create(REQUEST).withResponse();

    expect(data.id).toBe('msg_01resp1Xq7Lk2Vb9Tz');
    expect(request_id).toBe('req_json_1');
    expect(response.status).toBe(200);
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([[5, 6]]);
    // The awaited message still carries the SDK's request id.
    answer(() =>
      jsonResponse(
        messageBody({ id: 'msg_01resp3Xq7Lk2Vb9Tz', usage: { input_tokens: 1, output_tokens: 1 } }),
      ),
    );
    expect((await client.messages.create(REQUEST))._request_id).toBe('req_json_1');
    expect(meter.events).toHaveLength(2);

    // asResponse() hands back the unread body: the wrapper never consumed it.
    answer(() =>
      jsonResponse(
        messageBody({ id: 'msg_01resp2Xq7Lk2Vb9Tz', usage: { input_tokens: 1, output_tokens: 2 } }),
      ),
    );
    const raw = await client.messages.create(REQUEST).asResponse();
    expect(((await raw.json()) as { id: string }).id).toBe('msg_01resp2Xq7Lk2Vb9Tz');
  });

  it.runIf(hasParse)('meters messages.parse() once, through create()', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, OPTIONS);
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_01parse1Xq7Lk2Vb9Tz',
          usage: { input_tokens: 30, output_tokens: 8 },
          content: [{ type: 'text', text: '{"answer":4}', citations: null }],
        }),
      ),
    );

    const parsed = await client.messages.parse({
      ...REQUEST,
      output_config: {
        format: {
          type: 'json_schema',
          schema: { type: 'object', properties: { answer: { type: 'number' } } },
        },
      },
    });

    expect(parsed.parsed_output).toEqual({ answer: 4 });
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([[30, 8]]);
  });

  it('meters beta.messages.create the same way', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, OPTIONS);
    const bodies = answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_01beta1Xq7Lk2Vb9Tz',
          usage: { input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 4 },
        }),
      ),
    );

    await client.beta.messages.create({ ...REQUEST, betas: ['context-management-2025-06-27'] });

    expect(bodies).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({ tokens_input: 100, tokens_cached_input: 90, tokens_output: 4 });
  });

  it('leaves everything else untouched and unmetered', async () => {
    const meter = createSpyMeter();
    const raw = createClient();
    const client = withMeter(raw, meter, OPTIONS);
    server.use(
      (await import('msw')).http.post('https://api.anthropic.com/v1/messages/count_tokens', () =>
        jsonResponse({ input_tokens: 14 }),
      ),
    );

    expect(await client.messages.countTokens(REQUEST)).toMatchObject({ input_tokens: 14 });
    expect(meter.events).toHaveLength(0);
    expect(client).toBeInstanceOf(Anthropic);
    expect(client.baseURL).toBe(raw.baseURL);
    expect(client.messages).toBe(client.messages);
    expect(client.messages.batches).toBe(raw.messages.batches);
    expect(client.models).toBe(raw.models);
  });

  it('meters clients made by withOptions()', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, OPTIONS).withOptions({ timeout: 5_000 });
    answer(() =>
      jsonResponse(
        messageBody({ id: 'msg_01opts1Xq7Lk2Vb9Tz', usage: { input_tokens: 3, output_tokens: 4 } }),
      ),
    );

    await client.messages.create(REQUEST);

    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([[3, 4]]);
  });

  it('wrapping a metered client again replaces its options instead of metering twice', async () => {
    const meter = createSpyMeter();
    const once = withMeter(createClient(), meter, OPTIONS);
    const twice = withMeter(once, meter, { agent_id: 'other-bot', action: 'summarize' });
    answer(() =>
      jsonResponse(
        messageBody({ id: 'msg_01twice1Xq7Lk2Vb9Tz', usage: { input_tokens: 8, output_tokens: 9 } }),
      ),
    );

    await twice.messages.create(REQUEST);

    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({ agent_id: 'other-bot', action: 'summarize', tokens_input: 8 });
  });
});
