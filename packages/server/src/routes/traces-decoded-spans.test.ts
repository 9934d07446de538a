// The OTLP decoder of `POST /v1/traces` hands the GenAI span rules (@agentmeter/genai-spans, which
// @agentmeter/otel's span processor reads spans by too) the span the sender's SDK had: real spans, made by
// the OpenTelemetry SDK, the AI SDK and real instrumentation libraries, sent as OTLP/JSON and as protobuf,
// must read alike decoded and as the SDK holds them. And what the rules read on those spans.
import { nestingNodeOf, roleOf, type SpanView, usageOf } from '@agentmeter/genai-spans';
import type { LanguageModelV2Usage, SharedV2ProviderMetadata } from '@ai-sdk/provider';
import type { Span, Tracer } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, type TracerProvider } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { textResult, toolCallResult, v3Usage } from '../../../ai-sdk/src/test-support/parts.js';
import {
  type AnthropicCache,
  anthropicV2Metadata,
  v2Model,
} from '../../../ai-sdk/src/test-support/v2-model.js';
import {
  anthropicClient,
  anthropicFetch,
  anthropicMessage,
  type Library,
  openaiChat,
  openaiClient,
  openaiEmbedding,
  openaiFetch,
  until,
  withLibrary,
} from '../../../otel/src/test-real-spans.js';
import { SCENARIOS } from '../../../otel/src/test-spans.js';
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
    scopeVersion: span.instrumentationScope.version,
  };
}

/** What the rules read on one span. */
function rulesOn(span: SpanView) {
  const usage = usageOf(span);
  return {
    role: roleOf(span),
    call: nestingNodeOf(span).call,
    usage: usage && {
      usageMissing: usage.usageMissing,
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

/** As the sender's SDK holds the span. */
const fromSdk = (span: ReadableSpan) => rulesOn(view(span));

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

/** Spans of model calls that carry no usage, and spans that are no model call, as the libraries write them. */
function withoutUsage(provider: TracerProvider) {
  const spans: [string, string, Record<string, unknown>][] = [
    // OpenLLMetry 0.27, a streamed chat completion: the response id, no counts.
    [
      '@traceloop/instrumentation-openai',
      'chat gpt-4o-mini',
      {
        'gen_ai.provider.name': 'openai',
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.response.id': 'chatcmpl-Q7xK2pVz9LmR4wTbParity01',
      },
    ],
    // OpenLLMetry 0.27, a streamed Responses API call: the request's attributes only.
    [
      '@traceloop/instrumentation-openai',
      'chat gpt-5',
      { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5' },
    ],
    // OpenInference 4.2: a streamed chat and an embeddings call.
    [
      '@arizeai/openinference-instrumentation-openai',
      'OpenAI Chat Completions',
      {
        'openinference.span.kind': 'LLM',
        'llm.model_name': 'gpt-4o-mini',
        'llm.system': 'openai',
        'llm.provider': 'openai',
      },
    ],
    [
      '@arizeai/openinference-instrumentation-openai',
      'OpenAI Embeddings',
      {
        'openinference.span.kind': 'EMBEDDING',
        'embedding.model_name': 'text-embedding-3-small',
        'llm.system': 'openai',
      },
    ],
    // OpenLLMetry before 0.23 (and its Cohere, Together, Vertex AI instrumentations): llm.request.type.
    [
      '@traceloop/instrumentation-cohere',
      'cohere.chat',
      { 'gen_ai.system': 'Cohere', 'llm.request.type': 'chat', 'gen_ai.request.model': 'command-r' },
    ],
    [
      '@traceloop/instrumentation-cohere',
      'cohere.rerank',
      { 'gen_ai.system': 'Cohere', 'llm.request.type': 'rerank' },
    ],
    // The AI SDK: a doStream span whose provider sent no usage.
    [
      'ai',
      'ai.streamText.doStream',
      {
        'ai.operationId': 'ai.streamText.doStream',
        'ai.model.provider': 'openai-compatible.chat',
        'ai.model.id': 'llama3',
        'gen_ai.system': 'openai-compatible.chat',
        'gen_ai.request.model': 'llama3',
      },
    ],
    // Not model calls: an HTTP span, the Anthropic SDK's spans of other endpoints, a marker with neither
    // provider nor model, a workflow.
    [
      '@opentelemetry/instrumentation-undici',
      'POST',
      { 'http.request.method': 'POST', 'url.full': 'https://api.openai.com/v1/chat/completions' },
    ],
    [
      'com.anthropic.sdk.typescript',
      'anthropic.files.list',
      {
        'gen_ai.provider.name': 'anthropic',
        'http.request.method': 'GET',
        'server.address': 'api.anthropic.com',
      },
    ],
    [
      'com.anthropic.sdk.typescript',
      'anthropic.messages.count_tokens',
      { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-haiku-4-5' },
    ],
    ['x', 'chat', { 'gen_ai.operation.name': 'chat' }],
    [
      '@traceloop/instrumentation-langchain',
      'workflow',
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'traceloop.span.kind': 'workflow',
      },
    ],
  ];
  for (const [scope, name, attributes] of spans)
    provider
      .getTracer(scope, '0.27.0')
      .startSpan(name, { kind: SpanKind.CLIENT, attributes: attributes as never })
      .end();
}

/** Anthropic spans: whose input count is Anthropic's own (cache left out), and whose is the conventions'. */
function anthropicSpans(provider: TracerProvider) {
  const usage = (input: number, read: number, write: number) => ({
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'claude-haiku-4-5',
    'gen_ai.usage.input_tokens': input,
    'gen_ai.usage.output_tokens': 20,
    'gen_ai.usage.cache_read.input_tokens': read,
    'gen_ai.usage.cache_creation.input_tokens': write,
  });
  const spans: [string, string | undefined, Record<string, unknown>][] = [
    // OpenLLMetry through 0.27.0 copies Anthropic's input_tokens: 50 + 12,000 + 300, even when the raw count is the larger.
    ['@traceloop/instrumentation-anthropic', '0.27.0', usage(50, 12_000, 300)],
    ['@traceloop/instrumentation-anthropic', '0.26.0', usage(5_000, 3_000, 0)],
    ['@traceloop/instrumentation-anthropic', undefined, usage(5_000, 3_000, 0)],
    // The Anthropic SDK's own span counts the cache in (cache_write, the newest name).
    [
      'com.anthropic.sdk.typescript',
      '1.14.0',
      {
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.operation.name': 'chat',
        'gen_ai.usage.input_tokens': 12_350,
        'gen_ai.usage.output_tokens': 20,
        'gen_ai.usage.cache_read.input_tokens': 12_000,
        'gen_ai.usage.cache_write.input_tokens': 300,
      },
    ],
    // Any other Anthropic span: the conventions' meaning, unless the cache counts exceed the input.
    ['other', '1.0.0', usage(5_000, 3_000, 1_000)],
    ['other', '1.0.0', usage(50, 12_000, 0)],
    // Not Anthropic: cache counts above the input are clamped, as before.
    ['other', '1.0.0', { ...usage(50, 12_000, 0), 'gen_ai.provider.name': 'openai' }],
  ];
  for (const [scope, version, attributes] of spans)
    provider
      .getTracer(scope, version)
      .startSpan('chat claude-haiku-4-5', { kind: SpanKind.CLIENT, attributes: attributes as never })
      .end();
}

/** Cache reads above the uncached input, below it, and cache writes only. */
const ANTHROPIC_CACHE: AnthropicCache[] = [
  { input: 400, read: 9_000, write: 3_000 },
  { input: 5_000, read: 1_000, write: 0 },
  { input: 800, read: 0, write: 2_500 },
];

/** Gemini's usage metadata: the prompt includes the cached content; the candidates leave the thoughts out. */
const GEMINI_USAGE = {
  promptTokenCount: 1_200,
  cachedContentTokenCount: 1_000,
  candidatesTokenCount: 80,
  thoughtsTokenCount: 600,
  totalTokenCount: 1_880,
};

/** The provider metadata @ai-sdk/google 2 returns. */
const googleMetadata = () => ({
  google: {
    promptFeedback: null,
    groundingMetadata: null,
    urlContextMetadata: null,
    safetyRatings: null,
    serviceTier: null,
    usageMetadata: GEMINI_USAGE,
  },
});

/**
 * A step span of ai 5 (5.0.277, the attributes metering reads, as it writes them): a generated step's span
 * carries the provider's input and output counts only (ai 5's v4-era names and the conventions'), a
 * streamed step's adds the total, the cache reads and the reasoning; both carry the provider metadata as
 * JSON.
 */
function ai5Step(
  provider: 'anthropic.messages' | 'google.generative-ai',
  modelId: string,
  streamed: boolean,
  usage: { input: number; output: number; cacheRead?: number; reasoning?: number },
  metadata: object,
): [string, Record<string, unknown>] {
  const operation = streamed ? 'ai.streamText.doStream' : 'ai.generateText.doGenerate';
  const counts: Record<string, unknown> = streamed
    ? {
        'ai.usage.inputTokens': usage.input,
        'ai.usage.outputTokens': usage.output,
        'ai.usage.totalTokens': usage.input + usage.output + (usage.reasoning ?? 0),
        ...(usage.reasoning === undefined ? {} : { 'ai.usage.reasoningTokens': usage.reasoning }),
        ...(usage.cacheRead === undefined ? {} : { 'ai.usage.cachedInputTokens': usage.cacheRead }),
      }
    : { 'ai.usage.promptTokens': usage.input, 'ai.usage.completionTokens': usage.output };
  return [
    operation,
    {
      'operation.name': operation,
      'ai.operationId': operation,
      'ai.model.provider': provider,
      'ai.model.id': modelId,
      'gen_ai.system': provider,
      'gen_ai.request.model': modelId,
      'ai.response.finishReason': 'stop',
      'ai.response.id': `resp_ai5_${provider}_${usage.input}_${streamed}`,
      'ai.response.model': `${modelId}-001`,
      'ai.response.providerMetadata': JSON.stringify(metadata),
      ...counts,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.response.id': `resp_ai5_${provider}_${usage.input}_${streamed}`,
      'gen_ai.response.model': `${modelId}-001`,
      'gen_ai.usage.input_tokens': usage.input,
      'gen_ai.usage.output_tokens': usage.output,
    },
  ];
}

/**
 * ai 5's own step spans through @ai-sdk/anthropic 2 (each cache case) and @ai-sdk/google 2, generated and
 * streamed: Anthropic's input without the cache, Google's output without the reasoning, the provider's own
 * counts in the metadata.
 */
function ai5Spans(provider: TracerProvider) {
  const tracer = provider.getTracer('ai');
  const steps: [string, Record<string, unknown>][] = [];
  for (const streamed of [false, true]) {
    for (const cache of ANTHROPIC_CACHE)
      steps.push(
        ai5Step(
          'anthropic.messages',
          'claude-haiku-4-5',
          streamed,
          { input: cache.input, output: 90, cacheRead: cache.read },
          anthropicV2Metadata(cache),
        ),
      );
    steps.push(
      ai5Step(
        'google.generative-ai',
        'gemini-2.5-flash',
        streamed,
        { input: 1_200, output: 80, cacheRead: 1_000, reasoning: 600 },
        googleMetadata(),
      ),
    );
  }
  for (const [name, attributes] of steps) tracer.startSpan(name, { attributes: attributes as never }).end();
}

/** The counts each of `ai5Spans`'s spans is billed for: input (cache in), output (reasoning in), cached, written, reasoning. */
const AI5_TOKENS = [false, true].flatMap(() => [
  ...ANTHROPIC_CACHE.map(({ input, read, write }) => [input + read + write, 90, read, write, 0]),
  [1_200, 680, 1_000, 0, 600],
]);

/** A V2 model (ai 5's specification, which ai 6 still runs) that answers with the usage and metadata given. */
const v2ProviderModel = (provider: string, usage: LanguageModelV2Usage, metadata: SharedV2ProviderMetadata) =>
  v2Model(provider, usage, {
    ids: [
      `resp_v2_generated_${provider}_${usage.inputTokens}`,
      `resp_v2_streamed_${provider}_${usage.inputTokens}`,
    ],
    responseModelId: 'model-v2',
    providerMetadata: metadata,
  });

/** Real ai 6 calls, generated and streamed, through V2 Anthropic and Google models (the V2 providers' usage and metadata). */
async function v2Providers(provider: TracerProvider) {
  const telemetry = { isEnabled: true, tracer: provider.getTracer('ai') };
  const models = [
    ...ANTHROPIC_CACHE.map((cache) =>
      v2ProviderModel(
        'anthropic.messages',
        {
          inputTokens: cache.input,
          outputTokens: 90,
          totalTokens: cache.input + 90,
          cachedInputTokens: cache.read,
        },
        anthropicV2Metadata(cache),
      ),
    ),
    v2ProviderModel(
      'google.generative-ai',
      {
        inputTokens: 1_200,
        outputTokens: 80,
        totalTokens: 1_880,
        reasoningTokens: 600,
        cachedInputTokens: 1_000,
      },
      googleMetadata(),
    ),
  ];
  for (const model of models) {
    await generateText({ model, prompt: 'a', experimental_telemetry: telemetry });
    await streamText({ model, prompt: 'b', experimental_telemetry: telemetry }).consumeStream();
  }
}

/**
 * Provider metadata a sender may get wrong, or send to mislead: not JSON, not an object, counts of the
 * wrong type, metadata over the length read, on spans that are no AI SDK step, with no usage, or with the
 * counts as attributes too.
 */
function oddMetadata(provider: TracerProvider) {
  const tracer = provider.getTracer('ai');
  const step = (metadata: unknown, extra: Record<string, unknown> = {}) => ({
    'ai.operationId': 'ai.generateText.doGenerate',
    'ai.model.provider': 'anthropic.messages',
    'ai.model.id': 'claude-haiku-4-5',
    'ai.usage.promptTokens': 400,
    'ai.usage.completionTokens': 90,
    'ai.response.providerMetadata': metadata,
    ...extra,
  });
  const anthropic = JSON.stringify(anthropicV2Metadata(ANTHROPIC_CACHE[0] as AnthropicCache));
  const usage = (fields: Record<string, unknown>) => JSON.stringify({ anthropic: { usage: fields } });
  /** `json` padded with spaces (still the same JSON) to `length` characters. */
  const padded = (json: string, length: number) => json + ' '.repeat(length - json.length);
  const spans: Record<string, unknown>[] = [
    step(anthropic.slice(0, -1)),
    step('not json "anthropic"'),
    step(`[${anthropic}]`),
    step('null'),
    step('"anthropic"'),
    step('{"google": 7, "anthropic": [1, 2]}'),
    step(`{"__proto__": ${anthropic}}`),
    // A key spelled with an escape is the same key to JSON, but no provider's metadata is written so.
    step(anthropic.replace('"anthropic"', '"\\u0061nthropic"')),
    step(42),
    step(true),
    step(''),
    step(usage({ input_tokens: '400', cache_read_input_tokens: '9000', cache_creation_input_tokens: 'x' })),
    step(usage({ input_tokens: 400, cache_read_input_tokens: -9_000, cache_creation_input_tokens: 2.5 })),
    step(usage({ input_tokens: 400, cache_read_input_tokens: 1e300 })),
    step(usage({ input_tokens: 400, cache_read_input_tokens: Number.MAX_SAFE_INTEGER })),
    step(usage({ cache_read_input_tokens: 9_000 })),
    step(usage({ input_tokens: 0, cache_read_input_tokens: 100 })),
    step(JSON.stringify({ anthropic: { usage: { input_tokens: 400 }, cacheCreationInputTokens: 700 } })),
    step(JSON.stringify({ anthropic: { usage: [400] } })),
    // The input count already includes the cache (Anthropic's own input larger than the span's is all it says).
    step(usage({ input_tokens: 50, cache_read_input_tokens: 300 }), { 'ai.usage.promptTokens': 350 }),
    // The metadata's length: read up to 65,536 characters, not past them.
    step(padded(anthropic, 65_536)),
    step(padded(anthropic, 65_537)),
    step(padded(anthropic, 300_000)),
    // The span's own cache attributes come first.
    step(anthropic, { 'ai.usage.cachedInputTokens': 10, 'gen_ai.usage.cache_creation.input_tokens': 20 }),
    // Anthropic's metadata on a span of another provider, and Google's on an Anthropic span.
    step(anthropic, { 'ai.model.provider': 'openai.responses' }),
    step(JSON.stringify(googleMetadata())),
    // Both providers' metadata at once.
    step(
      JSON.stringify({ ...anthropicV2Metadata({ input: 400, read: 20, write: 30 }), ...googleMetadata() }),
    ),
    // A span of another instrumentation with the metadata, and one with no usage at all.
    {
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 400,
      'gen_ai.usage.output_tokens': 90,
      'ai.response.providerMetadata': anthropic,
    },
    {
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.model.provider': 'anthropic.messages',
      'ai.response.providerMetadata': anthropic,
    },
    // Google: the step total says the reasoning is outside the output, or does not.
    {
      ...step(JSON.stringify({ google: { usageMetadata: { thoughtsTokenCount: 600 } } })),
      'ai.model.provider': 'google.generative-ai',
      'ai.usage.promptTokens': 1_200,
      'ai.usage.completionTokens': 80,
      'ai.usage.totalTokens': 1_880,
    },
    {
      ...step(JSON.stringify({ google: { usageMetadata: { thoughtsTokenCount: 600 } } })),
      'ai.model.provider': 'google.generative-ai',
      'ai.usage.promptTokens': 1_200,
      'ai.usage.completionTokens': 680,
      'ai.usage.totalTokens': '1880',
    },
    {
      ...step(
        JSON.stringify({ google: { usageMetadata: { candidatesTokenCount: 80, thoughtsTokenCount: 'x' } } }),
      ),
      'ai.model.provider': 'google.generative-ai',
      'ai.usage.completionTokens': 80,
    },
    // No metadata: the reasoning attribute and a step total that adds it up outside the output.
    {
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.usage.reasoning_tokens': 30,
      'ai.usage.totalTokens': 150,
    },
  ];
  spans.forEach((attributes, index) => {
    tracer.startSpan(`odd metadata ${index}`, { attributes: attributes as never }).end();
  });
}

/** A tracer provider that counts the spans ended through it (some libraries end a streamed span after the read). */
function counting(provider: TracerProvider, ended: { count: number }): TracerProvider {
  return {
    getTracer(...args: Parameters<TracerProvider['getTracer']>): Tracer {
      const tracer = provider.getTracer(...args);
      const wrap = (span: Span): Span => {
        const end = span.end.bind(span);
        span.end = (time) => {
          ended.count++;
          end(time);
        };
        return span;
      };
      return {
        startSpan: (...start: Parameters<Tracer['startSpan']>) => wrap(tracer.startSpan(...start)),
        startActiveSpan: tracer.startActiveSpan.bind(tracer),
      } as Tracer;
    },
  };
}

/** Plain and streamed calls through a real instrumentation library (`expected` spans in all). */
function realLibrary(library: Library, expected: number) {
  return async (provider: TracerProvider) => {
    const ended = { count: 0 };
    const traced = counting(provider, ended);
    const cached = { input_tokens: 50, output_tokens: 20, cache_read_input_tokens: 12_000 };
    await withLibrary(library, traced, async () => {
      if (library === 'openllmetry-anthropic' || library === 'anthropic-sdk-tracing') {
        const client = anthropicClient(
          anthropicFetch(cached),
          library === 'anthropic-sdk-tracing' ? traced : undefined,
        );
        await anthropicMessage(client, false);
        await anthropicMessage(client, true);
        return;
      }
      const client = openaiClient(openaiFetch());
      await openaiChat(client, false);
      await openaiChat(client, true);
      if (library === 'openinference-openai') await openaiEmbedding(client);
    });
    await until(() => ended.count, expected);
    expect(ended.count).toBe(expected);
  };
}

describe('real spans, decoded from OTLP, read as the SDK holds them', () => {
  const cases: [string, (provider: TracerProvider) => void | Promise<void>][] = [
    ...SCENARIOS.map((scenario): [string, (provider: TracerProvider) => void] => [
      scenario.name,
      scenario.emit,
    ]),
    ['spelling variants and edge cases', variants],
    ['a real AI SDK tool run', aiSdk],
    ['model calls without usage, and spans that are no call', withoutUsage],
    ['Anthropic spans: Anthropic’s input count, and the conventions’', anthropicSpans],
    ['ai 5 step spans through Anthropic and Google (V2 providers), with their provider metadata', ai5Spans],
    ['real ai 6 calls through V2 Anthropic and Google models, generated and streamed', v2Providers],
    ['provider metadata that is malformed, misleading or too long', oddMetadata],
    ['real OpenLLMetry 0.27 OpenAI spans, plain and streamed', realLibrary('openllmetry-openai', 2)],
    ['real OpenLLMetry 0.27 Anthropic spans, plain and streamed', realLibrary('openllmetry-anthropic', 2)],
    [
      'real OpenInference 4.2 OpenAI spans: chat, streamed chat, embeddings',
      realLibrary('openinference-openai', 3),
    ],
    ['real Anthropic SDK spans, plain and streamed', realLibrary('anthropic-sdk-tracing', 2)],
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
        expect(rulesOn(otlp!), `${format}: ${span.name}`).toEqual(fromSdk(span));
        expect(otlp?.parentSpanId).toBe(span.parentSpanContext?.spanId);
        expect(otlp?.kind).toBe(span.kind);
      }
    }
    // The protobuf body is read field by field: it must give what the JSON body gives, span for span.
    expect(read['protobuf']).toEqual(read['json']);
  });

  it('reads the calls without usage as usage_missing calls, and nothing else', async () => {
    const spans = await record(withoutUsage);
    expect(spans.map((span) => [span.name, fromSdk(span).usage?.usageMissing ?? false])).toEqual([
      ['chat gpt-4o-mini', true],
      ['chat gpt-5', true],
      ['OpenAI Chat Completions', true],
      ['OpenAI Embeddings', true],
      ['cohere.chat', true],
      ['cohere.rerank', false],
      ['ai.streamText.doStream', true],
      ['POST', false],
      ['anthropic.files.list', false],
      ['anthropic.messages.count_tokens', false],
      ['chat', false],
      ['workflow', true],
    ]);
    // The workflow is no call: its role says so, and the rules never meter it.
    expect(fromSdk(spans[11] as ReadableSpan)).toMatchObject({ role: 'aggregate', call: false });
    expect(spans.map((span) => fromSdk(span).usage?.model)).toEqual([
      'gpt-4o-mini-2024-07-18',
      'gpt-5',
      'gpt-4o-mini',
      'text-embedding-3-small',
      'command-r',
      undefined,
      'llama3',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('reads Anthropic’s input count with Anthropic’s meaning where the span has it', async () => {
    const spans = await record(anthropicSpans);
    expect(spans.map((span) => fromSdk(span).usage?.tokens.slice(0, 4))).toEqual([
      [12_350, 20, 12_000, 300],
      [8_000, 20, 3_000, 0],
      [8_000, 20, 3_000, 0],
      [12_350, 20, 12_000, 300],
      [5_000, 20, 3_000, 1_000],
      [12_050, 20, 12_000, 0],
      [50, 20, 50, 0],
    ]);
  });

  it('reads ai 5’s steps, and V2 providers’ on ai 6, with the counts Anthropic and Google bill', async () => {
    const ai5 = await record(ai5Spans);
    expect(ai5.map((span) => fromSdk(span).usage?.tokens)).toEqual(AI5_TOKENS);
    const decoded = await decodeRequest(JsonTraceSerializer.serializeRequest(ai5)!, 'json');
    expect(decoded.spans.map((span) => rulesOn(span).usage?.tokens)).toEqual(AI5_TOKENS);
    // Each model once generated, once streamed.
    const v2 = await record(v2Providers);
    const v2Tokens = [
      ...ANTHROPIC_CACHE.map(({ input, read, write }) => [input + read + write, 90, read, write, 0]),
      [1_200, 680, 1_000, 0, 600],
    ].flatMap((tokens) => [tokens, tokens]);
    const v2Calls = v2.filter((span) => /\.do(Generate|Stream)$/.test(span.name));
    expect(v2Calls.map((span) => fromSdk(span).usage?.tokens)).toEqual(v2Tokens);
    const v2Decoded = await decodeRequest(ProtobufTraceSerializer.serializeRequest(v2Calls)!, 'protobuf');
    expect(v2Decoded.spans.map((span) => rulesOn(span).usage?.tokens)).toEqual(v2Tokens);
  });

  it('includes spans the rules meter and spans they skip', async () => {
    const spans = await record(variants);
    const roles = spans.map((span) => fromSdk(span).role);
    expect(roles).toContain('call');
    expect(roles).toContain('aggregate');
    expect(roles).toContain('own');
    expect(spans.map((span) => fromSdk(span).usage?.tokens[0])).toEqual([
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
