// A LanguageModelV2 (ai 5's specification) written out by hand, for tests that drive one through ai 6,
// which types its calls for V3 models only but runs a V2 model it is given without converting it.
import type {
  LanguageModelV2,
  LanguageModelV2StreamPart,
  LanguageModelV2Usage,
  LanguageModelV3,
  SharedV2ProviderMetadata,
} from '@ai-sdk/provider';
import { streamOf } from './parts.js';

export interface V2Answer {
  /** The response ids of the generated and of the streamed answer. */
  ids: [generated: string, streamed: string];
  /** The model id the responses name (the model's own is `model-v2`). */
  responseModelId: string;
  /** Sent with the generated result and with the stream's finish part. */
  providerMetadata?: SharedV2ProviderMetadata | undefined;
}

/** A V2 model of `provider` that answers "ok", generated and streamed, with `usage`; typed as V3 for ai 6. */
export function v2Model(provider: string, usage: LanguageModelV2Usage, answer: V2Answer): LanguageModelV3 {
  const [generated, streamed] = answer.ids;
  const metadata = answer.providerMetadata ? { providerMetadata: answer.providerMetadata } : {};
  const model: LanguageModelV2 = {
    specificationVersion: 'v2',
    provider,
    modelId: 'model-v2',
    supportedUrls: {},
    doGenerate: async () => ({
      content: [{ type: 'text', text: 'ok' }],
      finishReason: 'stop',
      usage,
      warnings: [],
      response: { id: generated, modelId: answer.responseModelId },
      ...metadata,
    }),
    doStream: async () => ({
      stream: streamOf<LanguageModelV2StreamPart>([
        { type: 'stream-start', warnings: [] },
        { type: 'response-metadata', id: streamed, modelId: answer.responseModelId },
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'ok' },
        { type: 'text-end', id: 't' },
        { type: 'finish', finishReason: 'stop', usage, ...metadata },
      ]),
    }),
  };
  return model as unknown as LanguageModelV3;
}

/** Anthropic's counts as it reports them: the uncached input, then the cache reads and writes, apart. */
export interface AnthropicCache {
  input: number;
  read: number;
  write: number;
}

/**
 * The provider metadata @ai-sdk/anthropic 2 returns with a step that answered 90 tokens: Anthropic's
 * own usage object, and the cache writes apart.
 */
export function anthropicV2Metadata({ input, read, write }: AnthropicCache): SharedV2ProviderMetadata {
  return {
    anthropic: {
      usage: {
        input_tokens: input,
        output_tokens: 90,
        cache_creation_input_tokens: write,
        cache_read_input_tokens: read,
      },
      cacheCreationInputTokens: write,
      stopSequence: null,
      iterations: null,
      container: null,
      contextManagement: null,
    },
  };
}
