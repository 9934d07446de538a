import { withMeter } from '@agentmeter/openai';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chatCompletions,
  chunks,
  completion,
  lastUserText,
  useMockServer,
} from '../../../test/support/openai-api.js';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import { meterMiddleware } from './middleware.js';
import { openAIBackedModel } from './test-support/openai-backed-model.js';

afterEach(expectEveryMeterClean);

const server = useMockServer();

// Real OpenAI ids are long (`chatcmpl-` + 29 characters); @agentmeter/openai trusts only such ids.
const TAIL = 'Qw3rTy8uIoPaSdFgHjKlZx';
const providerDefaults = { agent_id: 'provider-layer', action: 'answer' };
const frameworkDefaults = { agent_id: 'framework-layer', action: 'answer' };

// Response ids are unique per test: the registry of provider-metered ids is process-wide.
function answerEveryPrompt(tag: string) {
  server.use(
    chatCompletions((body) => {
      const prompt = lastUserText(body);
      const spec = { prompt: 1000 + prompt.length, completion: prompt.length, cached: 256 };
      return body.stream
        ? { sse: chunks(`chatcmpl-${tag}s-${prompt}-${TAIL}`, 'gpt-4o', ['o', 'k'], spec) }
        : { json: completion(`chatcmpl-${tag}g-${prompt}-${TAIL}`, 'gpt-4o', ['ok'], spec) };
    }),
  );
}

const rows = (events: ReturnType<typeof createRecordingMeter>['events']) =>
  events.map((event) => [
    event.event_id.split(':')[1]?.replace(`-${TAIL}`, ''),
    event.agent_id,
    event.customer_id,
    event.tokens_input,
    event.tokens_cached_input,
    event.tokens_output,
  ]);

describe('an AI SDK model whose openai client is wrapped by @agentmeter/openai', () => {
  it('is metered once, by the provider layer, for generate and stream', async () => {
    answerEveryPrompt('p');
    const meter = createRecordingMeter();
    const client = withMeter(new OpenAI({ apiKey: 'sk-test', maxRetries: 0 }), meter, providerDefaults);
    const model = wrapLanguageModel({
      model: openAIBackedModel(client, 'gpt-4o'),
      middleware: meterMiddleware(meter, frameworkDefaults),
    });
    await meter.withContext({ customer_id: 'cus_9' }, async () => {
      await generateText({ model, prompt: 'a' });
      const result = streamText({ model, prompt: 'bb' });
      expect(await result.text).toBe('ok');
    });
    expect(rows(meter.events)).toEqual([
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
    const client = withMeter(new OpenAI({ apiKey: 'sk-test', maxRetries: 0 }), meter, providerDefaults);
    const model = wrapLanguageModel({
      model: openAIBackedModel(client, 'llama-3'),
      middleware: meterMiddleware(meter, frameworkDefaults),
    });
    await generateText({ model, prompt: 'a' });
    await streamText({ model, prompt: 'b' }).consumeStream();
    expect(meter.events.map((event) => [event.agent_id, event.tokens_input, event.tokens_output])).toEqual([
      ['provider-layer', 40, 4],
      ['provider-layer', 40, 4],
    ]);
  });

  it('is metered by the middleware when the client is not wrapped (the control case)', async () => {
    answerEveryPrompt('f');
    const meter = createRecordingMeter();
    const model = wrapLanguageModel({
      model: openAIBackedModel(new OpenAI({ apiKey: 'sk-test', maxRetries: 0 }), 'gpt-4o'),
      middleware: meterMiddleware(meter, frameworkDefaults),
    });
    await meter.withContext({ customer_id: 'cus_9' }, async () => {
      await generateText({ model, prompt: 'a' });
      await streamText({ model, prompt: 'bb' }).consumeStream();
    });
    expect(rows(meter.events)).toEqual([
      ['chatcmpl-fg-a', 'framework-layer', 'cus_9', 1001, 256, 1],
      ['chatcmpl-fs-bb', 'framework-layer', 'cus_9', 1002, 256, 2],
    ]);
  });
});
