import type { LLMResult } from '@langchain/core/outputs';

/** Token counts of one provider call, normalized (`inputTokens` includes cache; subsets never added twice). */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** False when a required count was missing or not a count. */
  complete: boolean;
}

/** One provider call found in an `LLMResult`. */
export interface FoundCall {
  counts: TokenCounts;
  /** The provider's response id (`chatcmpl-…`, `msg_…`) or LangChain's `run-…` id. */
  responseId?: string;
  /** The model the provider says answered (`response_metadata.model_name` / `.model`). */
  responseModel?: string;
  /** `response_metadata.model_provider`, when the integration sets it. */
  provider?: string;
}

type Details = Record<string, unknown> | undefined;

export const ZERO: TokenCounts = {
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  complete: true,
};

interface MessageLike {
  id?: unknown;
  usage_metadata?: unknown;
  response_metadata?: Record<string, unknown>;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function count(value: unknown): number {
  return isCount(value) ? value : 0;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Keeps the subsets inside their totals. LangChain defines `input_tokens` as the sum of all input
 * types and `output_tokens` likewise; an integration that reports disjoint buckets (cache reads
 * outside `input_tokens`) would otherwise bill cached tokens as negative uncached ones, so a total
 * smaller than its parts is read as the disjoint remainder and the parts are added to it.
 */
export function reconcile(counts: TokenCounts): TokenCounts {
  const result = { ...counts };
  if (result.cachedInputTokens + result.cacheWriteTokens > result.inputTokens) {
    result.inputTokens += result.cachedInputTokens + result.cacheWriteTokens;
  }
  if (result.reasoningTokens > result.outputTokens) result.outputTokens += result.reasoningTokens;
  return result;
}

/** Reads LangChain's `UsageMetadata` (`input_tokens`, `input_token_details.cache_read`, …). */
export function countsFromUsageMetadata(usage: unknown): TokenCounts | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const metadata = usage as Record<string, unknown>;
  const input = metadata['input_tokens'];
  const output = metadata['output_tokens'];
  const inputDetails = metadata['input_token_details'] as Details;
  const outputDetails = metadata['output_token_details'] as Details;
  return reconcile({
    inputTokens: count(input),
    outputTokens: count(output),
    cachedInputTokens: count(inputDetails?.['cache_read']),
    cacheWriteTokens: count(inputDetails?.['cache_creation']),
    reasoningTokens: count(outputDetails?.['reasoning']),
    complete: isCount(input) && isCount(output),
  });
}

function responseIdOf(message: MessageLike | undefined): string | undefined {
  return text(message?.id) ?? text(message?.response_metadata?.['id']);
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
  output.generations.forEach((prompt, promptIndex) => {
    prompt.forEach((generation, generationIndex) => {
      const message = (generation as { message?: MessageLike }).message;
      firstMessage ??= message;
      const counts = countsFromUsageMetadata(message?.usage_metadata);
      if (!counts) return;
      const found = describe(message);
      const key = found.responseId ?? `#${promptIndex}.${generationIndex}`;
      if (!calls.has(key)) calls.set(key, { ...found, counts });
    });
  });
  if (calls.size > 0) return [...calls.values()];
  const tokenUsage = output.llmOutput?.['tokenUsage'] as Record<string, unknown> | undefined;
  if (typeof tokenUsage === 'object' && tokenUsage !== null) {
    const prompt = tokenUsage['promptTokens'];
    const completion = tokenUsage['completionTokens'];
    // `tokenUsage: {}` is how LangChain marks the later prompts of a batch whose one call's usage sits on the first.
    if (prompt === undefined && completion === undefined) return [];
    const counts = reconcile({
      inputTokens: count(prompt),
      outputTokens: count(completion),
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      complete: isCount(prompt) && isCount(completion),
    });
    return [{ ...describe(firstMessage), counts }];
  }
  // A call that reported no usage is still one call: metered with zero tokens and flagged incomplete.
  return [{ ...describe(firstMessage), counts: { ...ZERO, complete: false } }];
}

/** Adds chunk usage the way LangChain merges `AIMessageChunk`s (usage is emitted as deltas). */
export function addCounts(a: TokenCounts | undefined, b: TokenCounts): TokenCounts {
  if (!a) return b;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    complete: a.complete && b.complete,
  };
}
