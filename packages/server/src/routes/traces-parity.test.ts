// The server reads OTLP spans by the same rules as @agentmeter/otel's span processor (it depends on no
// integration package, so the rules live in both places): the same spans, through both, must give the
// same role and the same usage.
import { roleOf as otelRole, usageOf as otelUsage, type SpanView } from '@agentmeter/otel';
import { SpanKind, SpanStatusCode, type TracerProvider } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { generateText, jsonSchema, stepCountIs, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textResult, toolCallResult, v3Usage } from '../../../ai-sdk/src/test-support/parts.js';
import { NestingRule as OtelNestingRule } from '../../../otel/src/nesting.js';
import { SCENARIOS } from '../../../otel/src/test-spans.js';
import { NestingRule, roleOf, usageOf } from './traces-genai.js';
import { decodeRequest, type OtlpSpan } from './traces-otlp.js';

const toMs = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6;

function view(span: ReadableSpan): SpanView {
  return {
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    startMs: toMs(span.startTime),
    endMs: toMs(span.endTime),
    statusCode: span.status.code,
    attributes: span.attributes,
    resource: span.resource.attributes,
    scope: span.instrumentationScope.name,
  };
}

/** What both sides must agree on, for one span. */
function fromOtel(span: ReadableSpan) {
  const usage = otelUsage(view(span));
  return {
    role: otelRole(view(span)),
    usage: usage && {
      provider: usage.provider,
      operation: usage.operation,
      model: usage.responseModel ?? usage.requestModel,
      responseId: usage.responseId,
      tokens: [
        usage.inputTokens,
        usage.outputTokens,
        usage.cachedInputTokens,
        usage.cacheWriteTokens,
        usage.reasoningTokens,
      ],
      errorType: usage.errorType,
    },
  };
}

function fromServer(span: OtlpSpan) {
  const usage = usageOf(span);
  return {
    role: roleOf(span),
    usage: usage && {
      provider: usage.provider,
      operation: usage.operation,
      model: usage.model,
      responseId: usage.responseId,
      tokens: [
        usage.inputTokens,
        usage.outputTokens,
        usage.cachedInputTokens,
        usage.cacheWriteTokens,
        usage.reasoningTokens,
      ],
      errorType: usage.errorType,
    },
  };
}

async function record(emit: (provider: TracerProvider) => void | Promise<void>): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bot' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  await emit(provider);
  return exporter.getFinishedSpans();
}

/** Spelling variants the rules read: deprecated and OpenLLMetry-legacy names, AI SDK v4, strings, errors, clamping. */
function variants(provider: TracerProvider) {
  const tracer = provider.getTracer('variants');
  const spans: Record<string, unknown>[] = [
    { 'gen_ai.system': 'OpenAI', 'gen_ai.usage.prompt_tokens': 10, 'gen_ai.usage.completion_tokens': 2 },
    {
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 9,
      'gen_ai.usage.cache_read_input_tokens': 40,
      'gen_ai.usage.cache_creation_input_tokens': 30,
      'gen_ai.usage.reasoning_tokens': 4,
    },
    {
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 5,
      'gen_ai.usage.cache_write.input_tokens': 2,
    },
    {
      'ai.model.provider': 'openai.chat',
      'ai.usage.promptTokens': 7,
      'ai.usage.completionTokens': 3,
      'ai.operationId': 'ai.generateText.doGenerate',
    },
    {
      'ai.model.provider': 'openai.embedding',
      'ai.usage.tokens': 12,
      'ai.operationId': 'ai.embed.doEmbed',
      'ai.model.id': 'text-embedding-3-small',
    },
    {
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': '812',
      'gen_ai.usage.output_tokens': 'many',
    },
    {
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.cache_read.input_tokens': 50,
      'gen_ai.usage.reasoning.output_tokens': 3,
    },
    {
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.usage.input_tokens': 10,
    },
    {
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.usage.input_tokens': 10,
    },
    { 'gen_ai.provider.name': 'openai', 'error.type': 'timeout', 'gen_ai.usage.input_tokens': 3 },
    { 'gen_ai.provider.name': 'openai', 'agentmeter.event_id': 'evt_1', 'gen_ai.usage.input_tokens': 3 },
    { 'gen_ai.provider.name': 'openai' },
  ];
  spans.forEach((attributes, index) => {
    const span = tracer.startSpan(`span ${index}`, {
      kind: index === 7 ? SpanKind.CLIENT : SpanKind.INTERNAL,
      attributes: attributes as never,
    });
    if (index === 11) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  tracer
    .startSpan('invoke_agent remote', {
      kind: SpanKind.INTERNAL,
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': 1 },
    })
    .end();
}

async function aiSdk(provider: TracerProvider) {
  await generateText({
    model: new MockLanguageModelV3({
      provider: 'openai.responses',
      modelId: 'gpt-5',
      doGenerate: [
        toolCallResult('lookup', {}, v3Usage({ input: 100, output: 20, cacheRead: 64, cacheWrite: 8 }), {
          id: 'resp_parity_1',
          modelId: 'gpt-5-2025-08-07',
        }),
        textResult('done', v3Usage({ input: 230, output: 15, reasoning: 5 }), {
          id: 'resp_parity_2',
          modelId: 'gpt-5-2025-08-07',
        }),
      ],
    }),
    prompt: 'p',
    tools: {
      lookup: tool({ inputSchema: jsonSchema<object>({ type: 'object' }), execute: async () => 'x' }),
    },
    stopWhen: stepCountIs(3),
    experimental_telemetry: { isEnabled: true, tracer: provider.getTracer('ai') },
  });
}

describe('the server and @agentmeter/otel read spans alike', () => {
  const cases: [string, (provider: TracerProvider) => void | Promise<void>][] = [
    ...SCENARIOS.map((scenario): [string, (provider: TracerProvider) => void] => [
      scenario.name,
      scenario.emit,
    ]),
    ['spelling variants and edge cases', variants],
    ['a real AI SDK tool run', aiSdk],
  ];

  it.each(cases)('%s', async (_name, emit) => {
    const spans = await record(emit);
    expect(spans.length).toBeGreaterThan(0);
    const read: Record<string, OtlpSpan[]> = {};
    for (const [format, body] of [
      ['json', JsonTraceSerializer.serializeRequest(spans)!],
      ['protobuf', ProtobufTraceSerializer.serializeRequest(spans)!],
    ] as const) {
      const decoded = await decodeRequest(body, format);
      read[format] = decoded.spans;
      expect(decoded.unreadable).toBe(0);
      const byId = new Map(decoded.spans.map((span) => [span.spanId, span]));
      for (const span of spans) {
        const otlp = byId.get(span.spanContext().spanId);
        expect(otlp, span.name).toBeDefined();
        expect(fromServer(otlp!), `${format}: ${span.name}`).toEqual(fromOtel(span));
        expect(otlp?.parentSpanId).toBe(span.parentSpanContext?.spanId);
        expect(otlp?.kind).toBe(span.kind);
      }
    }
    // The protobuf body is read field by field: it must give what the JSON body gives, span for span.
    expect(read['protobuf']).toEqual(read['json']);
  });

  it('includes spans both sides meter and spans both sides skip', async () => {
    const spans = await record(variants);
    const roles = spans.map((span) => fromOtel(span).role);
    expect(roles).toContain('call');
    expect(roles).toContain('aggregate');
    expect(roles).toContain('own');
    expect(spans.map((span) => fromOtel(span).usage?.tokens[0])).toEqual([
      10,
      100,
      5,
      7,
      12,
      812,
      10,
      10,
      10,
      3,
      3,
      undefined,
      1,
    ]);
  });
});

describe('the server and @agentmeter/otel nest spans alike', () => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const node = fc.record({
    traceId: fc.constantFrom('t1', 't2'),
    spanId: fc.constantFrom(...ids),
    parentSpanId: fc.option(fc.constantFrom(...ids, 'outside'), { nil: undefined }),
    usage: fc.boolean(),
  });

  it('skip the same spans, batch after batch, whatever the parent links (cycles included), sliced or not', () => {
    fc.assert(
      fc.property(fc.array(fc.array(node, { maxLength: 12 }), { minLength: 1, maxLength: 4 }), (batches) => {
        const server = new NestingRule();
        const sliced = new NestingRule();
        const otel = new OtelNestingRule();
        for (const batch of batches) {
          const skipped = server.skipped(batch);
          expect(otel.skipped(batch)).toEqual(skipped);
          // Decided with a pause at every step: the same answer.
          const work = sliced.decide(batch, () => true);
          let step = work.next();
          while (!step.done) step = work.next();
          expect(step.value).toEqual(skipped);
          for (const { traceId, spanId, usage } of batch) {
            if (!usage || skipped.has(`${traceId}:${spanId}`)) continue;
            server.metered(traceId, spanId);
            sliced.metered(traceId, spanId);
            otel.metered(traceId, spanId);
          }
        }
      }),
      { numRuns: 1_000, seed: 1126 },
    );
  });
});
