/** One model step's token counts, normalized: `inputTokens` includes cache; subsets never added twice. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** False when the provider did not report the input or output total. */
  complete: boolean;
}

type Bag = Record<string, unknown> | undefined;

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function count(value: unknown): number {
  return isCount(value) ? value : 0;
}

/** A total smaller than its own subsets was reported as a disjoint remainder: add the subsets to it. */
function reconcile(counts: TokenCounts): TokenCounts {
  const result = { ...counts };
  if (result.cachedInputTokens + result.cacheWriteTokens > result.inputTokens) {
    result.inputTokens += result.cachedInputTokens + result.cacheWriteTokens;
  }
  if (result.reasoningTokens > result.outputTokens) result.outputTokens += result.reasoningTokens;
  return result;
}

/**
 * `LanguageModelV3Usage` / `LanguageModelV4Usage` (`ai` 6 and 7): `inputTokens: { total, noCache,
 * cacheRead, cacheWrite }`, `outputTokens: { total, text, reasoning }`. Totals are inclusive; a
 * missing total is rebuilt from its parts when they are there.
 */
function fromNested(usage: Record<string, unknown>): TokenCounts {
  const input = usage['inputTokens'] as Bag;
  const output = usage['outputTokens'] as Bag;
  const cacheRead = count(input?.['cacheRead']);
  const cacheWrite = count(input?.['cacheWrite']);
  const noCache = input?.['noCache'];
  let inputTotal: number | undefined = isCount(input?.['total']) ? input['total'] : undefined;
  if (inputTotal === undefined && isCount(noCache)) inputTotal = noCache + cacheRead + cacheWrite;
  const text = output?.['text'];
  const reasoning = count(output?.['reasoning']);
  let outputTotal: number | undefined = isCount(output?.['total']) ? output['total'] : undefined;
  if (outputTotal === undefined && isCount(text)) outputTotal = text + reasoning;
  return reconcile({
    inputTokens: inputTotal ?? 0,
    outputTokens: outputTotal ?? 0,
    cachedInputTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: reasoning,
    complete: inputTotal !== undefined && outputTotal !== undefined,
  });
}

/**
 * `LanguageModelV2Usage` (`ai` 5): `{ inputTokens, outputTokens, totalTokens, reasoningTokens?,
 * cachedInputTokens? }`. Its meaning varies by provider (vercel/ai#8794): OpenAI's `inputTokens`
 * includes cache reads, Anthropic's does not (and reports cache writes only in
 * `providerMetadata.anthropic.cacheCreationInputTokens`); Google's `outputTokens` excludes reasoning,
 * which `totalTokens = input + output + reasoning` reveals.
 */
function fromFlat(usage: Record<string, unknown>, provider: string, providerMetadata: unknown): TokenCounts {
  const input = usage['inputTokens'];
  const output = usage['outputTokens'];
  const total = usage['totalTokens'];
  const cached = count(usage['cachedInputTokens']);
  const reasoning = count(usage['reasoningTokens']);
  const anthropic = (providerMetadata as Record<string, Bag> | undefined)?.['anthropic'];
  const isAnthropic = anthropic !== undefined || provider.startsWith('anthropic');
  const cacheWrite = count(anthropic?.['cacheCreationInputTokens']);
  const inputTokens = isAnthropic ? count(input) + cached + cacheWrite : count(input);
  const reasoningOutside =
    reasoning > 0 && isCount(total) && total === count(input) + count(output) + reasoning && isCount(output);
  return reconcile({
    inputTokens,
    outputTokens: reasoningOutside ? count(output) + reasoning : count(output),
    cachedInputTokens: cached,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: reasoning,
    complete: isCount(input) && isCount(output),
  });
}

/** Normalizes a step's usage, whichever language-model specification produced it. */
export function normalizeUsage(usage: unknown, provider: string, providerMetadata: unknown): TokenCounts {
  if (typeof usage !== 'object' || usage === null) {
    return {
      inputTokens: 0,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      complete: false,
    };
  }
  const bag = usage as Record<string, unknown>;
  const nested = typeof bag['inputTokens'] === 'object' || typeof bag['outputTokens'] === 'object';
  return nested ? fromNested(bag) : fromFlat(bag, provider, providerMetadata);
}
