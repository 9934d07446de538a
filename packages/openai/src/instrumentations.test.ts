// The wrapper under the real OpenTelemetry instrumentations of the openai client (OpenLLMetry,
// OpenInference), patched before and after `withMeter()`: every call is metered exactly once with the
// provider's counts, and its event names the instrumentation's call span, so that span is not charged
// again.
import { OpenAIInstrumentation as OpenInferenceInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import OpenAI6 from 'openai';
import OpenAI5 from 'openai-v5';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetStreamOptionsMemory } from './stream-options.js';
import { type CompatibleServer, countsFor, startCompatibleServer } from './test-fixtures-compatible.js';
import { createRecordingMeter, eventsOf, type RecordingMeter } from './test-support.js';
import { withMeter } from './with-meter.js';

const DEFAULTS = { agent_id: 'support-bot', action: 'answer' };
const settle = () => new Promise((resolve) => setImmediate(resolve));

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
let server: CompatibleServer;
let warnings: string[];

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  server = await startCompatibleServer();
});

afterAll(async () => {
  await server.close();
  await provider.shutdown();
  context.disable();
});

beforeEach(() => {
  resetStreamOptionsMemory();
  exporter.reset();
  warnings = [];
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

type Client = typeof OpenAI6;

interface Instrumentation {
  name: string;
  /** Patches the openai module's classes; returns the undo. */
  patch(OpenAI: Client): () => void;
  /** The instrumentation's call spans among the finished spans. */
  isCallSpan(span: ReadableSpan): boolean;
}

/** Both undo a manual patch with `unpatch(module)`, which their types keep private. */
const unpatchable = (instrumentation: object) => instrumentation as { unpatch(module: unknown): void };

const INSTRUMENTATIONS: Instrumentation[] = [
  {
    name: 'OpenLLMetry (@traceloop/instrumentation-openai)',
    patch(OpenAI) {
      const instrumentation = new OpenAIInstrumentation();
      instrumentation.setTracerProvider(provider);
      instrumentation.manuallyInstrument(OpenAI as never);
      return () => unpatchable(instrumentation).unpatch({ OpenAI });
    },
    isCallSpan: (span) => span.instrumentationScope.name === '@traceloop/instrumentation-openai',
  },
  {
    name: 'OpenInference (@arizeai/openinference-instrumentation-openai)',
    patch(OpenAI) {
      const instrumentation = new OpenInferenceInstrumentation({ tracerProvider: provider });
      const module = { OpenAI };
      instrumentation.manuallyInstrument(module as never);
      return () => unpatchable(instrumentation).unpatch(module);
    },
    isCallSpan: (span) => span.instrumentationScope.name.includes('openinference'),
  },
];

const VERSIONS: Array<[string, Client]> = [
  ['openai@6', OpenAI6],
  ['openai@5', OpenAI5 as unknown as Client],
];

const ORDERS = ['patched before withMeter()', 'patched after withMeter()'] as const;

const CASES = INSTRUMENTATIONS.flatMap((instrumentation) =>
  VERSIONS.flatMap(([version, OpenAI]) =>
    ORDERS.map((order) => ({
      label: `${instrumentation.name}, ${version}, ${order}`,
      instrumentation,
      OpenAI,
      order,
    })),
  ),
);

const messages = (text: string) => [{ role: 'user' as const, content: text }];

describe.each(CASES)('$label', ({ instrumentation, OpenAI, order }) => {
  let undo: (() => void) | undefined;
  let meter: RecordingMeter;
  let openai: OpenAI6;

  beforeEach(() => {
    meter = createRecordingMeter();
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
    if (order === 'patched before withMeter()') {
      undo = instrumentation.patch(OpenAI);
      openai = withMeter(client, meter, DEFAULTS);
    } else {
      openai = withMeter(client, meter, DEFAULTS);
      undo = instrumentation.patch(OpenAI);
    }
  });

  afterEach(() => {
    undo?.();
    undo = undefined;
  });

  function callSpan(): ReadableSpan {
    const spans = exporter.getFinishedSpans().filter(instrumentation.isCallSpan);
    expect(spans).toHaveLength(1);
    return spans[0] as ReadableSpan;
  }

  it('meters a plain call once, with its counts, linked to the call span', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: messages('plain'),
    });
    expect(completion.choices[0]?.message.content).toBe('ok');
    await settle();
    const events = eventsOf(meter);
    expect(events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([countsFor('plain')]);
    const span = callSpan();
    expect(events[0]?.call).toEqual({
      response_id: completion.id,
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
    expect(warnings).toEqual([]);
  });

  it('meters a streamed call once, with its counts, linked to the call span', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: messages('streamed!'),
      stream: true,
    });
    const seen: OpenAI6.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) seen.push(chunk);
    await settle();
    expect(seen.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('ok');
    // The usage-only chunk the wrapper asked for is not the caller's to see.
    expect(seen.every((chunk) => chunk.choices.length === 1)).toBe(true);
    const events = eventsOf(meter);
    expect(events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([
      countsFor('streamed!'),
    ]);
    expect(events[0]?.usage_missing).toBeUndefined();
    const span = callSpan();
    expect(events[0]?.call?.trace_id).toBe(span.spanContext().traceId);
    expect(events[0]?.call?.span_id).toBe(span.spanContext().spanId);
    expect(warnings).toEqual([]);
  });

  it('meters a stream once when its server refused stream_options and the call was made again', async () => {
    const refusing = await startCompatibleServer({ refuseStreamOptions: true, streamUsage: 'groq' });
    try {
      const client = withMeter(
        new OpenAI({ apiKey: 'sk-test', baseURL: refusing.baseURL, maxRetries: 0 }),
        meter,
        DEFAULTS,
      );
      const stream = await client.chat.completions.create({
        model: 'llama',
        messages: messages('refused'),
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      await settle();
      expect(text).toBe('ok');
      expect(refusing.requests.map((body) => body.stream_options !== undefined)).toEqual([true, false]);
      const events = eventsOf(meter);
      expect(events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([
        countsFor('refused'),
      ]);
      // The span of the request that was answered.
      const spans = exporter.getFinishedSpans().filter(instrumentation.isCallSpan);
      expect(spans.map((span) => span.spanContext().spanId)).toContain(events[0]?.call?.span_id);
      expect(warnings).toEqual([]);
    } finally {
      await refusing.close();
    }
  });

  it('meters a stream broken off with `break` once', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: messages('stop'),
      stream: true,
    });
    for await (const _ of stream) break;
    await settle();
    const events = eventsOf(meter);
    expect(events).toHaveLength(1);
    expect(events[0]?.usage_missing).toBe(true);
    expect(warnings).toEqual([]);
  });
});

describe('without an instrumentation', () => {
  it("links the event to the caller's span, and to none when no span is active", async () => {
    const meter = createRecordingMeter();
    const openai = withMeter(
      new OpenAI6({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 }),
      meter,
      DEFAULTS,
    );
    const tracer = provider.getTracer('agent');
    const parent = await tracer.startActiveSpan('agent step', async (span) => {
      await openai.chat.completions.create({ model: 'gpt-4.1', messages: messages('in a span') });
      span.end();
      return span.spanContext();
    });
    await openai.chat.completions.create({ model: 'gpt-4.1', messages: messages('no span') });
    // A copy with other options sends through the same observed fetch.
    await tracer.startActiveSpan('copy', async (span) => {
      await openai.withOptions({ timeout: 5_000 }).chat.completions.create({
        model: 'gpt-4.1',
        messages: messages('copy'),
      });
      span.end();
    });
    await settle();
    const events = eventsOf(meter);
    expect(events).toHaveLength(3);
    expect(events[0]?.call).toMatchObject({ trace_id: parent.traceId, span_id: parent.spanId });
    expect(events[1]?.call?.span_id).toBeUndefined();
    expect(events[1]?.call?.trace_id).toBeUndefined();
    const copySpan = exporter.getFinishedSpans().find((span) => span.name === 'copy');
    expect(events[2]?.call?.span_id).toBe(copySpan?.spanContext().spanId);
  });
});
