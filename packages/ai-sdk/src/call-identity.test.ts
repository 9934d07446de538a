// How the middleware's events name their call, with the real @ai-sdk/openai provider over real HTTP: the
// AI SDK's own doGenerate / doStream span (telemetry on), and response ids that repeat (`chatcmpl-123`,
// Ollama's counter), which must neither merge calls nor let another layer's calls hide these.
import { createOpenAI } from '@ai-sdk/openai';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import {
  callThroughProviderLayer,
  expectLayersInOrder,
  FRAMEWORK_LAYER,
} from '../../../test/support/stacked-layers.js';
import {
  type CompatibleServer,
  type CompatibleServerOptions,
  countsFor,
  startCompatibleServer,
  sumCounts,
} from '../../openai/src/test-fixtures-compatible.js';
import { meterMiddleware } from './middleware.js';
import { mockModel } from './test-support/mock-model.js';
import { textResult, v3Usage } from './test-support/parts.js';

afterEach(expectEveryMeterClean);

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});

afterAll(async () => {
  await provider.shutdown();
  context.disable();
});

let server: CompatibleServer | undefined;

beforeEach(() => exporter.reset());

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: CompatibleServerOptions = {}): Promise<CompatibleServer> {
  server = await startCompatibleServer(options);
  return server;
}

function meteredModel(baseURL: string, meter: ReturnType<typeof createRecordingMeter>) {
  const openai = createOpenAI({ apiKey: 'sk-test', baseURL });
  return wrapLanguageModel({
    model: openai.chat('local-model'),
    middleware: meterMiddleware(meter, FRAMEWORK_LAYER),
  });
}

/**
 * Whether the installed ai makes its own `ai.*` spans on the tracer `experimental_telemetry` names: ai 5 and 6
 * do; ai 7 makes spans only through a registered telemetry integration (@ai-sdk/otel), whose spans the
 * middleware links to in test/lanes/ai7/telemetry-otel.test.ts.
 */
async function aiMakesItsOwnSpans(): Promise<boolean> {
  const probe = new InMemorySpanExporter();
  const probeProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(probe)] });
  await generateText({
    model: mockModel({
      doGenerate: textResult('ok', v3Usage({ input: 1, output: 1 }), { id: 'p', modelId: 'm' }),
    }),
    prompt: 'probe',
    experimental_telemetry: { isEnabled: true, tracer: probeProvider.getTracer('probe') },
  });
  const made = probe.getFinishedSpans().length > 0;
  await probeProvider.shutdown();
  return made;
}

describe('the AI SDK telemetry span', async () => {
  it.runIf(await aiMakesItsOwnSpans())(
    "links a generated step and a streamed step to the AI SDK's doGenerate / doStream spans",
    async () => {
      const { baseURL } = await start();
      const meter = createRecordingMeter();
      const model = meteredModel(baseURL, meter);
      const telemetry = { isEnabled: true, tracer: provider.getTracer('ai') };
      await generateText({ model, prompt: 'generated', experimental_telemetry: telemetry });
      await streamText({ model, prompt: 'streamed', experimental_telemetry: telemetry }).consumeStream();
      const spans = exporter.getFinishedSpans();
      const doGenerate = spans.find((span) => span.name === 'ai.generateText.doGenerate');
      const doStream = spans.find((span) => span.name === 'ai.streamText.doStream');
      expect(doGenerate).toBeDefined();
      expect(doStream).toBeDefined();
      expect(meter.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([
        countsFor('generated'),
        countsFor('streamed'),
      ]);
      expect(meter.events.map((event) => [event.call?.trace_id, event.call?.span_id])).toEqual([
        [doGenerate?.spanContext().traceId, doGenerate?.spanContext().spanId],
        [doStream?.spanContext().traceId, doStream?.spanContext().spanId],
      ]);
    },
  );

  it('links nothing when telemetry is off and no span is active', async () => {
    const { baseURL } = await start();
    const meter = createRecordingMeter();
    await generateText({ model: meteredModel(baseURL, meter), prompt: 'plain' });
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]?.call?.span_id).toBeUndefined();
  });
});

describe('response ids that repeat', () => {
  it('meters five calls answered `chatcmpl-123` once each', async () => {
    const { baseURL, answered } = await start({ ids: 'constant' });
    const meter = createRecordingMeter();
    const model = meteredModel(baseURL, meter);
    for (let i = 0; i < 5; i++) {
      if (i % 2 === 0) await generateText({ model, prompt: `g${i}` });
      else await streamText({ model, prompt: `s${i}` }).consumeStream();
    }
    expect(meter.events).toHaveLength(5);
    expect(new Set(meter.events.map((event) => event.event_id)).size).toBe(5);
    expect(sumCounts(meter.events.map((event) => [event.tokens_input, event.tokens_output]))).toEqual(
      sumCounts(answered),
    );
  });

  it('meters 300 calls to an Ollama-style server (`chatcmpl-<n % 999>`) once each', async () => {
    const { baseURL, answered } = await start({ ids: 'ollama' });
    const meter = createRecordingMeter();
    const model = meteredModel(baseURL, meter);
    for (let i = 0; i < 300; i++) {
      if (i % 2 === 0) await generateText({ model, prompt: `q${i}` });
      else await streamText({ model, prompt: `q${i}` }).consumeStream();
    }
    expect(answered).toHaveLength(300);
    expect(meter.events).toHaveLength(300);
    expect(sumCounts(meter.events.map((event) => [event.tokens_input, event.tokens_output]))).toEqual(
      sumCounts(answered),
    );
  });

  it('still meters its own calls after a wrapped client made calls with the same id', async () => {
    const { baseURL, answered } = await start({ ids: 'constant' });
    const meter = createRecordingMeter();
    await callThroughProviderLayer(meter, baseURL, 5);
    const model = meteredModel(baseURL, meter);
    for (let i = 0; i < 5; i++) await generateText({ model, prompt: `a${i}` });
    expectLayersInOrder(meter, 5, 5);
    expect(sumCounts(meter.events.map((event) => [event.tokens_input, event.tokens_output]))).toEqual(
      sumCounts(answered),
    );
  });
});
