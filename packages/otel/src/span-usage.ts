import type { NormalizedUsage } from '@agentmeter/sdk/integration';
import type { NestingNode } from './nesting.js';
import * as semconv from './semconv.js';

// Reading model-call usage off spans made by any instrumentation. The server's `POST /v1/traces`
// (packages/server/src/routes/traces-genai.ts) applies the same rules to OTLP spans; a parity test keeps
// the two in step.

/** A finished span reduced to what the rules read; attribute values as the SDK or OTLP give them. */
export interface SpanView {
  name: string;
  /** OpenTelemetry `SpanKind`: 0 internal, 1 server, 2 client, 3 producer, 4 consumer. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  startMs: number;
  endMs: number;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  attributes: Readonly<Record<string, unknown>>;
  resource: Readonly<Record<string, unknown>>;
  scope: string | undefined;
  /** The instrumentation scope's version, when known (some instrumentations changed what a count means). */
  scopeVersion?: string | undefined;
}

/** `own`: agentmeter made it; `aggregate`: a framework, agent or workflow span (never metered); `call`: may be a model call. */
export type SpanRole = 'own' | 'aggregate' | 'call';

// Each count is read from the first attribute present: the GenAI conventions (v1.41, the newest draft,
// then the deprecated and OpenLLMetry spellings), OpenInference, then the Vercel AI SDK (v5/v6, then v4).
const INPUT = [
  semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  semconv.ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  'llm.token_count.prompt',
  'ai.usage.inputTokens',
  'ai.usage.promptTokens',
  'ai.usage.tokens',
];
const OUTPUT = [
  semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  semconv.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  'llm.token_count.completion',
  'ai.usage.outputTokens',
  'ai.usage.completionTokens',
];
const CACHE_READ = [
  semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  'gen_ai.usage.cache_read_input_tokens',
  'llm.token_count.prompt_details.cache_read',
  'ai.usage.inputTokenDetails.cacheReadTokens',
  'ai.usage.cachedInputTokens',
];
const CACHE_WRITE = [
  semconv.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  semconv.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  'gen_ai.usage.cache_creation_input_tokens',
  'llm.token_count.prompt_details.cache_write',
  'ai.usage.inputTokenDetails.cacheWriteTokens',
];
const REASONING = [
  semconv.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  'gen_ai.usage.reasoning_tokens',
  'llm.token_count.completion_details.reasoning',
  'ai.usage.outputTokenDetails.reasoningTokens',
  'ai.usage.reasoningTokens',
];
const PROVIDER = [
  semconv.ATTR_GEN_AI_PROVIDER_NAME,
  semconv.ATTR_GEN_AI_SYSTEM,
  'llm.provider',
  'llm.system',
  'ai.model.provider',
];
const REQUEST_MODEL = [semconv.ATTR_GEN_AI_REQUEST_MODEL, 'llm.request.model_name', 'ai.model.id'];
const RESPONSE_MODEL = [semconv.ATTR_GEN_AI_RESPONSE_MODEL, 'llm.response.model_name', 'ai.response.model'];
// OpenInference names the model `llm.model_name` on LLM spans and `embedding.model_name` on EMBEDDING spans.
const MODEL_FALLBACK = ['llm.model_name', 'embedding.model_name'];
const RESPONSE_ID = [semconv.ATTR_GEN_AI_RESPONSE_ID, 'ai.response.id'];
/** OpenLLMetry's request type: its OpenAI and Anthropic instrumentations write it up to 0.22; Cohere, Together and Vertex AI still do. */
const LLM_REQUEST_TYPE = 'llm.request.type';
/**
 * The AI SDK's copy of the provider's metadata, as JSON: on every step span in ai 5, on doGenerate spans
 * (when outputs are recorded) in ai 6.
 */
const AI_SDK_PROVIDER_METADATA = 'ai.response.providerMetadata';
/** Metadata longer than this (a provider's log probabilities, say) is not parsed for usage. */
const AI_SDK_PROVIDER_METADATA_MAX = 65_536;
/** The AI SDK's step total: in ai 5 a provider's `totalTokens` as the provider reported it. */
const AI_SDK_TOTAL = 'ai.usage.totalTokens';

/** Operations that group other work: their usage, when they carry any, is a sum of their calls'. */
const AGGREGATE_OPERATIONS = new Set(['invoke_workflow', 'execute_tool', 'workflow', 'task', 'tool', 'plan']);
const AGENT_OPERATIONS = new Set(['invoke_agent', 'create_agent']);
const OPENINFERENCE_CALLS = new Set(['LLM', 'EMBEDDING']);
const TRACELOOP_AGGREGATES = new Set(['workflow', 'task', 'agent', 'tool']);
const CLIENT_KIND = 2;
/** The operations that are one model call. */
const CALL_OPERATIONS = new Set([
  semconv.GEN_AI_OPERATION_NAME_VALUE_CHAT,
  semconv.GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
  semconv.GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  semconv.GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
]);
const TRACELOOP_CALL_TYPES = new Set(['chat', 'completion']);
/** The AI SDK's provider-call spans: `ai.generateText.doGenerate`, `ai.streamText.doStream`, `ai.embed.doEmbed`, … */
const AI_SDK_CALL = /^ai\.\w+\.do(?:Generate|Stream|Embed)$/;

/**
 * Instrumentations that write Anthropic's `input_tokens` as Anthropic means it (cache reads and writes left
 * out), by scope name, up to the last version known to: OpenLLMetry's Anthropic instrumentation copies the
 * number as it is through 0.27.0 (the fix that adds the cache counts in came after it). A span whose scope
 * version is not known is read as the released versions write it.
 */
const RAW_ANTHROPIC_INPUT: ReadonlyMap<string, readonly [number, number, number]> = new Map([
  ['@traceloop/instrumentation-anthropic', [0, 27, 0]],
]);

function first(attributes: Readonly<Record<string, unknown>>, keys: readonly string[]): unknown {
  for (const key of keys) {
    const value = attributes[key];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

/** A token count: a non-negative integer (OTLP may send int64 as a string); anything else is absent. */
function count(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= 0
    ? Math.floor(number)
    : undefined;
}

function text(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined;
}

/** How the span takes part in metering. */
export function roleOf(span: SpanView): SpanRole {
  const attributes = span.attributes;
  if (span.scope === semconv.SCOPE_NAME || attributes[semconv.ATTR_AGENTMETER_EVENT_ID] !== undefined)
    return 'own';
  const operation = attributes[semconv.ATTR_GEN_AI_OPERATION_NAME];
  if (typeof operation === 'string') {
    if (AGGREGATE_OPERATIONS.has(operation)) return 'aggregate';
    if (AGENT_OPERATIONS.has(operation) && span.kind !== CLIENT_KIND) return 'aggregate';
  }
  const openinference = attributes['openinference.span.kind'];
  if (typeof openinference === 'string' && !OPENINFERENCE_CALLS.has(openinference.toUpperCase()))
    return 'aggregate';
  const traceloop = attributes['traceloop.span.kind'];
  if (typeof traceloop === 'string' && TRACELOOP_AGGREGATES.has(traceloop)) return 'aggregate';
  // The AI SDK: `ai.generateText` sums its steps; `ai.generateText.doGenerate` is one provider call.
  const operationId = attributes['ai.operationId'];
  if (typeof operationId === 'string' && operationId.startsWith('ai.') && !operationId.includes('.do'))
    return 'aggregate';
  return 'call';
}

/** True when the span reports token usage in any of the known attribute sets. */
export function hasUsage(span: SpanView): boolean {
  return first(span.attributes, INPUT) !== undefined || first(span.attributes, OUTPUT) !== undefined;
}

/**
 * True when the span is plainly one model call, whether or not it reports usage: it says so (an operation
 * of one call, OpenLLMetry's request type, an OpenInference LLM or EMBEDDING span, an AI SDK `do*` span)
 * and names a provider or a model. Nothing else counts: an HTTP span, or any span without such a marker,
 * is never taken for a call.
 */
export function isModelCall(span: SpanView): boolean {
  const attributes = span.attributes;
  const operation = attributes[semconv.ATTR_GEN_AI_OPERATION_NAME];
  const requestType = attributes[LLM_REQUEST_TYPE];
  const openinference = attributes['openinference.span.kind'];
  const operationId = attributes['ai.operationId'];
  const marked =
    (typeof operation === 'string' && CALL_OPERATIONS.has(operation)) ||
    (typeof requestType === 'string' && TRACELOOP_CALL_TYPES.has(requestType)) ||
    (typeof openinference === 'string' && OPENINFERENCE_CALLS.has(openinference.toUpperCase())) ||
    (typeof operationId === 'string' && AI_SDK_CALL.test(operationId));
  return (
    marked &&
    (first(attributes, PROVIDER) !== undefined ||
      first(attributes, REQUEST_MODEL) !== undefined ||
      first(attributes, RESPONSE_MODEL) !== undefined ||
      first(attributes, MODEL_FALLBACK) !== undefined)
  );
}

/** The span as the nesting rule sees it: whether it reports usage, and whether it is a call to meter. */
export function nestingNodeOf(span: SpanView): NestingNode {
  const usage = hasUsage(span);
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    usage,
    call: roleOf(span) === 'call' && (usage || isModelCall(span)),
  };
}

function operationOf(span: SpanView): string {
  const operation = span.attributes[semconv.ATTR_GEN_AI_OPERATION_NAME];
  if (typeof operation === 'string' && operation.length > 0) return operation;
  const openinference = span.attributes['openinference.span.kind'];
  if (typeof openinference === 'string' && openinference.toUpperCase() === 'EMBEDDING') return 'embeddings';
  const operationId = span.attributes['ai.operationId'];
  if (typeof operationId === 'string' && operationId.includes('.doEmbed')) return 'embeddings';
  return semconv.GEN_AI_OPERATION_NAME_VALUE_CHAT;
}

/** `openai.chat` (the AI SDK's provider ids) → `openai`; `OpenAI` → `openai`. */
function providerOf(span: SpanView): string {
  const raw = text(first(span.attributes, PROVIDER), 64);
  if (!raw) return 'unknown';
  const lower = raw.toLowerCase();
  const aiSdk = span.attributes['ai.model.provider'] === raw && !lower.startsWith('azure.');
  return aiSdk ? (lower.split('.')[0] ?? lower) : lower;
}

/** `0.27.0` → [0, 27, 0]; undefined when the version does not start with three numbers. */
function versionOf(version: string | undefined): [number, number, number] | undefined {
  const match = version === undefined ? null : /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function atMost(version: readonly number[], last: readonly number[]): boolean {
  for (let index = 0; index < last.length; index++) {
    const part = version[index] as number;
    const limit = last[index] as number;
    if (part !== limit) return part < limit;
  }
  return true;
}

/** Counts the provider reported in its own words, as the AI SDK span carries them. */
interface ProviderCounts {
  /** Anthropic's usage: `input` leaves the cache reads and writes out. */
  anthropic?: { input: number; cacheRead: number | undefined; cacheWrite: number | undefined };
  /** Google's usage metadata: `output` (`candidatesTokenCount`) leaves the reasoning (`thoughtsTokenCount`) out. */
  google?: { output: number | undefined; reasoning: number | undefined; cacheRead: number | undefined };
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

/**
 * The counts in the AI SDK span's copy of the provider metadata: @ai-sdk/anthropic keeps Anthropic's own
 * usage object there (`anthropic.usage`) in every version, @ai-sdk/google its usage metadata
 * (`google.usageMetadata`). ai 5 records a generated step's cache and reasoning counts nowhere else: its
 * doGenerate spans carry the provider's input and output counts only, which for Anthropic leave the cache
 * out and for Google the reasoning.
 */
function providerCountsOf(attributes: Readonly<Record<string, unknown>>): ProviderCounts | undefined {
  const json = attributes[AI_SDK_PROVIDER_METADATA];
  if (typeof json !== 'string' || json.length > AI_SDK_PROVIDER_METADATA_MAX) return undefined;
  if (!json.includes('"anthropic"') && !json.includes('"google"')) return undefined;
  let metadata: Record<string, unknown> | undefined;
  try {
    metadata = record(JSON.parse(json));
  } catch {
    return undefined;
  }
  const counts: ProviderCounts = {};
  const anthropic = record(metadata?.['anthropic']);
  const anthropicUsage = record(anthropic?.['usage']);
  const anthropicInput = count(anthropicUsage?.['input_tokens']);
  if (anthropicUsage && anthropicInput !== undefined) {
    counts.anthropic = {
      input: anthropicInput,
      cacheRead: count(anthropicUsage['cache_read_input_tokens']),
      cacheWrite:
        count(anthropicUsage['cache_creation_input_tokens']) ??
        count(anthropic?.['cacheCreationInputTokens']),
    };
  }
  const google = record(record(metadata?.['google'])?.['usageMetadata']);
  if (google) {
    counts.google = {
      output: count(google['candidatesTokenCount']),
      reasoning: count(google['thoughtsTokenCount']),
      cacheRead: count(google['cachedContentTokenCount']),
    };
  }
  return counts;
}

/**
 * Whether the span's input count is Anthropic's own (cache reads and writes not in it): written so by a
 * known instrumentation, below what Anthropic's own usage on the span adds up to with the cache (the AI SDK
 * with @ai-sdk/anthropic 2, on ai 5 or on a later ai), or an Anthropic span whose cache counts exceed its
 * input, which only that meaning allows.
 */
function anthropicInput(
  span: SpanView,
  provider: string,
  input: number,
  cached: number,
  own: ProviderCounts['anthropic'],
): boolean {
  const last = span.scope === undefined ? undefined : RAW_ANTHROPIC_INPUT.get(span.scope);
  if (last) {
    const version = versionOf(span.scopeVersion);
    if (version === undefined || atMost(version, last)) return true;
  }
  if (own && input < own.input + (own.cacheRead ?? 0) + (own.cacheWrite ?? 0)) return true;
  return provider === 'anthropic' && cached > input;
}

/**
 * The call's usage, normalized as the wrappers normalize it: input includes cache reads and writes, output
 * includes reasoning; subsets never exceed their totals. A model call (`isModelCall`) that reports no usage
 * is a call all the same: zero tokens, `usageMissing`. Undefined for any other span without usage.
 */
export function usageOf(span: SpanView): NormalizedUsage | undefined {
  const attributes = span.attributes;
  const input = count(first(attributes, INPUT));
  const output = count(first(attributes, OUTPUT));
  const usageMissing = input === undefined && output === undefined;
  if (usageMissing && !isModelCall(span)) return undefined;
  const provider = providerOf(span);
  const own = usageMissing ? undefined : providerCountsOf(attributes);
  const cacheRead =
    count(first(attributes, CACHE_READ)) ?? own?.anthropic?.cacheRead ?? own?.google?.cacheRead ?? 0;
  const cacheWrite = count(first(attributes, CACHE_WRITE)) ?? own?.anthropic?.cacheWrite ?? 0;
  const reasoning = count(first(attributes, REASONING)) ?? own?.google?.reasoning ?? 0;
  // An output count that leaves the reasoning out (Google's, as ai 5 reports it): the step total adds up
  // with the reasoning, or the count is Google's own output count. The call's output includes it.
  const total = count(attributes[AI_SDK_TOTAL]);
  const reasoningOutside =
    reasoning > 0 &&
    output !== undefined &&
    ((input !== undefined && total === input + output + reasoning) || output === own?.google?.output);
  const outputTokens = (output ?? 0) + (reasoningOutside ? reasoning : 0);
  let inputTokens = input ?? 0;
  let cachedInputTokens: number;
  let cacheWriteTokens: number;
  if (!usageMissing && anthropicInput(span, provider, inputTokens, cacheRead + cacheWrite, own?.anthropic)) {
    // Anthropic bills input, cache reads and cache writes: together, they are the call's input.
    inputTokens += cacheRead + cacheWrite;
    cachedInputTokens = cacheRead;
    cacheWriteTokens = cacheWrite;
  } else {
    cachedInputTokens = Math.min(cacheRead, inputTokens);
    cacheWriteTokens = Math.min(cacheWrite, inputTokens - cachedInputTokens);
  }
  const reasoningTokens = Math.min(reasoning, outputTokens);
  const usage: NormalizedUsage = {
    provider,
    operation: operationOf(span),
    inputTokens,
    outputTokens,
    cachedInputTokens,
    cacheWriteTokens,
    reasoningTokens,
    startedAt: span.startMs,
    latencyMs: Math.max(0, span.endMs - span.startMs),
    // A call seen without its counts: priced by its base fee only, and marked so.
    complete: !usageMissing,
    streamed: attributes[semconv.ATTR_GEN_AI_REQUEST_STREAM] === true,
    // The span is the call's link: the server then knows this span (sent to it over OTLP too) was metered.
    traceId: span.traceId,
    spanId: span.spanId,
  };
  if (usageMissing) usage.usageMissing = true;
  const requestModel =
    text(first(attributes, REQUEST_MODEL), 256) ?? text(first(attributes, MODEL_FALLBACK), 256);
  const responseModel = text(first(attributes, RESPONSE_MODEL), 256);
  if (requestModel) usage.requestModel = requestModel;
  if (responseModel) usage.responseModel = responseModel;
  const responseId = text(first(attributes, RESPONSE_ID), 200);
  if (responseId) usage.responseId = responseId;
  const address = text(attributes[semconv.ATTR_SERVER_ADDRESS], 256);
  if (address) usage.serverAddress = address;
  const port = count(attributes[semconv.ATTR_SERVER_PORT]);
  if (port) usage.serverPort = port;
  const errorType =
    text(attributes[semconv.ATTR_ERROR_TYPE], 128) ?? (span.statusCode === 2 ? '_OTHER' : undefined);
  if (errorType) usage.errorType = errorType;
  return usage;
}
