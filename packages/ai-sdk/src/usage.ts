import {
  type NormalizedTokenCounts as Counts,
  isTokenCount,
  reconcileTokenCounts,
  tokenCount,
} from '@agentmeter/sdk/integration';

/** One model step's token counts, normalized: `inputTokens` includes cache; subsets never added twice. */
export interface StepTokenCounts extends Counts {
  /** False when the provider did not report the input or output total. */
  complete: boolean;
  /** True when the provider reported no token count at all (neither total, nor any part). */
  missing: boolean;
}

type Bag = Record<string, unknown> | undefined;

/**
 * `LanguageModelV3Usage` / `LanguageModelV4Usage` (`ai` 6 and 7): `inputTokens: { total, noCache,
 * cacheRead, cacheWrite }`, `outputTokens: { total, text, reasoning }`. Totals are inclusive; a
 * missing total is rebuilt from its parts when they are there.
 */
function fromNested(usage: Record<string, unknown>): StepTokenCounts {
  const input = usage['inputTokens'] as Bag;
  const output = usage['outputTokens'] as Bag;
  const cacheRead = tokenCount(input?.['cacheRead']);
  const cacheWrite = tokenCount(input?.['cacheWrite']);
  const noCache = input?.['noCache'];
  let inputTotal: number | undefined = isTokenCount(input?.['total']) ? input['total'] : undefined;
  if (inputTotal === undefined && isTokenCount(noCache)) inputTotal = noCache + cacheRead + cacheWrite;
  const text = output?.['text'];
  const reasoning = tokenCount(output?.['reasoning']);
  let outputTotal: number | undefined = isTokenCount(output?.['total']) ? output['total'] : undefined;
  if (outputTotal === undefined && isTokenCount(text)) outputTotal = text + reasoning;
  const reported = [input?.['cacheRead'], input?.['cacheWrite'], output?.['reasoning']].some(isTokenCount);
  return {
    ...reconcileTokenCounts({
      inputTokens: inputTotal ?? 0,
      outputTokens: outputTotal ?? 0,
      cachedInputTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
      reasoningTokens: reasoning,
      complete: inputTotal !== undefined && outputTotal !== undefined,
    }),
    missing: inputTotal === undefined && outputTotal === undefined && !reported,
  };
}

/**
 * `LanguageModelV2Usage` (`ai` 5): `{ inputTokens, outputTokens, totalTokens, reasoningTokens?,
 * cachedInputTokens? }`. Its meaning varies by provider (vercel/ai#8794): OpenAI's `inputTokens`
 * includes cache reads, Anthropic's does not (and reports cache writes only in
 * `providerMetadata.anthropic.cacheCreationInputTokens`); Google's `outputTokens` excludes reasoning,
 * which `totalTokens = input + output + reasoning` reveals.
 */
function fromFlat(
  usage: Record<string, unknown>,
  provider: string,
  providerMetadata: unknown,
): StepTokenCounts {
  const input = usage['inputTokens'];
  const output = usage['outputTokens'];
  const total = usage['totalTokens'];
  const cached = tokenCount(usage['cachedInputTokens']);
  const reasoning = tokenCount(usage['reasoningTokens']);
  const anthropic = (providerMetadata as Record<string, Bag> | undefined)?.['anthropic'];
  const isAnthropic = anthropic !== undefined || provider.startsWith('anthropic');
  const cacheWrite = tokenCount(anthropic?.['cacheCreationInputTokens']);
  const inputTokens = isAnthropic ? tokenCount(input) + cached + cacheWrite : tokenCount(input);
  const reasoningOutside =
    reasoning > 0 &&
    isTokenCount(total) &&
    total === tokenCount(input) + tokenCount(output) + reasoning &&
    isTokenCount(output);
  return {
    ...reconcileTokenCounts({
      inputTokens,
      outputTokens: reasoningOutside ? tokenCount(output) + reasoning : tokenCount(output),
      cachedInputTokens: cached,
      cacheWriteTokens: cacheWrite,
      reasoningTokens: reasoning,
      complete: isTokenCount(input) && isTokenCount(output),
    }),
    missing: ![input, output, total, usage['cachedInputTokens'], usage['reasoningTokens']].some(isTokenCount),
  };
}

/**
 * Whether nested usage is a V2 model's flat usage as `ai` converts it (ai 7's `wrapLanguageModel` hands
 * middleware a V2 model's results converted so): the V2 counts as totals, the parts V2 has no word for
 * (`noCache`, `cacheWrite`, `text`) left out, and the V2 `totalTokens` as the only raw count. Its counts
 * keep their V2 meaning, which varies by provider (see `fromFlat`).
 */
function convertedFromV2(usage: Record<string, unknown>): boolean {
  const input = usage['inputTokens'] as Bag;
  const output = usage['outputTokens'] as Bag;
  if (input?.['noCache'] !== undefined || input?.['cacheWrite'] !== undefined) return false;
  if (output?.['text'] !== undefined) return false;
  const raw = usage['raw'];
  if (raw === undefined) return true;
  return typeof raw === 'object' && raw !== null && Object.keys(raw).join() === 'totalTokens';
}

function flatFromConverted(usage: Record<string, unknown>): Record<string, unknown> {
  const input = usage['inputTokens'] as Bag;
  const output = usage['outputTokens'] as Bag;
  return {
    inputTokens: input?.['total'],
    outputTokens: output?.['total'],
    totalTokens: (usage['raw'] as Bag)?.['totalTokens'],
    cachedInputTokens: input?.['cacheRead'],
    reasoningTokens: output?.['reasoning'],
  };
}

/** The counts providers bill apart, read from the provider's own usage object. */
type BilledApart = Pick<
  Counts,
  'cacheWrite1hTokens' | 'audioInputTokens' | 'audioOutputTokens' | 'webSearchRequests'
>;

/**
 * The provider's own usage object: `usage.raw` (V3 and V4: the usage as the provider returned it),
 * else `providerMetadata.anthropic.usage` (@ai-sdk/anthropic puts Anthropic's usage there in every
 * version; for a stream, `message_start`'s usage with each `message_delta`'s spread over it).
 */
function providerUsage(usage: Record<string, unknown>, providerMetadata: unknown): Bag {
  const raw = usage['raw'];
  if (typeof raw === 'object' && raw !== null) return raw as Record<string, unknown>;
  const anthropic = (providerMetadata as Record<string, Bag> | undefined)?.['anthropic'];
  const kept = anthropic?.['usage'];
  return typeof kept === 'object' && kept !== null ? (kept as Record<string, unknown>) : undefined;
}

/**
 * Anthropic's `cache_creation.ephemeral_1h_input_tokens` and `server_tool_use.web_search_requests`;
 * Chat Completions' `prompt_tokens_details.audio_tokens` (less the cached audio, when the usage says)
 * and `completion_tokens_details.audio_tokens`, where the provider keeps them in its raw usage
 * (@ai-sdk/openai-compatible does; @ai-sdk/openai's parser drops them). Only counts above zero.
 */
function billedApart(raw: Bag): BilledApart {
  const result: BilledApart = {};
  if (!raw) return result;
  const details = (value: unknown): Bag =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  const cacheWrite1h = tokenCount(details(raw['cache_creation'])?.['ephemeral_1h_input_tokens']);
  if (cacheWrite1h > 0) result.cacheWrite1hTokens = cacheWrite1h;
  const webSearches = tokenCount(details(raw['server_tool_use'])?.['web_search_requests']);
  if (webSearches > 0) result.webSearchRequests = webSearches;
  const prompt = details(raw['prompt_tokens_details']);
  const cachedAudio = tokenCount(details(prompt?.['cached_tokens_details'])?.['audio_tokens']);
  const audioInput = tokenCount(prompt?.['audio_tokens']) - cachedAudio;
  if (audioInput > 0) result.audioInputTokens = audioInput;
  const audioOutput = tokenCount(details(raw['completion_tokens_details'])?.['audio_tokens']);
  if (audioOutput > 0) result.audioOutputTokens = audioOutput;
  return result;
}

/** Normalizes a step's usage, whichever language-model specification produced it. */
export function normalizeUsage(usage: unknown, provider: string, providerMetadata: unknown): StepTokenCounts {
  if (typeof usage !== 'object' || usage === null) {
    return {
      inputTokens: 0,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      complete: false,
      missing: true,
    };
  }
  const bag = usage as Record<string, unknown>;
  const nested = typeof bag['inputTokens'] === 'object' || typeof bag['outputTokens'] === 'object';
  const converted = nested && convertedFromV2(bag);
  const flat = converted ? flatFromConverted(bag) : bag;
  const counts = nested && !converted ? fromNested(bag) : fromFlat(flat, provider, providerMetadata);
  // A step without token counts is priced by its base fee alone: nothing billed apart is added.
  if (counts.missing) return counts;
  // A converted V2 usage's `raw` is the conversion's, not the provider's usage object.
  const extra = billedApart(providerUsage(flat, providerMetadata));
  if (Object.keys(extra).length === 0) return counts;
  // Within their totals: 1-hour writes beyond the writes raise them, audio beyond what is left is cut.
  const reconciled = reconcileTokenCounts({ ...counts, ...extra });
  for (const key of Object.keys(extra) as (keyof BilledApart)[]) {
    if (reconciled[key] === 0) delete reconciled[key];
  }
  return reconciled;
}
