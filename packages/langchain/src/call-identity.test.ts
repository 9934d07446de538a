// The handler with the real @langchain/openai ChatOpenAI over real HTTP, against servers whose response
// ids repeat (`chatcmpl-123`, Ollama's `chatcmpl-<n % 999>`): one event per call, never merged, never
// hidden by another layer's calls with the same id, and never doubled over a wrapped client.
import { ChatOpenAI, ChatOpenAICompletions } from '@langchain/openai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRecordingMeter,
  expectEveryMeterClean,
  type RecordingMeter,
} from '../../../test/support/recording-meter.js';
import {
  callThroughProviderLayer,
  expectLayersInOrder,
  FRAMEWORK_LAYER,
  providerLayerClient,
} from '../../../test/support/stacked-layers.js';
import {
  type CompatibleServer,
  type CompatibleServerOptions,
  startCompatibleServer,
  sumCounts,
} from '../../openai/src/test-fixtures-compatible.js';
import { AgentmeterCallbackHandler } from './handler.js';

afterEach(expectEveryMeterClean);

let server: CompatibleServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: CompatibleServerOptions): Promise<CompatibleServer> {
  server = await startCompatibleServer(options);
  return server;
}

function chatModel(baseURL: string): ChatOpenAI {
  return new ChatOpenAI({
    model: 'local-model',
    apiKey: 'sk-test',
    maxRetries: 0,
    configuration: { baseURL },
  });
}

/** Invokes even calls, streams odd ones, `count` times. */
async function callMany(model: ChatOpenAI, handler: AgentmeterCallbackHandler, count: number, tag: string) {
  for (let i = 0; i < count; i++) {
    const prompt = `${tag}${i}`;
    if (i % 2 === 0) await model.invoke(prompt, { callbacks: [handler] });
    else {
      for await (const _ of await model.stream(prompt, { callbacks: [handler] })) {
        // consume
      }
    }
  }
}

const counts = (meter: RecordingMeter) =>
  meter.events.map((event): [number | undefined, number | undefined] => [
    event.tokens_input,
    event.tokens_output,
  ]);

describe('a ChatOpenAI answered with ids that repeat', () => {
  it('meters five `chatcmpl-123` calls, invoked and streamed, once each', async () => {
    const { baseURL, answered } = await start({ ids: 'constant' });
    const meter = createRecordingMeter();
    await callMany(chatModel(baseURL), new AgentmeterCallbackHandler(meter, FRAMEWORK_LAYER), 5, 'c');
    expect(meter.events).toHaveLength(5);
    expect(new Set(meter.events.map((event) => event.event_id)).size).toBe(5);
    expect(sumCounts(counts(meter))).toEqual(sumCounts(answered));
  });

  it('meters 300 calls to an Ollama-style server once each', async () => {
    const { baseURL, answered } = await start({ ids: 'ollama' });
    const meter = createRecordingMeter();
    await callMany(chatModel(baseURL), new AgentmeterCallbackHandler(meter, FRAMEWORK_LAYER), 300, 'q');
    expect(answered).toHaveLength(300);
    expect(meter.events).toHaveLength(300);
    expect(sumCounts(counts(meter))).toEqual(sumCounts(answered));
  });

  it('meters its own calls after a wrapped client in the process got the same id', async () => {
    const { baseURL, answered } = await start({ ids: 'constant' });
    const meter = createRecordingMeter();
    await callThroughProviderLayer(meter, baseURL, 5);
    await callMany(chatModel(baseURL), new AgentmeterCallbackHandler(meter, FRAMEWORK_LAYER), 5, 'l');
    expectLayersInOrder(meter, 5, 5);
    expect(sumCounts(counts(meter))).toEqual(sumCounts(answered));
  });

  it('over a wrapped client, is metered once per call, by the wrapper', async () => {
    const { baseURL, answered } = await start({ ids: 'constant' });
    const meter = createRecordingMeter();
    const fields = { model: 'local-model', apiKey: 'sk-test', maxRetries: 0, configuration: { baseURL } };
    // ChatOpenAI sends through the openai client its Chat Completions part keeps; this one is
    // metered by @agentmeter/openai.
    const completions = new ChatOpenAICompletions(fields);
    completions.client = providerLayerClient(meter, baseURL);
    const model = new ChatOpenAI({ ...fields, completions });
    await callMany(model, new AgentmeterCallbackHandler(meter, FRAMEWORK_LAYER), 6, 'p');
    expect(answered).toHaveLength(6);
    expectLayersInOrder(meter, 6, 0);
    expect(sumCounts(counts(meter))).toEqual(sumCounts(answered));
  });
});

describe('a ChatOpenAI call answered without usage', () => {
  it('is metered once, marked usage_missing, invoked and streamed', async () => {
    const { baseURL } = await start({ omitPlainUsage: true, streamUsage: 'none' });
    const meter = createRecordingMeter();
    await callMany(chatModel(baseURL), new AgentmeterCallbackHandler(meter, FRAMEWORK_LAYER), 2, 'n');
    expect(
      meter.events.map((event) => [event.tokens_input, event.tokens_output, event.usage_missing]),
    ).toEqual([
      [0, 0, true],
      [0, 0, true],
    ]);
  });
});
