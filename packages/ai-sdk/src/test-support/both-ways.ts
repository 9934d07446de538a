// Many middleware tests check that a generated call and a streamed call with the same usage are
// metered alike: a mock model answering both ways with one usage, and the two calls made.
import type { LanguageModelV3, LanguageModelV3Usage, SharedV3ProviderMetadata } from '@ai-sdk/provider';
import { generateText, type LanguageModel, streamText } from 'ai';
import { mockModel } from './mock-model.js';
import { streamOf, textParts, textResult } from './parts.js';

export interface BothWaysAnswer {
  provider: string;
  modelId: string;
  /** The answer's words: generated as one text, streamed word by word. */
  words: string[];
  usage: LanguageModelV3Usage;
  /** The response ids of the generated and of the streamed answer. */
  ids: [generated: string, streamed: string];
  /** Sent with the generated result and with the stream's finish part. */
  providerMetadata?: SharedV3ProviderMetadata;
}

/** A mock model that answers `doGenerate` and `doStream` with the same words, usage and metadata. */
export function answeringBothWays(answer: BothWaysAnswer): LanguageModelV3 {
  const [generatedId, streamedId] = answer.ids;
  const metadata = answer.providerMetadata ? { providerMetadata: answer.providerMetadata } : {};
  const parts = textParts(answer.words, answer.usage, { id: streamedId, modelId: answer.modelId });
  const finish = parts.at(-1);
  if (finish?.type === 'finish') Object.assign(finish, metadata);
  return mockModel({
    provider: answer.provider,
    modelId: answer.modelId,
    doGenerate: {
      ...textResult(answer.words.join(''), answer.usage, { id: generatedId, modelId: answer.modelId }),
      ...metadata,
    },
    doStream: { stream: streamOf(parts) },
  });
}

/** One `generateText` call, then one `streamText` call read to its end, through `model`. */
export async function generateThenStream(model: LanguageModel, prompt: string): Promise<void> {
  await generateText({ model, prompt });
  await streamText({ model, prompt }).consumeStream();
}
