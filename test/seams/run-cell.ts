// Runs one cell of the matrix with the real libraries: sets up its layers (a tracer provider registered
// globally, the instrumentation patched onto the real SDK, the OTLP exporter, the span processor, the
// agentmeter wrappers), makes the calls against the provider mock, delivers what each layer recorded in
// the cell's order, takes every patch and registration down again, and reads the ledger back.

import { meterMiddleware } from '@agentmeter/ai-sdk';
import { withMeter as withAnthropicMeter } from '@agentmeter/anthropic';
import { AgentmeterCallbackHandler } from '@agentmeter/langchain';
import { withMeter as withOpenAIMeter } from '@agentmeter/openai';
import { AgentmeterSpanProcessor } from '@agentmeter/otel';
import { createMeter, type Meter } from '@agentmeter/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import Anthropic, { APIPromise as AnthropicAPIPromise } from '@anthropic-ai/sdk';
import { OpenAIInstrumentation as OpenInferenceOpenAI } from '@arizeai/openinference-instrumentation-openai';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { ChatOpenAI, ChatOpenAICompletions } from '@langchain/openai';
import { type AttributeValue, type Tracer, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { AnthropicInstrumentation as OpenLLMetryAnthropic } from '@traceloop/instrumentation-anthropic';
import { OpenAIInstrumentation as OpenLLMetryOpenAI } from '@traceloop/instrumentation-openai';
import { embed, generateText, type LanguageModel, streamText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { CALLS_PER_CELL, type Cell, type Layers } from './cells.js';
import { type CellProject, isCharged, type LedgerRow, outcomeOf, type SeamsServer } from './metering.js';
import {
  ANTHROPIC_MODEL,
  OPENAI_CHAT_MODEL,
  OPENAI_EMBEDDING_MODEL,
  type ProviderMock,
  type ProviderRequest,
} from './provider-mock.js';

// The real fetch, taken before anything could patch the global one.
const realFetch = globalThis.fetch;

/** A span as the report shows it: enough to see nesting, usage and ids. */
export interface SpanSummary {
  name: string;
  scope: string;
  parent: string | null;
  attributes: Record<string, AttributeValue | undefined>;
}

export interface CellResult {
  cell: string;
  expected: string[];
  /** Per charge (sorted like `expected`), or the error the cell's calls threw. */
  observed: string[];
  /** Every ledger event: who recorded it, and whether it is still a charge. */
  events: { event_id: string; agent_id: string; outcome: string; charged: boolean }[];
  requests: ProviderRequest[];
  /** What agentmeter's layers and the Meter reported through their error hooks. */
  errors: string[];
  spans?: SpanSummary[];
}

interface Tracing {
  provider: BasicTracerProvider;
  tracer: Tracer;
  otlp: BatchSpanProcessor | undefined;
  memory: InMemorySpanExporter;
}

const USAGE_KEYS = [
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.response.id',
  'gen_ai.operation.name',
  'llm.token_count.prompt',
  'llm.token_count.completion',
  'llm.token_count.prompt_details.cache_read',
  'openinference.span.kind',
  'ai.operationId',
  'ai.response.id',
  'ai.usage.inputTokens',
  'ai.usage.outputTokens',
  'ai.usage.promptTokens',
  'ai.usage.completionTokens',
  'ai.usage.tokens',
  'ai.usage.cachedInputTokens',
  'ai.usage.inputTokenDetails.cacheReadTokens',
];

function startTracing(
  layers: Layers,
  project: CellProject,
  url: string,
  meter: Meter,
  onError: (error: unknown) => void,
): Tracing {
  const memory = new InMemorySpanExporter();
  const spanProcessors: SpanProcessor[] = [new SimpleSpanProcessor(memory)];
  let otlp: BatchSpanProcessor | undefined;
  if (layers.otlp) {
    // Exported only when the cell says (forceFlush), so the cell decides what reaches the server first.
    const exporterOptions = {
      url: `${url}/v1/traces`,
      headers: { authorization: `Bearer ${project.ingestKey}` },
    };
    otlp = new BatchSpanProcessor(
      layers.order === 'meter-first'
        ? new OTLPJsonTraceExporter(exporterOptions)
        : new OTLPTraceExporter(exporterOptions),
      { scheduledDelayMillis: 60_000, maxExportBatchSize: 512, maxQueueSize: 2048 },
    );
    spanProcessors.push(otlp);
  }
  if (layers.processor) {
    spanProcessors.push(new AgentmeterSpanProcessor(meter, { onError }) as unknown as SpanProcessor);
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'seams-app' }),
    spanProcessors,
  });
  trace.disable();
  if (!trace.setGlobalTracerProvider(provider)) throw new Error('could not register the tracer provider');
  return { provider, tracer: provider.getTracer('seams-app'), otlp, memory };
}

interface Patch {
  remove(): void;
}

function isWrapped(fn: unknown): boolean {
  return Boolean((fn as { __wrapped?: boolean } | undefined)?.__wrapped);
}

/** OpenLLMetry 0.27 patches `Anthropic.Completions` too, which @anthropic-ai/sdk 1.x no longer has. */
function anthropicModuleForOpenLLMetry() {
  return {
    Anthropic: {
      Completions: class LegacyCompletions {
        create(): void {}
      },
      Messages: Anthropic.Messages,
      Beta: Anthropic.Beta,
    },
    APIPromise: AnthropicAPIPromise,
  };
}

type Unpatch = { unpatch(module: unknown): void };

function openllmetryOpenAI(provider: BasicTracerProvider): Patch {
  // Not enabled: no require hooks; the patch is applied by hand, as under ESM.
  const instrumentation = new OpenLLMetryOpenAI({ enabled: false });
  instrumentation.setTracerProvider(provider);
  instrumentation.manuallyInstrument(OpenAI);
  return { remove: () => (instrumentation as unknown as Unpatch).unpatch({ OpenAI }) };
}

function openinferenceOpenAI(provider: BasicTracerProvider): Patch {
  const instrumentation = new OpenInferenceOpenAI({
    tracerProvider: provider,
    instrumentationConfig: { enabled: false },
  });
  const module = { OpenAI };
  instrumentation.manuallyInstrument(module as never);
  return { remove: () => (instrumentation as unknown as Unpatch).unpatch(module) };
}

function instrument(layers: Layers, tracing: Tracing | undefined): Patch | undefined {
  if (!tracing || layers.instrumentation === 'none' || layers.instrumentation === 'ai-sdk-telemetry')
    return undefined;
  const { provider } = tracing;
  switch (layers.instrumentation) {
    case 'openllmetry-openai':
      return openllmetryOpenAI(provider);
    case 'openinference-openai':
      return openinferenceOpenAI(provider);
    case 'openllmetry+openinference-openai': {
      const inner = openllmetryOpenAI(provider);
      const outer = openinferenceOpenAI(provider);
      return {
        remove: () => {
          try {
            outer.remove();
          } finally {
            inner.remove();
          }
        },
      };
    }
    case 'openllmetry-anthropic': {
      const instrumentation = new OpenLLMetryAnthropic({ enabled: false });
      instrumentation.setTracerProvider(provider);
      const module = anthropicModuleForOpenLLMetry();
      instrumentation.manuallyInstrument(module as never);
      return { remove: () => (instrumentation as unknown as Unpatch).unpatch(module) };
    }
  }
}

/** Every patch is gone: a cell never leaks its instrumentation into the next. */
export function assertUnpatched(): void {
  const patched = [
    ['openai chat.completions.create', OpenAI.Chat.Completions.prototype.create],
    ['openai embeddings.create', OpenAI.Embeddings.prototype.create],
    ['anthropic messages.create', Anthropic.Messages.prototype.create],
  ].filter(([, fn]) => isWrapped(fn));
  if (patched.length > 0) throw new Error(`still patched: ${patched.map(([name]) => name).join(', ')}`);
}

const PROMPT = 'Say hello';

/** One call of the cell, through the row's client library with the cell's layers. */
function caller(
  cell: Cell,
  mock: ProviderMock,
  meter: Meter,
  onError: (error: unknown) => void,
): () => Promise<void> {
  const { layers, mode } = cell;
  const openaiClient = () => {
    let client = new OpenAI({ apiKey: 'sk-seams', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    for (let i = 0; i < layers.providerWrappers; i++) {
      client = withOpenAIMeter(client, meter, {
        agent_id: i === 0 ? 'provider-wrapper' : 'provider-wrapper-outer',
        action: 'answer',
        onError,
      });
    }
    return client;
  };
  switch (cell.row.api) {
    case 'openai': {
      const client = openaiClient();
      if (mode === 'embed') {
        return async () => {
          await client.embeddings.create({ model: OPENAI_EMBEDDING_MODEL, input: PROMPT });
        };
      }
      const messages = [{ role: 'user' as const, content: PROMPT }];
      if (mode === 'stream') {
        return async () => {
          const stream = await client.chat.completions.create({
            model: OPENAI_CHAT_MODEL,
            messages,
            stream: true,
          });
          for await (const _ of stream) {
            // read to the end
          }
        };
      }
      return async () => {
        await client.chat.completions.create({ model: OPENAI_CHAT_MODEL, messages });
      };
    }
    case 'anthropic': {
      let client = new Anthropic({
        apiKey: 'sk-ant-seams',
        baseURL: mock.url,
        maxRetries: 0,
        // The SDK traces its calls whenever a tracer provider is registered; a row can turn that off.
        ...(layers.tracing && !layers.anthropicSdkSpans ? { openTelemetry: false as const } : {}),
      });
      for (let i = 0; i < layers.providerWrappers; i++) {
        client = withAnthropicMeter(client, meter, {
          agent_id: i === 0 ? 'provider-wrapper' : 'provider-wrapper-outer',
          action: 'answer',
          onError,
        });
      }
      const params = {
        model: ANTHROPIC_MODEL,
        max_tokens: 1024,
        messages: [{ role: 'user' as const, content: PROMPT }],
      };
      if (mode === 'stream') {
        return async () => {
          const stream = await client.messages.create({ ...params, stream: true });
          for await (const _ of stream) {
            // read to the end
          }
        };
      }
      return async () => {
        await client.messages.create(params);
      };
    }
    case 'langchain': {
      const fields = {
        model: OPENAI_CHAT_MODEL,
        apiKey: 'sk-seams',
        configuration: { baseURL: `${mock.url}/v1` },
        maxRetries: 0,
      };
      // ChatOpenAI builds its openai client itself; its completions model takes one that is given.
      const completions = new ChatOpenAICompletions(fields);
      if (layers.providerWrappers > 0) completions.client = openaiClient();
      const model = new ChatOpenAI({ ...fields, completions });
      const handler = new AgentmeterCallbackHandler(meter, {
        agent_id: 'framework',
        action: 'answer',
        onError,
      });
      if (mode === 'stream') {
        return async () => {
          for await (const _ of await model.stream(PROMPT, { callbacks: [handler] })) {
            // read to the end
          }
          await awaitAllCallbacks();
        };
      }
      return async () => {
        await model.invoke(PROMPT, { callbacks: [handler] });
        await awaitAllCallbacks();
      };
    }
    case 'ai-sdk': {
      const provider = createOpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'sk-seams' });
      const telemetry =
        layers.instrumentation === 'ai-sdk-telemetry' ? { experimental_telemetry: { isEnabled: true } } : {};
      if (mode === 'embed') {
        return async () => {
          await embed({
            model: provider.embedding(OPENAI_EMBEDDING_MODEL),
            value: PROMPT,
            maxRetries: 0,
            ...telemetry,
          });
        };
      }
      let model: LanguageModel = provider.chat(OPENAI_CHAT_MODEL);
      if (layers.framework) {
        model = wrapLanguageModel({
          model: provider.chat(OPENAI_CHAT_MODEL),
          middleware: meterMiddleware(meter, { agent_id: 'framework', action: 'answer', onError }),
        });
      }
      if (mode === 'stream') {
        return async () => {
          let failure: unknown;
          const result = streamText({
            model,
            prompt: PROMPT,
            maxRetries: 0,
            ...telemetry,
            onError: ({ error }) => {
              failure = error;
            },
          });
          await result.consumeStream();
          if (failure) throw failure;
        };
      }
      return async () => {
        await generateText({ model, prompt: PROMPT, maxRetries: 0, ...telemetry });
      };
    }
  }
}

function summarize(tracing: Tracing): SpanSummary[] {
  const spans = tracing.memory.getFinishedSpans();
  const names = new Map(spans.map((span) => [span.spanContext().spanId, span.name]));
  return spans.map((span) => {
    const parentId = span.parentSpanContext?.spanId;
    const attributes: Record<string, AttributeValue | undefined> = {};
    for (const key of USAGE_KEYS)
      if (span.attributes[key] !== undefined) attributes[key] = span.attributes[key];
    return {
      name: span.name,
      scope: span.instrumentationScope.name,
      parent: parentId ? (names.get(parentId) ?? `(${parentId})`) : null,
      attributes,
    };
  });
}

export async function runCell(
  cell: Cell,
  env: { server: SeamsServer; mock: ProviderMock },
  options: { spans?: boolean } = {},
): Promise<CellResult> {
  const project = await env.server.newProject();
  env.mock.reset(cell.ids);
  const errors: string[] = [];
  const onError = (error: unknown) => {
    errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  };
  const meter = createMeter({
    apiKey: project.ingestKey,
    baseUrl: env.server.url,
    fetch: realFetch,
    flushIntervalMs: 60_000,
    outbox: false,
  });
  meter.on('error', (info) => onError(`meter: ${JSON.stringify(info).slice(0, 300)}`));
  let tracing: Tracing | undefined;
  let patch: Patch | undefined;
  let failure: unknown;
  let spans: SpanSummary[] | undefined;
  try {
    if (cell.layers.tracing) tracing = startTracing(cell.layers, project, env.server.url, meter, onError);
    patch = instrument(cell.layers, tracing);
    const call = caller(cell, env.mock, meter, onError);
    const calls = async () => {
      for (let i = 0; i < CALLS_PER_CELL; i++) await call();
    };
    if (tracing) {
      // The calls run inside the application's own span (a request it is serving).
      await tracing.tracer.startActiveSpan('handle request', async (span) => {
        try {
          await calls();
        } finally {
          span.end();
        }
      });
    } else await calls();
    if (tracing) {
      if (cell.layers.order === 'meter-first') await meter.flush();
      await tracing.otlp?.forceFlush();
      await tracing.provider.forceFlush();
    }
    await meter.flush();
  } catch (error) {
    failure = error;
  } finally {
    try {
      patch?.remove();
    } finally {
      if (tracing) {
        if (options.spans) spans = summarize(tracing);
        await tracing.provider.shutdown();
        trace.disable();
      }
      await meter.shutdown({ timeoutMs: 5_000 });
    }
  }
  const ledger: LedgerRow[] = await project.ledger();
  const charged = ledger.filter(isCharged);
  return {
    cell: cell.id,
    expected: cell.expected,
    observed: failure
      ? [`error: ${failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure)}`]
      : charged.map(outcomeOf).sort(),
    events: ledger.map((row) => ({
      event_id: row.event_id,
      agent_id: row.agent_id,
      outcome: outcomeOf(row),
      charged: isCharged(row),
    })),
    requests: [...env.mock.requests],
    errors,
    ...(spans ? { spans } : {}),
  };
}
