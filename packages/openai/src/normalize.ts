// OpenAI usage objects → token counts, following the OpenTelemetry GenAI conventions: input is the
// whole prompt (cache reads and writes included), output the whole completion (reasoning included);
// cached, cache-write and reasoning counts are subsets and are never added on top.
import type { NormalizedTokenCounts } from '@agentmeter/sdk/integration';

export const ZERO_COUNTS: Readonly<NormalizedTokenCounts> = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});

type Loose = Record<string, unknown> | null | undefined;

function asRecord(value: unknown): Loose {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** A token count as the contract accepts it: a non-negative integer; anything else counts as 0. */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/**
 * Keeps the subsets inside their totals, so a malformed usage object can never be priced twice.
 * Audio input is the audio left outside the cache reads and writes (which keep their own rates);
 * the audio counts are only set when there are some, so calls without audio keep the same counts.
 */
function bounded(
  input: number,
  output: number,
  cached: number,
  cacheWrite: number,
  reasoning: number,
  audioInput = 0,
  audioOutput = 0,
): NormalizedTokenCounts {
  const cachedInputTokens = Math.min(cached, input);
  const cacheWriteTokens = Math.min(cacheWrite, input - cachedInputTokens);
  const counts: NormalizedTokenCounts = {
    inputTokens: input,
    outputTokens: output,
    cachedInputTokens,
    cacheWriteTokens,
    reasoningTokens: Math.min(reasoning, output),
  };
  const audioInputTokens = Math.min(audioInput, input - cachedInputTokens - cacheWriteTokens);
  if (audioInputTokens > 0) counts.audioInputTokens = audioInputTokens;
  const audioOutputTokens = Math.min(audioOutput, output);
  if (audioOutputTokens > 0) counts.audioOutputTokens = audioOutputTokens;
  return counts;
}

/** True when `usage` is an object carrying the named total as a number. */
export function hasUsage(usage: unknown, totalField: string): boolean {
  const record = asRecord(usage);
  return record !== undefined && record !== null && typeof record[totalField] === 'number';
}

/**
 * Chat Completions `CompletionUsage` (also legacy Completions). `prompt_tokens_details.audio_tokens`
 * counts all audio in the prompt, cached or not; when the usage says how much of the cache read was
 * audio (`cached_tokens_details.audio_tokens`, as the Realtime usage does), that part is priced as a
 * cache read only and taken out of the audio input.
 */
export function chatCounts(usage: unknown): NormalizedTokenCounts {
  const record = asRecord(usage);
  if (!record) return { ...ZERO_COUNTS };
  const prompt = asRecord(record['prompt_tokens_details']);
  const completion = asRecord(record['completion_tokens_details']);
  const cachedAudio = count(asRecord(prompt?.['cached_tokens_details'])?.['audio_tokens']);
  return bounded(
    count(record['prompt_tokens']),
    count(record['completion_tokens']),
    count(prompt?.['cached_tokens']),
    count(prompt?.['cache_write_tokens']),
    count(completion?.['reasoning_tokens']),
    Math.max(0, count(prompt?.['audio_tokens']) - cachedAudio),
    count(completion?.['audio_tokens']),
  );
}

/** Responses API `ResponseUsage` (it has no audio breakdown: its details are cache and reasoning counts only). */
export function responsesCounts(usage: unknown): NormalizedTokenCounts {
  const record = asRecord(usage);
  if (!record) return { ...ZERO_COUNTS };
  const input = asRecord(record['input_tokens_details']);
  const output = asRecord(record['output_tokens_details']);
  return bounded(
    count(record['input_tokens']),
    count(record['output_tokens']),
    count(input?.['cached_tokens']),
    count(input?.['cache_write_tokens']),
    count(output?.['reasoning_tokens']),
  );
}

/** Embeddings usage: `prompt_tokens` only; embeddings have no output. */
export function embeddingsCounts(usage: unknown): NormalizedTokenCounts {
  const record = asRecord(usage);
  return { ...ZERO_COUNTS, inputTokens: count(record?.['prompt_tokens']) };
}

/** True when a response carried no usage object at all (not even zeros): its tokens are unknown. */
export function isMissing(usage: unknown): boolean {
  return typeof usage !== 'object' || usage === null;
}

export function stringField(record: unknown, field: string): string | undefined {
  const value = asRecord(record)?.[field];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
