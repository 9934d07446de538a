import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chatCompletions,
  completion,
  lastUserText,
  useMockServer,
} from '../../../test/support/openai-api.js';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import {
  answerEveryPromptWithLongIds,
  FRAMEWORK_LAYER,
  LONG_ID_TAIL,
  layerRows,
  providerLayerClient,
} from '../../../test/support/stacked-layers.js';
import { BASE_URL, sseResponse } from '../../openai/src/test-fixtures-http.js';
import { responseBody, responseEvents, responseUsage } from '../../openai/src/test-fixtures-responses.js';
import { AgentmeterCallbackHandler } from './handler.js';
import { chatOpenAI, chatOpenAIOver } from './test-support/chat-models.js';

afterEach(expectEveryMeterClean);

const server = useMockServer();

describe('a ChatOpenAI whose openai client is wrapped by @agentmeter/openai', () => {
  it('is metered once, by the provider layer, for plain, streamed and batched calls', async () => {
    answerEveryPromptWithLongIds(server, '', 512);
    const meter = createRecordingMeter();
    const client = providerLayerClient(meter);
    const model = chatOpenAIOver(client, { model: 'gpt-4o' });
    const handler = new AgentmeterCallbackHandler(meter, FRAMEWORK_LAYER);

    await meter.withContext({ customer_id: 'cus_7' }, async () => {
      await model.invoke('a', { callbacks: [handler] });
      for await (const _ of await model.stream('bb', { callbacks: [handler] })) {
        // consume
      }
      await model.batch(['ccc', 'dddd'], { callbacks: [handler] });
    });

    expect(layerRows(meter.events)).toEqual(
      expect.arrayContaining([
        ['chatcmpl-g-a', 'provider-layer', 'cus_7', 1001, 512, 1],
        ['chatcmpl-s-bb', 'provider-layer', 'cus_7', 1002, 512, 2],
        ['chatcmpl-g-ccc', 'provider-layer', 'cus_7', 1003, 512, 3],
        ['chatcmpl-g-dddd', 'provider-layer', 'cus_7', 1004, 512, 4],
      ]),
    );
    expect(meter.events).toHaveLength(4);
  });

  it('is metered once behind an OpenAI-compatible server with short, repeated ids', async () => {
    // Such ids repeat, so they are no idempotency key (distinct calls would merge); the handler counts
    // the wrapped call with that id made during its own run as this call.
    server.use(
      chatCompletions((body) => ({
        json: completion('chatcmpl-123', 'local-model', ['ok'], {
          prompt: 10 + lastUserText(body).length,
          completion: 1,
        }),
      })),
    );
    const meter = createRecordingMeter();
    const client = providerLayerClient(meter);
    const model = chatOpenAIOver(client, { model: 'local-model' });
    const handler = new AgentmeterCallbackHandler(meter, FRAMEWORK_LAYER);
    await model.invoke('a', { callbacks: [handler] });
    await model.invoke('bb', { callbacks: [handler] });
    expect(meter.events.map((event) => [event.agent_id, event.tokens_input])).toEqual([
      ['provider-layer', 11],
      ['provider-layer', 12],
    ]);
    expect(new Set(meter.events.map((event) => event.event_id)).size).toBe(2);
  });

  it('is metered by the handler when the client is not wrapped (the control case)', async () => {
    server.use(
      chatCompletions(() => ({
        json: completion('chatcmpl-bare', 'gpt-4o', ['ok'], { prompt: 9, completion: 1 }),
      })),
    );
    const meter = createRecordingMeter();
    const model = chatOpenAI({ model: 'gpt-4o' });
    await model.invoke('x', { callbacks: [new AgentmeterCallbackHandler(meter, FRAMEWORK_LAYER)] });
    expect(meter.events.map((event) => [event.agent_id, event.tokens_input])).toEqual([
      ['framework-layer', 9],
    ]);
  });
});

describe('a ChatOpenAI on the Responses API whose openai client is wrapped by @agentmeter/openai', () => {
  it('is metered once, by the provider layer, invoked and streamed', async () => {
    const ids = { invoked: `resp_invoked${LONG_ID_TAIL}`, streamed: `resp_streamed${LONG_ID_TAIL}` };
    const usage = responseUsage(3000, 200, { cached: 2048, reasoning: 64 });
    server.use(
      http.post(`${BASE_URL}/responses`, async ({ request }) => {
        const { stream } = (await request.json()) as { stream?: boolean };
        return stream
          ? sseResponse(responseEvents({ id: ids.streamed, usage }))
          : HttpResponse.json(responseBody({ id: ids.invoked, usage }));
      }),
    );
    const meter = createRecordingMeter();
    const client = providerLayerClient(meter);
    const model = chatOpenAIOver(client, { model: 'gpt-4.1', useResponsesApi: true });
    const handler = new AgentmeterCallbackHandler(meter, FRAMEWORK_LAYER);

    await model.invoke('a', { callbacks: [handler] });
    for await (const _ of await model.stream('b', { callbacks: [handler] })) {
      // consume
    }

    expect(
      meter.events.map((event) => [
        event.call?.response_id,
        event.agent_id,
        event.tokens_input,
        event.tokens_cached_input,
        event.tokens_output,
        event.tokens_reasoning,
      ]),
    ).toEqual([
      [ids.invoked, 'provider-layer', 3000, 2048, 200, 64],
      [ids.streamed, 'provider-layer', 3000, 2048, 200, 64],
    ]);
  });
});
