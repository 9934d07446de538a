// Test-only (not built): spans shaped as other instrumentations make them, each started and ended
// through a real tracer the way that instrumentation does (name, kind, scope, the attributes set at start
// and at end). Attribute sets copied from the sources:
// - OpenLLMetry (@traceloop/instrumentation-* 0.27.0, as published): instrumentation-openai
//   `startSpan`/`_endSpan`, instrumentation-anthropic `_endSpan` (`gen_ai.usage.input_tokens` is Anthropic's
//   own `input_tokens`, cache reads and writes left out; no `gen_ai.response.id`),
//   instrumentation-langchain `callback_handler.ts` (`handleChainStart` workflow spans, `handleLLMEnd`).
// - OpenInference (Arize-ai/openinference @1fe497f1): openinference-instrumentation-openai
//   `OpenAI Chat Completions` (INTERNAL, `openinference.span.kind: LLM`, `getUsageAttributes`),
//   `OpenAI Embeddings` (no usage: a call metered as usage_missing), and the CHAIN/AGENT kinds of
//   openinference-semantic-conventions.
// Prompt and completion text are included as the libraries record them by default.
import {
  type Attributes,
  context,
  type Span,
  SpanKind,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';

/** What one scenario should meter: the events' token fields, provider and model. */
export interface ExpectedEvent {
  provider: string;
  model: string;
  /** A call seen without usage: zero tokens, priced by the base fee. */
  usage_missing?: true;
  tokens_input: number;
  tokens_output: number;
  tokens_cached_input?: number;
  tokens_cache_write?: number;
  tokens_reasoning?: number;
}

export interface Scenario {
  name: string;
  /** Emits the scenario's spans (ended) through `provider`. */
  emit(provider: TracerProvider): void;
  expected: ExpectedEvent[];
}

function child(
  provider: TracerProvider,
  scope: string,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  parent?: Span,
): Span {
  const parentContext = parent ? trace.setSpan(context.active(), parent) : context.active();
  return provider.getTracer(scope, '0.27.0').startSpan(name, { kind, attributes }, parentContext);
}

function openLLMetryOpenAIChat(
  provider: TracerProvider,
  parent: Span | undefined,
  id: string,
  usage: { input: number; output: number },
) {
  const span = child(
    provider,
    '@traceloop/instrumentation-openai',
    'chat gpt-4o-mini',
    SpanKind.CLIENT,
    {
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.max_tokens': 256,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.input.messages': JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: 'Tell me a joke about OpenTelemetry' }] },
      ]),
    },
    parent,
  );
  span.setAttribute('gen_ai.response.model', 'gpt-4o-mini-2024-07-18');
  span.setAttribute('gen_ai.response.id', id);
  span.setAttribute('gen_ai.usage.total_tokens', usage.input + usage.output);
  span.setAttribute('gen_ai.usage.output_tokens', usage.output);
  span.setAttribute('gen_ai.usage.input_tokens', usage.input);
  span.setAttribute('gen_ai.response.finish_reasons', ['stop']);
  span.setAttribute(
    'gen_ai.output.messages',
    JSON.stringify([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'Why did the span cross the road?' }],
        finish_reason: 'stop',
      },
    ]),
  );
  return span;
}

let emitted = 0;
/** A provider response id, unique per emission as real ones are. */
const responseId = (prefix: string) => `${prefix}${String(++emitted).padStart(6, '0')}`;

export const SCENARIOS: Scenario[] = [
  {
    name: 'OpenLLMetry OpenAI chat',
    emit(provider) {
      openLLMetryOpenAIChat(provider, undefined, responseId('chatcmpl-OpenLLMetryOpenAI'), {
        input: 45,
        output: 12,
      }).end();
    },
    expected: [{ provider: 'openai', model: 'gpt-4o-mini-2024-07-18', tokens_input: 45, tokens_output: 12 }],
  },
  {
    name: 'OpenLLMetry Anthropic chat with cache reads and writes',
    emit(provider) {
      const span = child(
        provider,
        '@traceloop/instrumentation-anthropic',
        'chat claude-sonnet-4-5',
        SpanKind.CLIENT,
        {
          'gen_ai.provider.name': 'anthropic',
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'claude-sonnet-4-5',
          'gen_ai.request.max_tokens': 1024,
          'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are terse.' }]),
        },
      );
      span.setAttribute('gen_ai.response.model', 'claude-sonnet-4-5-20250929');
      span.setAttribute('gen_ai.response.finish_reasons', ['stop']);
      // Anthropic's input_tokens (12) as it is; the call's input is 12 + 3000 + 1200.
      span.setAttribute('gen_ai.usage.total_tokens', 12 + 50);
      span.setAttribute('gen_ai.usage.output_tokens', 50);
      span.setAttribute('gen_ai.usage.input_tokens', 12);
      span.setAttribute('gen_ai.usage.cache_creation.input_tokens', 1200);
      span.setAttribute('gen_ai.usage.cache_read.input_tokens', 3000);
      span.end();
    },
    expected: [
      {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        tokens_input: 4212,
        tokens_output: 50,
        tokens_cached_input: 3000,
        tokens_cache_write: 1200,
      },
    ],
  },
  {
    name: 'OpenLLMetry LangChain workflow > LangChain chat (usage) > OpenAI chat (usage): the innermost only',
    emit(provider) {
      const workflow = child(
        provider,
        '@traceloop/instrumentation-langchain',
        'workflow RunnableSequence',
        SpanKind.INTERNAL,
        {
          'gen_ai.operation.name': 'workflow',
          'gen_ai.provider.name': 'langchain',
          'traceloop.span.kind': 'workflow',
          'traceloop.workflow.name': 'RunnableSequence',
          'traceloop.entity.input': JSON.stringify({ topic: 'OpenTelemetry' }),
        },
      );
      const langchainChat = child(
        provider,
        '@traceloop/instrumentation-langchain',
        'chat gpt-4o-mini',
        SpanKind.CLIENT,
        {
          'gen_ai.provider.name': 'openai',
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o-mini',
        },
        workflow,
      );
      openLLMetryOpenAIChat(provider, langchainChat, responseId('chatcmpl-OpenLLMetryNested'), {
        input: 30,
        output: 8,
      }).end();
      // LangChain reports the same call's usage (from usage_metadata) when its run ends, after the SDK span.
      langchainChat.setAttributes({
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 30,
        'gen_ai.usage.output_tokens': 8,
        'gen_ai.usage.total_tokens': 38,
      });
      langchainChat.end();
      workflow.setAttribute(
        'traceloop.entity.output',
        JSON.stringify({ joke: 'Why did the span cross the road?' }),
      );
      workflow.end();
    },
    expected: [{ provider: 'openai', model: 'gpt-4o-mini-2024-07-18', tokens_input: 30, tokens_output: 8 }],
  },
  {
    name: 'OpenInference AGENT (usage sum) > CHAIN > LLM with cached and reasoning tokens, and an embeddings call without usage',
    emit(provider) {
      const scope = '@arizeai/openinference-instrumentation-openai';
      const agent = child(
        provider,
        '@arizeai/openinference-instrumentation-langchain',
        'AgentExecutor',
        SpanKind.INTERNAL,
        {
          'openinference.span.kind': 'AGENT',
          'input.value': 'What is OpenTelemetry?',
        },
      );
      const chain = child(
        provider,
        '@arizeai/openinference-instrumentation-langchain',
        'RunnableSequence',
        SpanKind.INTERNAL,
        { 'openinference.span.kind': 'CHAIN', 'input.value': 'What is OpenTelemetry?' },
        agent,
      );
      const embeddings = child(
        provider,
        scope,
        'OpenAI Embeddings',
        SpanKind.INTERNAL,
        {
          'openinference.span.kind': 'EMBEDDING',
          'embedding.model_name': 'text-embedding-3-small',
          'input.value': 'What is OpenTelemetry?',
          'llm.system': 'openai',
          'llm.provider': 'openai',
        },
        chain,
      );
      embeddings.end();
      const llm = child(
        provider,
        scope,
        'OpenAI Chat Completions',
        SpanKind.INTERNAL,
        {
          'openinference.span.kind': 'LLM',
          'llm.model_name': 'o4-mini',
          'input.value': JSON.stringify({
            model: 'o4-mini',
            messages: [{ role: 'user', content: 'What is OpenTelemetry?' }],
          }),
          'input.mime_type': 'application/json',
          'llm.invocation_parameters': JSON.stringify({ model: 'o4-mini' }),
          'llm.system': 'openai',
          'llm.provider': 'openai',
          'llm.input_messages.0.message.role': 'user',
          'llm.input_messages.0.message.content': 'What is OpenTelemetry?',
        },
        chain,
      );
      llm.setAttributes({
        'output.value': JSON.stringify({
          choices: [{ message: { content: 'An observability framework.' } }],
        }),
        'output.mime_type': 'application/json',
        'llm.model_name': 'o4-mini-2025-04-16',
        'llm.output_messages.0.message.role': 'assistant',
        'llm.output_messages.0.message.content': 'An observability framework.',
        'llm.token_count.completion': 320,
        'llm.token_count.prompt': 1500,
        'llm.token_count.total': 1820,
        'llm.token_count.prompt_details.cache_read': 1024,
        'llm.token_count.prompt_details.audio': 0,
        'llm.token_count.completion_details.audio': 0,
        'llm.token_count.completion_details.reasoning': 256,
      });
      llm.end();
      chain.end();
      agent.setAttributes({
        'llm.token_count.prompt': 1500,
        'llm.token_count.completion': 320,
        'llm.token_count.total': 1820,
      });
      agent.end();
    },
    expected: [
      {
        provider: 'openai',
        model: 'text-embedding-3-small',
        usage_missing: true,
        tokens_input: 0,
        tokens_output: 0,
      },
      {
        provider: 'openai',
        model: 'o4-mini-2025-04-16',
        tokens_input: 1500,
        tokens_output: 320,
        tokens_cached_input: 1024,
        tokens_reasoning: 256,
      },
    ],
  },
];
