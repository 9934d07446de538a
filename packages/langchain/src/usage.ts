import {
  type NormalizedTokenCounts as Counts,
  isTokenCount,
  reconcileTokenCounts,
  tokenCount,
} from '@agentmeter/sdk/integration';
import type { LLMResult } from '@langchain/core/outputs';

/** Token counts of one provider call, normalized (`inputTokens` includes cache; subsets never added twice). */
export interface CallTokenCounts extends Counts {
  /** False when a required count was missing or not a count. */
  complete: boolean;
}

/** One provider call found in an `LLMResult`. */
export interface FoundCall {
  counts: CallTokenCounts;
  /** The provider's response id (`chatcmpl-…`, `msg_…`) or LangChain's `run-…` id. */
  responseId?: string;
  /** The model the provider says answered (`response_metadata.model_name` / `.model`). */
  responseModel?: string;
  /** `response_metadata.model_provider`, when the integration sets it. */
  provider?: string;
  /** True when the call reported no usage at all: its tokens are unknown, not zero. */
  missing?: boolean;
}

type Details = Record<string, unknown> | undefined;

export const ZERO: CallTokenCounts = {
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  complete: true,
};

export interface MessageLike {
  id?: unknown;
  usage_metadata?: unknown;
  response_metadata?: Record<string, unknown>;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function isUsageObject(usage: unknown): usage is Record<string, unknown> {
  return typeof usage === 'object' && usage !== null;
}

/**
 * Reads LangChain's `UsageMetadata` (`input_tokens`, `input_token_details.cache_read`, …); undefined
 * when it carries no count at all (ChatOpenAI puts `{ input_token_details: {}, output_token_details:
 * {} }` on a message whose provider reported no usage). `input_token_details.audio` and
 * `output_token_details.audio` (ChatOpenAI's `audio_tokens`) are the audio counts; `UsageMetadata`
 * does not say how much of the cache read was audio, so audio input is cut to what the cache reads
 * and writes leave of the input.
 */
export function countsFromUsageMetadata(usage: unknown): CallTokenCounts | undefined {
  if (!isUsageObject(usage)) return undefined;
  const metadata = usage;
  const input = metadata['input_tokens'];
  const output = metadata['output_tokens'];
  const inputDetails = metadata['input_token_details'] as Details;
  const outputDetails = metadata['output_token_details'] as Details;
  const parts = [
    inputDetails?.['cache_read'],
    inputDetails?.['cache_creation'],
    outputDetails?.['reasoning'],
  ];
  if (!isTokenCount(input) && !isTokenCount(output) && !parts.some(isTokenCount)) return undefined;
  const counts: CallTokenCounts = {
    inputTokens: tokenCount(input),
    outputTokens: tokenCount(output),
    cachedInputTokens: tokenCount(inputDetails?.['cache_read']),
    cacheWriteTokens: tokenCount(inputDetails?.['cache_creation']),
    reasoningTokens: tokenCount(outputDetails?.['reasoning']),
    complete: isTokenCount(input) && isTokenCount(output),
  };
  const audioInput = tokenCount(inputDetails?.['audio']);
  if (audioInput > 0) counts.audioInputTokens = audioInput;
  const audioOutput = tokenCount(outputDetails?.['audio']);
  if (audioOutput > 0) counts.audioOutputTokens = audioOutput;
  return withoutZeros(reconcileTokenCounts(counts));
}

/** Anthropic's own usage object, which @langchain/anthropic keeps in `response_metadata.usage`. */
function anthropicUsageOf(message: MessageLike | undefined): Record<string, unknown> | undefined {
  const usage = message?.response_metadata?.['usage'];
  if (!isUsageObject(usage)) return undefined;
  return 'cache_read_input_tokens' in usage || 'cache_creation_input_tokens' in usage ? usage : undefined;
}

/**
 * A message's `usage_metadata`, its input count made whole. LangChain's `input_tokens` is the whole
 * input, cache reads and writes included; @langchain/anthropic before 1.2.2 (every 0.3 release, the
 * line LangChain 0.3 runs) puts Anthropic's own `input_tokens` there, the uncached part alone. Its
 * size does not tell which it is (a prompt mostly uncached has more uncached tokens than cached
 * ones), so Anthropic's usage settles it: a whole message keeps that usage, input count included, in
 * `response_metadata.usage`, and the input is its uncached count plus its cache reads and writes,
 * whatever the integration made of them. A streamed message keeps it without its input count; there,
 * a message from before @langchain/anthropic 1.0, which names no `model_provider`, has its cache
 * reads and writes added to its input.
 */
export function usageMetadataOf(message: MessageLike | undefined): unknown {
  const metadata = message?.usage_metadata;
  const anthropic = anthropicUsageOf(message);
  if (!isUsageObject(metadata) || !anthropic) return metadata;
  const details = (
    isUsageObject(metadata['input_token_details']) ? metadata['input_token_details'] : {}
  ) as Record<string, unknown>;
  const uncached = anthropic['input_tokens'];
  if (isTokenCount(uncached)) {
    const read = tokenCount(anthropic['cache_read_input_tokens']);
    const write = tokenCount(anthropic['cache_creation_input_tokens']);
    return {
      ...metadata,
      input_tokens: uncached + read + write,
      input_token_details: { ...details, cache_read: read, cache_creation: write },
    };
  }
  if (
    text(message?.response_metadata?.['model_provider']) === undefined &&
    isTokenCount(metadata['input_tokens'])
  ) {
    const cache = tokenCount(details['cache_read']) + tokenCount(details['cache_creation']);
    return { ...metadata, input_tokens: metadata['input_tokens'] + cache };
  }
  return metadata;
}

/** The counts providers bill apart; present only when above zero. */
const OPTIONAL_COUNTS = [
  'cacheWrite1hTokens',
  'audioInputTokens',
  'audioOutputTokens',
  'webSearchRequests',
] as const;

/** Drops the optional counts that are zero, so a call without them has the same counts as before. */
function withoutZeros(counts: CallTokenCounts): CallTokenCounts {
  for (const key of OPTIONAL_COUNTS) if (counts[key] === 0) delete counts[key];
  return counts;
}

/**
 * What the provider's own usage object, kept in `response_metadata.usage`, says beyond
 * `UsageMetadata`: @langchain/anthropic keeps Anthropic's `usage` there (the whole message's, or
 * `message_start`'s when streamed), with `cache_creation.ephemeral_1h_input_tokens` (1-hour cache
 * writes) and `server_tool_use.web_search_requests`. A streamed call's final search count comes on
 * `message_delta`, whose usage LangChain does not keep, so only a count already on `message_start`
 * is seen.
 */
function withProviderUsage(counts: CallTokenCounts, message: MessageLike | undefined): CallTokenCounts {
  const usage = message?.response_metadata?.['usage'] as Details;
  if (!isUsageObject(usage)) return counts;
  const lifetimes = usage['cache_creation'] as Details;
  const serverTools = usage['server_tool_use'] as Details;
  const cacheWrite1h = tokenCount(lifetimes?.['ephemeral_1h_input_tokens']);
  const webSearches = tokenCount(serverTools?.['web_search_requests']);
  if (cacheWrite1h === 0 && webSearches === 0) return counts;
  const result: CallTokenCounts = { ...counts };
  if (cacheWrite1h > 0) result.cacheWrite1hTokens = cacheWrite1h;
  if (webSearches > 0) result.webSearchRequests = webSearches;
  // 1-hour writes beyond the writes LangChain reported raise the writes and the input with them.
  return withoutZeros(reconcileTokenCounts(result));
}

/**
 * The provider's id of the call: `response_metadata.id` where the integration puts it, else the
 * message id. They differ where a response holds items of its own: @langchain/openai before 1.0 gives
 * a Responses API answer the id of its output message item (`msg_…`, or LangChain's `run-…` when
 * streamed) and keeps the response's `resp_…` id, the one the provider layer meters the call under,
 * only in `response_metadata.id`.
 */
export function responseIdOf(message: MessageLike | undefined): string | undefined {
  return text(message?.response_metadata?.['id']) ?? text(message?.id);
}

function describe(message: MessageLike | undefined): Omit<FoundCall, 'counts'> {
  const found: Omit<FoundCall, 'counts'> = {};
  const responseId = responseIdOf(message);
  if (responseId) found.responseId = responseId;
  const metadata = message?.response_metadata;
  const model = text(metadata?.['model_name']) ?? text(metadata?.['model']);
  if (model) found.responseModel = model;
  const provider = text(metadata?.['model_provider']);
  if (provider) found.provider = provider;
  return found;
}

/**
 * The provider calls in one `handleLLMEnd` output, one entry per call. Every generation of every
 * prompt is read (`generations[i][j]`); generations that share a response id come from one call
 * (OpenAI `n > 1` puts the call's whole usage on each choice) and count once. `usage_metadata` is
 * read first, then `llmOutput.tokenUsage`; `llmOutput.estimatedTokenUsage` is an estimate and is
 * never billed. A call without any usage is one call with zero tokens, flagged incomplete.
 */
export function findCalls(output: LLMResult): FoundCall[] {
  const calls = new Map<string, FoundCall>();
  let firstMessage: MessageLike | undefined;
  // A message with a usage object, even an empty one, is the answer of a call that was made.
  let answered = false;
  output.generations.forEach((prompt, promptIndex) => {
    prompt.forEach((generation, generationIndex) => {
      const message = (generation as { message?: MessageLike }).message;
      firstMessage ??= message;
      if (isUsageObject(message?.usage_metadata)) answered = true;
      const metadataCounts = countsFromUsageMetadata(usageMetadataOf(message));
      if (!metadataCounts) return;
      const counts = withProviderUsage(metadataCounts, message);
      const found = describe(message);
      const key = found.responseId ?? `#${promptIndex}.${generationIndex}`;
      if (!calls.has(key)) calls.set(key, { ...found, counts });
    });
  });
  if (calls.size > 0) return [...calls.values()];
  // A call that reported no usage is still one call: metered with zero tokens, its usage missing.
  const missing = (): FoundCall[] => [
    { ...describe(firstMessage), counts: { ...ZERO, complete: false }, missing: true },
  ];
  const tokenUsage = output.llmOutput?.['tokenUsage'] as Record<string, unknown> | undefined;
  if (typeof tokenUsage === 'object' && tokenUsage !== null) {
    const prompt = tokenUsage['promptTokens'];
    const completion = tokenUsage['completionTokens'];
    // `tokenUsage: {}` is how LangChain marks the later prompts of a batch whose one call's usage
    // sits on the first; a message that came with a usage object of its own is a call, though.
    if (prompt === undefined && completion === undefined) return answered ? missing() : [];
    const counts = reconcileTokenCounts({
      inputTokens: tokenCount(prompt),
      outputTokens: tokenCount(completion),
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      complete: isTokenCount(prompt) && isTokenCount(completion),
    });
    return [{ ...describe(firstMessage), counts }];
  }
  return missing();
}

/** Adds chunk usage the way LangChain merges `AIMessageChunk`s (usage is emitted as deltas). */
export function addCounts(a: CallTokenCounts | undefined, b: CallTokenCounts): CallTokenCounts {
  if (!a) return b;
  const sum: CallTokenCounts = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    complete: a.complete && b.complete,
  };
  for (const key of OPTIONAL_COUNTS) {
    const total = (a[key] ?? 0) + (b[key] ?? 0);
    if (total > 0) sum[key] = total;
  }
  return sum;
}
