import { deriveEventId, onUsage } from '@agentmeter/sdk/integration';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { BASE_URL, CHAT_MODEL, settle, sseResponse, VERSIONS } from './test-fixtures.js';
import {
  embeddingsHandler,
  RESPONSE_ID,
  type ResponseScenario,
  responseBody,
  responseEvents,
  responsesHandler,
  responseUsage,
} from './test-fixtures-responses.js';
import { eventsOf, fakeTimers, meteredClient, runQueuedTimers, useMockServer } from './test-support.js';

const server = useMockServer();

const DEFAULTS = { agent_id: 'research-agent', action: 'lookup' };
const eventId = deriveEventId('openai', RESPONSE_ID, DEFAULTS.agent_id, DEFAULTS.action);

describe.each(VERSIONS)('responses and embeddings with $version', ({ OpenAI }) => {
  const setup = () => meteredClient(OpenAI, DEFAULTS);

  it('meters a plain response with cached, cache-write and reasoning tokens', async () => {
    server.use(
      responsesHandler({
        usage: responseUsage(1536, 412, { cached: 1024, cacheWrite: 256, reasoning: 320 }),
      }),
    );
    const { meter, openai } = setup();
    const response = await openai.responses.create({ model: 'o4-mini', input: 'Capital of France?' });
    expect(response.output_text).toBe('Paris is the capital of France.');
    expect(eventsOf(meter)).toEqual([
      {
        tokens_input: 1536,
        tokens_output: 412,
        tokens_cached_input: 1024,
        tokens_cache_write: 256,
        tokens_reasoning: 320,
        provider: 'openai',
        model: CHAT_MODEL,
        agent_id: 'research-agent',
        action: 'lookup',
        event_id: eventId,
        call: { response_id: RESPONSE_ID },
      },
    ]);
  });

  it.each([
    ['completed', undefined],
    ['incomplete', undefined],
    ['failed', 'server_error'],
  ] as const)('meters a stream ending with response.%s from its usage', async (terminal, errorType) => {
    server.use(responsesHandler({ usage: responseUsage(36, 87, { reasoning: 64 }), terminal }));
    const { meter, openai } = setup();
    const stream = await openai.responses.create({
      model: 'gpt-4.1',
      input: 'Capital of France?',
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe(`response.${terminal}`);
    expect(types).toHaveLength(8);
    await settle();
    expect(eventsOf(meter)).toHaveLength(1);
    expect(eventsOf(meter)[0]).toMatchObject({
      tokens_input: 36,
      tokens_output: 87,
      tokens_reasoning: 64,
      event_id: eventId,
    });
    expect(eventsOf(meter)[0]?.metadata).toEqual(
      errorType ? { 'agentmeter.error_type': errorType } : undefined,
    );
  });

  it('meters a broken-off response stream with the id it knew, marked incomplete', async () => {
    const events = responseEvents({ usage: responseUsage(36, 87) }).slice(0, 5);
    server.use(
      http.post(`${BASE_URL}/responses`, ({ request }) =>
        sseResponse(events, { hang: true, signal: request.signal }),
      ),
    );
    const { meter, openai } = setup();
    const stream = await openai.responses.create({
      model: 'gpt-4.1',
      input: 'Capital of France?',
      stream: true,
    });
    let deltas = 0;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') {
        deltas++;
        stream.controller.abort();
      }
    }
    await settle();
    expect(deltas).toBe(1);
    expect(eventsOf(meter)).toEqual([
      {
        tokens_input: 0,
        tokens_output: 0,
        provider: 'openai',
        model: CHAT_MODEL,
        agent_id: 'research-agent',
        action: 'lookup',
        event_id: eventId,
        call: { response_id: RESPONSE_ID },
        usage_missing: true,
        metadata: { 'agentmeter.usage_incomplete': true },
      },
    ]);
  });

  it('meters a background response once, when a retrieve shows it finished', async () => {
    const scenario: ResponseScenario = { usage: responseUsage(900, 1200, { reasoning: 1024 }) };
    const states = ['in_progress', 'completed', 'completed'] as const;
    let polls = 0;
    server.use(
      http.post(`${BASE_URL}/responses`, () =>
        HttpResponse.json({ ...responseBody(scenario, 'queued', false), background: true }),
      ),
      http.get(`${BASE_URL}/responses/${RESPONSE_ID}`, () => {
        const status = states[Math.min(polls++, states.length - 1)] ?? 'completed';
        return HttpResponse.json({
          ...responseBody(scenario, status, status === 'completed'),
          background: true,
        });
      }),
    );
    fakeTimers();
    const { meter, openai } = setup();
    // Each "nothing yet" is checked where the event would be (the completed retrieve below has it
    // with no wait) and after every timer queued since has run.
    const queued = await openai.responses.create({ model: 'o3', input: 'Long task', background: true });
    expect(queued.status).toBe('queued');
    expect(meter.trackCalls).toBe(0);
    await runQueuedTimers();
    expect(meter.trackCalls).toBe(0);
    expect((await openai.responses.retrieve(RESPONSE_ID)).status).toBe('in_progress');
    expect(meter.trackCalls).toBe(0);
    await runQueuedTimers();
    expect(meter.trackCalls).toBe(0);
    expect((await openai.responses.retrieve(RESPONSE_ID)).status).toBe('completed');
    // No wait: the call is recorded by the time the retrieve that shows it finished returns.
    expect(meter.trackCalls).toBe(1);
    // Once: not again for a second completed retrieve, nor on any timer queued since.
    expect((await openai.responses.retrieve(RESPONSE_ID)).status).toBe('completed');
    await runQueuedTimers();
    expect(meter.trackCalls).toBe(1);
    expect(eventsOf(meter)).toHaveLength(1);
    expect(eventsOf(meter)[0]).toMatchObject({
      tokens_input: 900,
      tokens_output: 1200,
      tokens_reasoning: 1024,
      event_id: eventId,
    });
  });

  it('meters a background response that is cancelled, from the cancel response', async () => {
    const scenario: ResponseScenario = { usage: responseUsage(400, 50) };
    server.use(
      http.post(`${BASE_URL}/responses`, () =>
        HttpResponse.json({ ...responseBody(scenario, 'queued', false), background: true }),
      ),
      http.post(`${BASE_URL}/responses/${RESPONSE_ID}/cancel`, () =>
        HttpResponse.json({ ...responseBody(scenario, 'cancelled'), background: true }),
      ),
    );
    const { meter, openai } = setup();
    await openai.responses.create({ model: 'o3', input: 'Long task', background: true });
    expect((await openai.responses.cancel(RESPONSE_ID)).status).toBe('cancelled');
    await settle();
    expect(eventsOf(meter).map((event) => [event.tokens_input, event.tokens_output])).toEqual([[400, 50]]);
  });

  it('meters a background response started through a withOptions() copy when the wrapped client retrieves it, once', async () => {
    const scenario: ResponseScenario = { usage: responseUsage(300, 70) };
    server.use(
      http.post(`${BASE_URL}/responses`, () =>
        HttpResponse.json({ ...responseBody(scenario, 'queued', false), background: true }),
      ),
      http.get(`${BASE_URL}/responses/${RESPONSE_ID}`, () =>
        HttpResponse.json({ ...responseBody(scenario, 'completed'), background: true }),
      ),
    );
    const { meter, openai } = setup();
    // The copy and the client it came from share the running background calls: either settles them.
    await openai
      .withOptions({ timeout: 5000 })
      .responses.create({ model: 'o3', input: 'Long task', background: true });
    expect(meter.trackCalls).toBe(0);
    expect((await openai.responses.retrieve(RESPONSE_ID)).status).toBe('completed');
    expect(meter.trackCalls).toBe(1);
    expect((await openai.withOptions({ timeout: 5000 }).responses.retrieve(RESPONSE_ID)).status).toBe(
      'completed',
    );
    await settle();
    expect(eventsOf(meter).map((event) => [event.tokens_input, event.tokens_output])).toEqual([[300, 70]]);
  });

  it('meters embeddings (base64 decoded by the SDK, or floats) as input tokens only', async () => {
    server.use(embeddingsHandler(8));
    const { meter, openai } = setup();
    const seen: Array<{ operation: string; complete: boolean }> = [];
    const stop = onUsage((normalized) => seen.push(normalized));
    try {
      const decoded = await openai.embeddings.create({
        model: 'text-embedding-3-small',
        input: ['hello', 'world'],
      });
      expect(decoded.data).toHaveLength(2);
      expect(decoded.data[0]?.embedding[0]).toBeCloseTo(0.0023064255, 6);
      const floats = await openai.embeddings.create({
        model: 'text-embedding-3-small',
        input: 'hello',
        encoding_format: 'float',
      });
      expect(floats.data[0]?.embedding).toEqual([0.0023064255, -0.009327292, 0.015797347]);
      await settle();
      expect(eventsOf(meter).map(({ event_id, ...rest }) => rest)).toEqual([
        {
          tokens_input: 8,
          tokens_output: 0,
          provider: 'openai',
          model: 'text-embedding-3-small',
          agent_id: 'research-agent',
          action: 'lookup',
        },
        {
          tokens_input: 8,
          tokens_output: 0,
          provider: 'openai',
          model: 'text-embedding-3-small',
          agent_id: 'research-agent',
          action: 'lookup',
        },
      ]);
      expect(seen.map(({ operation, complete }) => ({ operation, complete }))).toEqual([
        { operation: 'embeddings', complete: true },
        { operation: 'embeddings', complete: true },
      ]);
    } finally {
      stop();
    }
  });
});
