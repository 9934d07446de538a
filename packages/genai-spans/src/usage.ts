// Reading model-call usage off spans made by any instrumentation: OpenTelemetry's GenAI conventions
// (old and new names), OpenLLMetry, OpenInference and the Vercel AI SDK.
import {
  AI_SDK_OPERATION,
  AI_SDK_PROVIDER,
  AI_SDK_PROVIDER_METADATA,
  AI_SDK_PROVIDER_METADATA_MAX,
  AI_SDK_TOTAL,
  CACHE_READ,
  CACHE_WRITE,
  ERROR_TYPE,
  INPUT,
  LLM_REQUEST_TYPE,
  MODEL_FALLBACK,
  OPENINFERENCE_KIND,
  OPERATION,
  OUTPUT,
  OWN_EVENT_ID,
  OWN_SCOPE,
  PROVIDER,
  REASONING,
  REQUEST_MODEL,
  RESPONSE_ID,
  RESPONSE_MODEL,
  TRACELOOP_KIND,
} from './attributes.js';
import type { NestingNode } from './nesting.js';
import type { SpanRole, SpanView } from './span.js';

/**
 * One model call's usage, normalized: input includes cache reads and writes, output includes reasoning;
 * subsets never exceed their totals.
 */
export interface SpanUsage {
  /** Lower case; an AI SDK provider id (`openai.chat`) reduced to the provider (`openai`); `unknown` when unnamed. */
  provider: string;
  /** `gen_ai.operation.name`, or `chat` / `embeddings` as the span's other markers say. */
  operation: string;
  requestModel: string | undefined;
  responseModel: string | undefined;
  responseId: string | undefined;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** `error.type`, or `_OTHER` for a span whose status is an error. */
  errorType: string | undefined;
  /** A model call that reported no usage at all: zero tokens, to be priced by its base fee only. */
  usageMissing: boolean;
}

/** Operations that group other work: their usage, when they carry any, is a sum of their calls'. */
const AGGREGATE_OPERATIONS = new Set(['invoke_workflow', 'execute_tool', 'workflow', 'task', 'tool', 'plan']);
const AGENT_OPERATIONS = new Set(['invoke_agent', 'create_agent']);
const OPENINFERENCE_CALLS = new Set(['LLM', 'EMBEDDING']);
const TRACELOOP_AGGREGATES = new Set(['workflow', 'task', 'agent', 'tool']);
const CLIENT_KIND = 2;
/** The operations that are one model call. */
const CALL_OPERATIONS = new Set(['chat', 'text_completion', 'embeddings', 'generate_content']);
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

/** A non-empty string, cut to `max` characters; anything else is absent. */
function text(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined;
}

/** How the span takes part in metering. */
export function roleOf(span: SpanView): SpanRole {
  const attributes = span.attributes;
  if (span.scope === OWN_SCOPE || attributes[OWN_EVENT_ID] !== undefined) return 'own';
  const operation = attributes[OPERATION];
  if (typeof operation === 'string') {
    if (AGGREGATE_OPERATIONS.has(operation)) return 'aggregate';
    if (AGENT_OPERATIONS.has(operation) && span.kind !== CLIENT_KIND) return 'aggregate';
  }
  const openinference = attributes[OPENINFERENCE_KIND];
  if (typeof openinference === 'string' && !OPENINFERENCE_CALLS.has(openinference.toUpperCase()))
    return 'aggregate';
  const traceloop = attributes[TRACELOOP_KIND];
  if (typeof traceloop === 'string' && TRACELOOP_AGGREGATES.has(traceloop)) return 'aggregate';
  // The AI SDK: `ai.generateText` sums its steps; `ai.generateText.doGenerate` is one provider call.
  const operationId = attributes[AI_SDK_OPERATION];
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
  const operation = attributes[OPERATION];
  const requestType = attributes[LLM_REQUEST_TYPE];
  const openinference = attributes[OPENINFERENCE_KIND];
  const operationId = attributes[AI_SDK_OPERATION];
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
  const operation = span.attributes[OPERATION];
  if (typeof operation === 'string' && operation.length > 0) return operation;
  const openinference = span.attributes[OPENINFERENCE_KIND];
  if (typeof openinference === 'string' && openinference.toUpperCase() === 'EMBEDDING') return 'embeddings';
  const operationId = span.attributes[AI_SDK_OPERATION];
  if (typeof operationId === 'string' && operationId.includes('.doEmbed')) return 'embeddings';
  return 'chat';
}

/** `openai.chat` (the AI SDK's provider ids) → `openai`; `OpenAI` → `openai`. */
function providerOf(span: SpanView): string {
  const raw = text(first(span.attributes, PROVIDER), 64);
  if (!raw) return 'unknown';
  const lower = raw.toLowerCase();
  const aiSdk = span.attributes[AI_SDK_PROVIDER] === raw && !lower.startsWith('azure.');
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
 * out and for Google the reasoning. The sender writes this JSON: it is parsed only up to
 * `AI_SDK_PROVIDER_METADATA_MAX` characters, and metadata that is no JSON object, or whose counts are no
 * counts, gives nothing.
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
 * The call's usage, normalized (input includes cache reads and writes, output includes reasoning; subsets
 * never exceed their totals). A model call (`isModelCall`) that reports no usage is a call all the same:
 * zero tokens, `usageMissing`. Undefined for any other span without usage. The span's role is not
 * checked here: ask `roleOf` first.
 */
export function usageOf(span: SpanView): SpanUsage | undefined {
  const attributes = span.attributes;
  const input = count(first(attributes, INPUT));
  const output = count(first(attributes, OUTPUT));
  const usageMissing = input === undefined && output === undefined;
  if (usageMissing && !isModelCall(span)) return undefined;
  const provider = providerOf(span);
  // The span's own cache and reasoning counts first; those in its provider metadata where it has none.
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
  return {
    provider,
    operation: operationOf(span),
    requestModel: text(first(attributes, REQUEST_MODEL), 256) ?? text(first(attributes, MODEL_FALLBACK), 256),
    responseModel: text(first(attributes, RESPONSE_MODEL), 256),
    responseId: text(first(attributes, RESPONSE_ID), 200),
    inputTokens,
    outputTokens,
    cachedInputTokens,
    cacheWriteTokens,
    reasoningTokens: Math.min(reasoning, outputTokens),
    errorType: text(attributes[ERROR_TYPE], 128) ?? (span.statusCode === 2 ? '_OTHER' : undefined),
    usageMissing,
  };
}
