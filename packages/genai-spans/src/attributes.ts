// The attribute names the rules read. Each count is read from the first attribute present: the GenAI
// semantic conventions (v1.41, the newest draft, then the deprecated and OpenLLMetry spellings),
// OpenInference, then the Vercel AI SDK (v5/v6, then v4). Names are spelled out here rather than imported
// from `@opentelemetry/semantic-conventions`: the GenAI ones are experimental, and this module depends on
// nothing.

export const INPUT = [
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'llm.token_count.prompt',
  'ai.usage.inputTokens',
  'ai.usage.promptTokens',
  'ai.usage.tokens',
];
export const OUTPUT = [
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'llm.token_count.completion',
  'ai.usage.outputTokens',
  'ai.usage.completionTokens',
];
export const CACHE_READ = [
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'llm.token_count.prompt_details.cache_read',
  'ai.usage.inputTokenDetails.cacheReadTokens',
  'ai.usage.cachedInputTokens',
];
export const CACHE_WRITE = [
  'gen_ai.usage.cache_creation.input_tokens',
  // The newest draft's name for it.
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'llm.token_count.prompt_details.cache_write',
  'ai.usage.inputTokenDetails.cacheWriteTokens',
];
export const REASONING = [
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.reasoning_tokens',
  'llm.token_count.completion_details.reasoning',
  'ai.usage.outputTokenDetails.reasoningTokens',
  'ai.usage.reasoningTokens',
];
// `gen_ai.system` is the name before v1.37 (now `gen_ai.provider.name`).
export const PROVIDER = [
  'gen_ai.provider.name',
  'gen_ai.system',
  'llm.provider',
  'llm.system',
  'ai.model.provider',
];
export const REQUEST_MODEL = ['gen_ai.request.model', 'llm.request.model_name', 'ai.model.id'];
export const RESPONSE_MODEL = ['gen_ai.response.model', 'llm.response.model_name', 'ai.response.model'];
/** OpenInference names the model `llm.model_name` on LLM spans and `embedding.model_name` on EMBEDDING spans. */
export const MODEL_FALLBACK = ['llm.model_name', 'embedding.model_name'];
export const RESPONSE_ID = ['gen_ai.response.id', 'ai.response.id'];
export const OPERATION = 'gen_ai.operation.name';
/** OpenLLMetry's request type: its OpenAI and Anthropic instrumentations write it up to 0.22; Cohere, Together and Vertex AI still do. */
export const LLM_REQUEST_TYPE = 'llm.request.type';
export const OPENINFERENCE_KIND = 'openinference.span.kind';
export const TRACELOOP_KIND = 'traceloop.span.kind';
export const AI_SDK_OPERATION = 'ai.operationId';
export const AI_SDK_PROVIDER = 'ai.model.provider';
export const ERROR_TYPE = 'error.type';
/** Set on every span agentmeter's own layers make. */
export const OWN_EVENT_ID = 'agentmeter.event_id';
/** The instrumentation scope of the spans `@agentmeter/otel` makes. */
export const OWN_SCOPE = '@agentmeter/otel';
/**
 * The AI SDK's copy of the provider's metadata, as JSON: on every step span in ai 5, on doGenerate spans
 * (when outputs are recorded) in ai 6.
 */
export const AI_SDK_PROVIDER_METADATA = 'ai.response.providerMetadata';
/** Metadata longer than this, in UTF-16 code units (a provider's log probabilities, say), is not parsed for usage. */
export const AI_SDK_PROVIDER_METADATA_MAX = 65_536;
/** The AI SDK's step total: in ai 5 a provider's `totalTokens` as the provider reported it. */
export const AI_SDK_TOTAL = 'ai.usage.totalTokens';

/**
 * Every span attribute the rules read (`roleOf`, `hasUsage`, `isModelCall`, `nestingNodeOf`, `usageOf`):
 * a reader that keeps only these (the server's OTLP decoder does) loses nothing the rules need.
 */
export const RULE_ATTRIBUTES: readonly string[] = [
  ...INPUT,
  ...OUTPUT,
  ...CACHE_READ,
  ...CACHE_WRITE,
  ...REASONING,
  ...PROVIDER,
  ...REQUEST_MODEL,
  ...RESPONSE_MODEL,
  ...MODEL_FALLBACK,
  ...RESPONSE_ID,
  OPERATION,
  LLM_REQUEST_TYPE,
  OPENINFERENCE_KIND,
  TRACELOOP_KIND,
  AI_SDK_OPERATION,
  ERROR_TYPE,
  OWN_EVENT_ID,
  AI_SDK_PROVIDER_METADATA,
  AI_SDK_TOTAL,
].filter((key, index, keys) => keys.indexOf(key) === index);

/**
 * Attributes whose string value is only ever searched for counts, with the longest string the rules read
 * (in UTF-16 code units): a longer one is ignored, so a reader may drop it unread.
 */
export const BOUNDED_TEXT_ATTRIBUTES: ReadonlyMap<string, number> = new Map([
  [AI_SDK_PROVIDER_METADATA, AI_SDK_PROVIDER_METADATA_MAX],
]);
