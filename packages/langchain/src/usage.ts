import { type TokenCounts as Counts, isTokenCount, reconcileTokenCounts, tokenCount } from '@agentmeter/sdk';
import type { LLMResult } from '@langchain/core/outputs';

/** Token counts of one provider call, normalized (`inputTokens` includes cache; subsets never added twice). */
export interface TokenCounts extends Counts {
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
  /** True when the call reported no usage at all: its tokens are unknown, not zero. */
  missing?: boolean;
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

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function isUsageObject(usage: unknown): usage is Record<string, unknown> {
  return typeof usage === 'object' && usage !== null;
}

/**
 * Reads LangChain's `UsageMetadata` (`input_tokens`, `input_token_details.cache_read`, …); undefined
 * when it carries no count at all (ChatOpenAI puts `{ input_token_details: {}, output_token_details:
 * {} }` on a message whose provider reported no usage).
 */
export function countsFromUsageMetadata(usage: unknown): TokenCounts | undefined {
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
  return reconcileTokenCounts({
    inputTokens: tokenCount(input),
    outputTokens: tokenCount(output),
    cachedInputTokens: tokenCount(inputDetails?.['cache_read']),
    cacheWriteTokens: tokenCount(inputDetails?.['cache_creation']),
    reasoningTokens: tokenCount(outputDetails?.['reasoning']),
    complete: isTokenCount(input) && isTokenCount(output),
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
  // A message with a usage object, even an empty one, is the answer of a call that was made.
  let answered = false;
  output.generations.forEach((prompt, promptIndex) => {
    prompt.forEach((generation, generationIndex) => {
      const message = (generation as { message?: MessageLike }).message;
      firstMessage ??= message;
      if (isUsageObject(message?.usage_metadata)) answered = true;
      const counts = countsFromUsageMetadata(message?.usage_metadata);
      if (!counts) return;
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
