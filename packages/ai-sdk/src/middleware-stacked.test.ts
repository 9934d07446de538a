import { generateText, streamText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { chatCompletions, chunks, completion, useMockServer } from '../../../test/support/openai-api.js';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import {
  answerEveryPromptWithLongIds,
  FRAMEWORK_LAYER,
  layerRows,
  providerLayerClient,
} from '../../../test/support/stacked-layers.js';
import { meterMiddleware } from './middleware.js';
import { openAIBackedModel } from './test-support/openai-backed-model.js';

afterEach(expectEveryMeterClean);

const server = useMockServer();

describe('an AI SDK model whose openai client is wrapped by @agentmeter/openai', () => {
  it('is metered once, by the provider layer, for generate and stream', async () => {
    answerEveryPromptWithLongIds(server, 'p', 256);
    const meter = createRecordingMeter();
    const client = providerLayerClient(meter);
    const model = wrapLanguageModel({
      model: openAIBackedModel(client, 'gpt-4o'),
      middleware: meterMiddleware(meter, FRAMEWORK_LAYER),
    });
    await meter.withContext({ customer_id: 'cus_9' }, async () => {
      await generateText({ model, prompt: 'a' });
      const result = streamText({ model, prompt: 'bb' });
      expect(await result.text).toBe('ok');
    });
    expect(layerRows(meter.events)).toEqual([
      ['chatcmpl-pg-a', 'provider-layer', 'cus_9', 1001, 256, 1],
      ['chatcmpl-ps-bb', 'provider-layer', 'cus_9', 1002, 256, 2],
    ]);
  });

  it('is metered once even when the response id cannot match the layers (the scope carries it)', async () => {
    // OpenAI-compatible servers send short ids that repeat, so they link nothing; the outer-layer
    // scope tells the middleware that the provider layer metered the call.
    server.use(
      chatCompletions((body) => {
        const spec = { prompt: 40, completion: 4 };
        return body.stream
          ? { sse: chunks('chatcmpl-1', 'llama-3', ['o', 'k'], spec) }
          : { json: completion('chatcmpl-2', 'llama-3', ['ok'], spec) };
      }),
    );
    const meter = createRecordingMeter();
    const client = providerLayerClient(meter);
    const model = wrapLanguageModel({
      model: openAIBackedModel(client, 'llama-3'),
      middleware: meterMiddleware(meter, FRAMEWORK_LAYER),
    });
    await generateText({ model, prompt: 'a' });
    await streamText({ model, prompt: 'b' }).consumeStream();
    expect(meter.events.map((event) => [event.agent_id, event.tokens_input, event.tokens_output])).toEqual([
      ['provider-layer', 40, 4],
      ['provider-layer', 40, 4],
    ]);
  });

  it('is metered by the middleware when the client is not wrapped (the control case)', async () => {
    answerEveryPromptWithLongIds(server, 'f', 256);
    const meter = createRecordingMeter();
    const model = wrapLanguageModel({
      model: openAIBackedModel(new OpenAI({ apiKey: 'sk-test', maxRetries: 0 }), 'gpt-4o'),
      middleware: meterMiddleware(meter, FRAMEWORK_LAYER),
    });
    await meter.withContext({ customer_id: 'cus_9' }, async () => {
      await generateText({ model, prompt: 'a' });
      await streamText({ model, prompt: 'bb' }).consumeStream();
    });
    expect(layerRows(meter.events)).toEqual([
      ['chatcmpl-fg-a', 'framework-layer', 'cus_9', 1001, 256, 1],
      ['chatcmpl-fs-bb', 'framework-layer', 'cus_9', 1002, 256, 2],
    ]);
  });
});
