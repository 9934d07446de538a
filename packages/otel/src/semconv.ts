// The OpenTelemetry GenAI semantic conventions this package writes (the names it reads on other
// instrumentations' spans are in @agentmeter/genai-spans), copied here as the conventions' README advises
// for experimental names (never import `@opentelemetry/semantic-conventions/incubating` at runtime: it
// may break in a minor release). Default: v1.41.0, the last release of the core repository
// that holds GenAI. `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental` switches to the newest
// draft of open-telemetry/semantic-conventions-genai (see `stability.ts`).

// Attributes, v1.41.0.
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_SERVICE_NAME = 'service.name';

// Attributes, newest draft (semantic-conventions-genai, unreleased).
/** Renamed from `gen_ai.usage.cache_creation.input_tokens` (semantic-conventions-genai #440). */
export const ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.usage.cache_write.input_tokens';
export const ATTR_GEN_AI_TOKEN_MODALITY = 'gen_ai.token.modality';

// Values.
export const GEN_AI_OPERATION_NAME_VALUE_CHAT = 'chat';
export const GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION = 'text_completion';
export const GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT = 'generate_content';
export const GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS = 'embeddings';
export const GEN_AI_TOKEN_TYPE_VALUE_INPUT = 'input';
export const GEN_AI_TOKEN_TYPE_VALUE_OUTPUT = 'output';
/** "When the provider does not break usage down by modality … report the tokens under the `unknown` modality." */
export const GEN_AI_TOKEN_MODALITY_VALUE_UNKNOWN = 'unknown';

// Metrics, v1.41.0.
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';

// Metrics, newest draft.
export const METRIC_GEN_AI_CLIENT_INFERENCE_DURATION = 'gen_ai.client.inference.duration';
export const METRIC_GEN_AI_CLIENT_EMBEDDINGS_DURATION = 'gen_ai.client.embeddings.duration';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS = 'gen_ai.client.inference.usage.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS =
  'gen_ai.client.inference.usage.output_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS =
  'gen_ai.client.inference.usage.cache_read.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS =
  'gen_ai.client.inference.usage.cache_write.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS =
  'gen_ai.client.inference.usage.reasoning.output_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS =
  'gen_ai.client.inference.operation.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS =
  'gen_ai.client.inference.operation.output_tokens';
export const METRIC_GEN_AI_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS =
  'gen_ai.client.embeddings.operation.input_tokens';

/** Explicit bucket boundaries of every token-count histogram (`{token}`). */
export const TOKEN_BUCKETS: readonly number[] = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
/** Explicit bucket boundaries of every duration histogram (`s`). */
export const DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

// agentmeter's own namespace.
export const ATTR_AGENTMETER_AGENT_ID = 'agentmeter.agent_id';
export const ATTR_AGENTMETER_ACTION = 'agentmeter.action';
export const ATTR_AGENTMETER_CUSTOMER_ID = 'agentmeter.customer_id';
export const ATTR_AGENTMETER_EVENT_ID = 'agentmeter.event_id';
export const ATTR_AGENTMETER_PRICE_TOTAL = 'agentmeter.price.total';
export const ATTR_AGENTMETER_PRICE_BASE = 'agentmeter.price.base';
export const ATTR_AGENTMETER_PRICE_TOKENS = 'agentmeter.price.tokens';
export const ATTR_AGENTMETER_PRICE_OUTCOME = 'agentmeter.price.outcome';
/** `charged` (priced now), `replayed` (charged before, by an earlier send), `unpriced` (no price within the wait). */
export const ATTR_AGENTMETER_PRICE_STATUS = 'agentmeter.price.status';
export const ATTR_AGENTMETER_PRICE_COMPONENT = 'agentmeter.price.component';
export const ATTR_AGENTMETER_CURRENCY = 'agentmeter.currency';
export const ATTR_AGENTMETER_TIER = 'agentmeter.tier';
/** `none`, `pending`, `success` or `failure`: the event's outcome when metered, or the resolution. */
export const ATTR_AGENTMETER_OUTCOME_STATUS = 'agentmeter.outcome.status';
export const ATTR_AGENTMETER_OUTCOME_ID = 'agentmeter.outcome.id';
/** False when the provider's usage was partial or missing (stream broken off, aborted). */
export const ATTR_AGENTMETER_USAGE_COMPLETE = 'agentmeter.usage.complete';

export const METRIC_AGENTMETER_CHARGE = 'agentmeter.charge';
export const METRIC_AGENTMETER_CALLS = 'agentmeter.calls';
export const METRIC_AGENTMETER_OUTCOMES = 'agentmeter.outcomes';

/** The instrumentation scope of everything this package emits; the span processor ignores it. */
export const SCOPE_NAME = '@agentmeter/otel';
export const SCOPE_VERSION = '0.1.0';
