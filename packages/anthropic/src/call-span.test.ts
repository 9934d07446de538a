// Each event names the OpenTelemetry span its request was sent in: the Anthropic SDK's own call span
// (which the SDK keeps active while it sends), or OpenLLMetry's, whichever order it was patched in, so
// the agentmeter server does not charge that span again. OpenLLMetry's patched `create()` returns a
// plain promise for a whole message: that call is metered too.
import Anthropic, { APIPromise } from '@anthropic-ai/sdk';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { AnthropicInstrumentation } from '@traceloop/instrumentation-anthropic';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BASE_URL,
  deltaUsage,
  jsonResponse,
  messageBody,
  REQUEST,
  sseResponse,
  textStreamEvents,
  usageBody,
} from './test-fixtures.js';
import { createSpyMeter, drain, OPTIONS, tokens, useAnthropicServer } from './test-support.js';
import { withMeter } from './with-meter.js';

const { answer } = useAnthropicServer();

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
let warnings: string[];

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});

afterAll(async () => {
  await provider.shutdown();
  context.disable();
});

beforeEach(() => {
  exporter.reset();
  warnings = [];
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const PLAIN_ID = 'msg_01SpanPlainXq7Lk2Vb9Tz';

function answerPlainAndStreamed(): void {
  let streams = 0;
  answer((body) =>
    body['stream'] === true
      ? sseResponse(
          textStreamEvents({
            // Each stream its own id, as the API's are.
            id: `msg_01SpanStream${++streams}Xq7Lk2Vb9Tz`,
            startUsage: usageBody({ input_tokens: 40, output_tokens: 1 }),
            deltaUsages: [deltaUsage({ output_tokens: 17 })],
          }),
        )
      : jsonResponse(messageBody({ id: PLAIN_ID, usage: { input_tokens: 25, output_tokens: 13 } })),
  );
}

function onlySpan(scope: string): ReadableSpan {
  const spans = exporter.getFinishedSpans().filter((span) => span.instrumentationScope.name === scope);
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

// The SDK's own OpenTelemetry call spans (and the client's `openTelemetry` getter) exist from 0.134;
// an older client ignores the option and sends without a span.
describe.runIf('openTelemetry' in Anthropic.prototype)("the Anthropic SDK's own call span", () => {
  const SCOPE = 'com.anthropic.sdk.typescript';
  const client = () =>
    new Anthropic({
      apiKey: 'sk-ant-test',
      baseURL: BASE_URL,
      maxRetries: 0,
      openTelemetry: { tracerProvider: provider },
    });

  it('links a plain call', async () => {
    answerPlainAndStreamed();
    const meter = createSpyMeter();
    const anthropic = withMeter(client(), meter, OPTIONS);
    await anthropic.messages.create(REQUEST);
    const span = onlySpan(SCOPE);
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]?.call).toEqual({
      response_id: PLAIN_ID,
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
  });

  it('links a streamed call, and a messages.stream() call', async () => {
    answerPlainAndStreamed();
    const meter = createSpyMeter();
    const anthropic = withMeter(client(), meter, OPTIONS);
    await drain(await anthropic.messages.create({ ...REQUEST, stream: true }));
    const first = onlySpan(SCOPE);
    exporter.reset();
    await anthropic.messages.stream(REQUEST).finalMessage();
    const second = onlySpan(SCOPE);
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([
      [40, 17],
      [40, 17],
    ]);
    expect(meter.events.map((event) => event.call?.span_id)).toEqual([
      first.spanContext().spanId,
      second.spanContext().spanId,
    ]);
  });

  it('links a withOptions() copy', async () => {
    answerPlainAndStreamed();
    const meter = createSpyMeter();
    const anthropic = withMeter(client(), meter, OPTIONS);
    await anthropic.withOptions({ timeout: 5_000 }).messages.create(REQUEST);
    expect(meter.events[0]?.call?.span_id).toBe(onlySpan(SCOPE).spanContext().spanId);
  });
});

describe.each(['patched before withMeter()', 'patched after withMeter()'] as const)(
  'OpenLLMetry (@traceloop/instrumentation-anthropic), %s',
  (order) => {
    const SCOPE = '@traceloop/instrumentation-anthropic';
    // OpenLLMetry also patches the legacy `Completions` class, which this SDK no longer has; it is
    // given a stand-in so the real `Messages` classes are patched as in an application.
    const module = {
      APIPromise,
      Anthropic: { Completions: class {}, Messages: Anthropic.Messages, Beta: Anthropic.Beta },
    };
    let instrumentation: AnthropicInstrumentation;
    let anthropic: Anthropic;
    let meter: ReturnType<typeof createSpyMeter>;

    beforeEach(() => {
      meter = createSpyMeter();
      instrumentation = new AnthropicInstrumentation();
      instrumentation.setTracerProvider(provider);
      // The SDK's own spans are off here, so OpenLLMetry's is the call's span.
      const client = new Anthropic({
        apiKey: 'sk-ant-test',
        baseURL: BASE_URL,
        maxRetries: 0,
        openTelemetry: false,
      });
      if (order === 'patched before withMeter()') {
        instrumentation.manuallyInstrument(module as never);
        anthropic = withMeter(client, meter, OPTIONS);
      } else {
        anthropic = withMeter(client, meter, OPTIONS);
        instrumentation.manuallyInstrument(module as never);
      }
    });

    afterEach(() => {
      (instrumentation as unknown as { unpatch(module: unknown): void }).unpatch(module);
    });

    it('meters a plain call once (OpenLLMetry returns a plain promise), linked to its span', async () => {
      answerPlainAndStreamed();
      const message = await anthropic.messages.create(REQUEST);
      expect(message.id).toBe(PLAIN_ID);
      await new Promise((resolve) => setImmediate(resolve));
      expect(meter.events.map((event) => tokens(event))).toEqual([
        { input: 25, cached: undefined, write: undefined, output: 13, reasoning: undefined },
      ]);
      const span = onlySpan(SCOPE);
      expect(meter.events[0]?.call).toEqual({
        response_id: PLAIN_ID,
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
      });
      expect(warnings).toEqual([]);
    });

    it('meters a streamed call once, linked to its span', async () => {
      answerPlainAndStreamed();
      await drain(await anthropic.messages.create({ ...REQUEST, stream: true }));
      expect(meter.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([[40, 17]]);
      expect(meter.events[0]?.call?.span_id).toBe(onlySpan(SCOPE).spanContext().spanId);
      expect(warnings).toEqual([]);
    });
  },
);
