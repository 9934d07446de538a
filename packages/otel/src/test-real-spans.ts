// Test-only (not built): spans made by the real instrumentation libraries (OpenLLMetry 0.27.0,
// OpenInference openai 4.2.7, the Anthropic SDK's own tracing) around real `openai` and
// `@anthropic-ai/sdk` clients whose `fetch` answers canned provider responses. Each helper patches the SDK
// by hand (as under ES modules), makes its calls, and takes the patch down again.
import Anthropic, { APIPromise as AnthropicAPIPromise } from '@anthropic-ai/sdk';
import { OpenAIInstrumentation as OpenInferenceOpenAI } from '@arizeai/openinference-instrumentation-openai';
import type { TracerProvider } from '@opentelemetry/api';
import { AnthropicInstrumentation as OpenLLMetryAnthropic } from '@traceloop/instrumentation-anthropic';
import { OpenAIInstrumentation as OpenLLMetryOpenAI } from '@traceloop/instrumentation-openai';
import OpenAI from 'openai';

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

let sequence = 0;
/** A provider response id shaped like a real one (random-looking, never repeating). */
export const uniqueId = (prefix: string) => `${prefix}Q7xK2pVz9LmR4wTb${String(++sequence).padStart(6, '0')}`;

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

const sse = (events: { event?: string; data: unknown }[]) =>
  new Response(
    events
      .map(
        ({ event, data }) =>
          `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
      )
      .join(''),
    { status: 200, headers: { 'content-type': 'text/event-stream' } },
  );

async function bodyOf(init: RequestInit | undefined): Promise<Record<string, unknown>> {
  return JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
}

/** An OpenAI-compatible server: chat completions (plain and streamed, usage in the last chunk) and embeddings. */
export function openaiFetch(options: { usage?: OpenAIUsage; id?: () => string } = {}): Fetch {
  const usage = options.usage ?? { prompt_tokens: 19, completion_tokens: 10 };
  const id = options.id ?? (() => uniqueId('chatcmpl-'));
  const wireUsage = {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
    prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0, audio_tokens: 0 },
  };
  return async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const body = await bodyOf(init);
    if (url.endsWith('/embeddings')) {
      return json({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 5, total_tokens: 5 },
      });
    }
    const model = `${String(body['model'])}-2024-07-18`;
    const responseId = id();
    if (body['stream'] !== true) {
      return json({
        id: responseId,
        object: 'chat.completion',
        created: 1741569952,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Hello!', refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: wireUsage,
      });
    }
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      id: responseId,
      object: 'chat.completion.chunk',
      created: 1741569952,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    return sse([
      { data: chunk({ role: 'assistant', content: '' }, null) },
      { data: chunk({ content: 'Hello!' }, null) },
      { data: chunk({}, 'stop') },
      // With `stream_options: { include_usage: true }` the provider reports the counts in a last chunk.
      {
        data: {
          id: responseId,
          object: 'chat.completion.chunk',
          created: 1741569952,
          model,
          choices: [],
          usage: wireUsage,
        },
      },
      { data: '[DONE]' },
    ]);
  };
}

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

/** Anthropic's Messages API: plain and streamed (usage in message_start and message_delta). */
export function anthropicFetch(usage: AnthropicUsage): Fetch {
  const wireUsage = {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
    service_tier: 'standard',
  };
  return async (_input, init) => {
    const body = await bodyOf(init);
    const model = 'claude-haiku-4-5-20251001';
    const id = uniqueId('msg_01');
    if (body['stream'] !== true) {
      return json({
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: 'Hello!', citations: null }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: wireUsage,
      });
    }
    return sse([
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id,
            type: 'message',
            role: 'assistant',
            model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { ...wireUsage, output_tokens: 1 },
          },
        },
      },
      {
        event: 'content_block_start',
        data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello!' } },
      },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: usage.output_tokens },
        },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
  };
}

export type Library =
  | 'openllmetry-openai'
  | 'openllmetry-anthropic'
  | 'openinference-openai'
  | 'anthropic-sdk-tracing';

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

/**
 * Patches the SDK with `library` (its spans going to `provider`), runs `fn`, and unpatches. With
 * `anthropic-sdk-tracing` nothing is patched: the Anthropic client made by `anthropicClient(…, provider)`
 * traces itself.
 */
export async function withLibrary<T>(
  library: Library,
  provider: TracerProvider,
  fn: () => Promise<T>,
): Promise<T> {
  let remove = () => {};
  if (library === 'openllmetry-openai') {
    const instrumentation = new OpenLLMetryOpenAI({ enabled: false });
    instrumentation.setTracerProvider(provider);
    instrumentation.manuallyInstrument(OpenAI);
    remove = () => (instrumentation as unknown as { unpatch(module: unknown): void }).unpatch({ OpenAI });
  } else if (library === 'openllmetry-anthropic') {
    const instrumentation = new OpenLLMetryAnthropic({ enabled: false });
    instrumentation.setTracerProvider(provider);
    const module = anthropicModuleForOpenLLMetry();
    instrumentation.manuallyInstrument(module as never);
    remove = () => (instrumentation as unknown as { unpatch(module: unknown): void }).unpatch(module);
  } else if (library === 'openinference-openai') {
    const instrumentation = new OpenInferenceOpenAI({
      tracerProvider: provider,
      instrumentationConfig: { enabled: false },
    });
    const module = { OpenAI };
    instrumentation.manuallyInstrument(module as never);
    remove = () => (instrumentation as unknown as { unpatch(module: unknown): void }).unpatch(module);
  }
  try {
    return await fn();
  } finally {
    remove();
  }
}

export function openaiClient(fetch: Fetch): OpenAI {
  return new OpenAI({ apiKey: 'sk-test', baseURL: 'https://api.openai.com/v1', maxRetries: 0, fetch });
}

/** With `provider`, the client's own spans go there; without, its tracing is off. */
export function anthropicClient(fetch: Fetch, provider?: TracerProvider): Anthropic {
  return new Anthropic({
    apiKey: 'sk-ant-test',
    maxRetries: 0,
    fetch,
    openTelemetry: provider ? { tracerProvider: provider } : false,
  });
}

const PROMPT = [{ role: 'user' as const, content: 'Say hello' }];

export async function openaiChat(client: OpenAI, stream: boolean): Promise<void> {
  if (!stream) {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: PROMPT });
    return;
  }
  const chunks = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: PROMPT,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const _chunk of chunks) {
    // drained
  }
}

export async function openaiEmbedding(client: OpenAI): Promise<void> {
  await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
}

export async function anthropicMessage(client: Anthropic, stream: boolean): Promise<void> {
  if (!stream) {
    await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages: PROMPT });
    return;
  }
  const events = await client.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 64,
    messages: PROMPT,
    stream: true,
  });
  for await (const _event of events) {
    // drained
  }
}

/** Waits until `count()` reaches `expected` (OpenInference ends a streamed span after the caller's read). */
export async function until(count: () => number, expected: number): Promise<void> {
  for (let attempt = 0; attempt < 200 && count() < expected; attempt++)
    await new Promise((resolve) => setTimeout(resolve, 5));
}
