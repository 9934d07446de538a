// A mock language model for the line of `ai` installed: `MockLanguageModelV3` where `ai/test` has it (ai 6
// and 7), else `MockLanguageModelV2` (ai 5). Tests describe results and stream parts in V3's shapes (see
// parts.ts); on a V2 line they reach the model converted as the V2 providers reported them, so the same test
// checks what the middleware sees from that line's providers:
// - usage is flat; OpenAI-style `inputTokens` includes the cache reads, while Anthropic's (as
//   @ai-sdk/anthropic 2 reports it) leaves cache reads and writes out, the writes appearing only in
//   `providerMetadata.anthropic`, next to Anthropic's own usage object; Google's `outputTokens` leaves
//   the reasoning out (its `totalTokens` does not);
// - V3's `usage.raw` has no V2 counterpart and is dropped;
// - the finish reason is a plain string.
import type {
  JSONObject,
  LanguageModelV2,
  LanguageModelV2StreamPart,
  LanguageModelV2Usage,
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
  SharedV3ProviderMetadata,
} from '@ai-sdk/provider';
import * as aiTest from 'ai/test';

type Generate =
  | LanguageModelV3GenerateResult
  | LanguageModelV3GenerateResult[]
  | ((options: LanguageModelV3CallOptions) => PromiseLike<LanguageModelV3GenerateResult>);
type Stream =
  | LanguageModelV3StreamResult
  | LanguageModelV3StreamResult[]
  | ((options: LanguageModelV3CallOptions) => PromiseLike<LanguageModelV3StreamResult>);

export interface MockModelSettings {
  provider?: string;
  modelId?: string;
  doGenerate?: Generate;
  doStream?: Stream;
}

type MockClass<Model> = new (settings: {
  provider?: string;
  modelId?: string;
  doGenerate?: unknown;
  doStream?: unknown;
}) => Model;

const mocks = aiTest as unknown as Record<string, MockClass<LanguageModelV3 | LanguageModelV2> | undefined>;
const V3 = mocks['MockLanguageModelV3'] as MockClass<LanguageModelV3> | undefined;
const V2 = mocks['MockLanguageModelV2'] as MockClass<LanguageModelV2> | undefined;

/** The specification of the models `mockModel` makes: what the installed `ai` line's own mocks implement. */
export const MOCK_SPECIFICATION: 'v2' | 'v3' = V3 ? 'v3' : 'v2';

/**
 * Whether the installed line's models hand middleware the provider's own usage object (`usage.raw`, from
 * the V3 specification on). V2 models (ai 5) have no such field.
 */
export const RAW_USAGE = MOCK_SPECIFICATION !== 'v2';

const isAnthropic = (provider: string) => provider.startsWith('anthropic');
const isGoogle = (provider: string) => provider.startsWith('google');

/**
 * V3 usage as a V2 provider of the same kind reported it: @ai-sdk/anthropic 2 leaves the cache out of the
 * input; @ai-sdk/google 2 leaves the reasoning out of the output, not out of its total.
 */
export function toV2Usage(provider: string, usage: LanguageModelV3Usage): LanguageModelV2Usage {
  const { total: input, cacheRead, cacheWrite } = usage.inputTokens;
  const { total: output, reasoning } = usage.outputTokens;
  const inputTokens =
    input !== undefined && isAnthropic(provider) ? input - (cacheRead ?? 0) - (cacheWrite ?? 0) : input;
  const outputTokens = output !== undefined && isGoogle(provider) ? output - (reasoning ?? 0) : output;
  return {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens !== undefined && output !== undefined ? inputTokens + output : undefined,
    ...(reasoning !== undefined ? { reasoningTokens: reasoning } : {}),
    ...(cacheRead !== undefined ? { cachedInputTokens: cacheRead } : {}),
  };
}

/**
 * The provider metadata a V2 provider sent with that usage: @ai-sdk/anthropic 2 adds Anthropic's own usage
 * object and `cacheCreationInputTokens` (where the test gave none of its own).
 */
function toV2Metadata(
  provider: string,
  usage: LanguageModelV3Usage,
  metadata: SharedV3ProviderMetadata | undefined,
): SharedV3ProviderMetadata | undefined {
  if (!isAnthropic(provider) || metadata?.['anthropic'] || usage.inputTokens.total === undefined) {
    return metadata;
  }
  const { total, cacheRead = 0, cacheWrite = 0 } = usage.inputTokens;
  const anthropic: JSONObject = {
    usage: {
      input_tokens: total - cacheRead - cacheWrite,
      output_tokens: usage.outputTokens.total ?? 0,
      cache_creation_input_tokens: cacheWrite,
      cache_read_input_tokens: cacheRead,
    },
    cacheCreationInputTokens: cacheWrite,
  };
  return { ...metadata, anthropic };
}

function toV2Result(provider: string, result: LanguageModelV3GenerateResult) {
  const { finishReason, usage, providerMetadata, ...rest } = result;
  const metadata = toV2Metadata(provider, usage, providerMetadata);
  return {
    ...rest,
    finishReason: finishReason.unified,
    usage: toV2Usage(provider, usage),
    ...(metadata ? { providerMetadata: metadata } : {}),
  };
}

function toV2Stream(provider: string, stream: ReadableStream<LanguageModelV3StreamPart>) {
  return stream.pipeThrough(
    new TransformStream<LanguageModelV3StreamPart, LanguageModelV2StreamPart>({
      transform(part, controller) {
        if (part.type !== 'finish') {
          controller.enqueue(part as LanguageModelV2StreamPart);
          return;
        }
        const metadata = toV2Metadata(provider, part.usage, part.providerMetadata);
        controller.enqueue({
          type: 'finish',
          finishReason: part.finishReason.unified,
          usage: toV2Usage(provider, part.usage),
          ...(metadata ? { providerMetadata: metadata } : {}),
        } as LanguageModelV2StreamPart);
      },
    }),
  );
}

/** One call's answer, as ai's own mocks give it: a function's, the next of a list, or the single one. */
function answerer<Result>(
  answer: Result | Result[] | ((options: LanguageModelV3CallOptions) => PromiseLike<Result>) | undefined,
  what: string,
) {
  let calls = 0;
  return async (options: LanguageModelV3CallOptions): Promise<Result> => {
    if (answer === undefined) throw new Error(`the mock model has no ${what}`);
    if (typeof answer === 'function')
      return (answer as (options: LanguageModelV3CallOptions) => PromiseLike<Result>)(options);
    if (!Array.isArray(answer)) return answer;
    const result = answer[calls++];
    if (result === undefined) throw new Error(`the mock model has no ${what} answer for call ${calls}`);
    return result;
  };
}

/**
 * A mock model of the installed line, typed as a V3 model: the root's `ai` (6) types every test, and
 * `wrapLanguageModel` / `generateText` take a V2 model as well at run time on ai 5.
 */
export function mockModel(settings: MockModelSettings = {}): LanguageModelV3 {
  if (V3) return new V3(settings);
  if (!V2) throw new Error('ai/test has neither MockLanguageModelV3 nor MockLanguageModelV2');
  const provider = settings.provider ?? 'mock-provider';
  const generate = answerer(settings.doGenerate, 'doGenerate');
  const stream = answerer(settings.doStream, 'doStream');
  const model = new V2({
    provider,
    modelId: settings.modelId ?? 'mock-model-id',
    doGenerate: async (options: LanguageModelV3CallOptions) => toV2Result(provider, await generate(options)),
    doStream: async (options: LanguageModelV3CallOptions) => {
      const result = await stream(options);
      return { ...result, stream: toV2Stream(provider, result.stream) };
    },
  });
  return model as unknown as LanguageModelV3;
}
