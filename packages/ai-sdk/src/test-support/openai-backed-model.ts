// An AI SDK language model backed by a real `openai` client, mapping Chat Completions to V3 results
// and stream parts the way @ai-sdk/openai's chat model does (response id and model from the
// completion, usage from `usage` / the trailing usage chunk). The stream is pulled lazily from the
// consumer's reads, the hardest case for scoping: the openai iteration runs on the consumer's path.
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type OpenAI from 'openai';
import { mockModel } from './mock-model.js';

function toUsage(usage: OpenAI.Completions.CompletionUsage | null | undefined): LanguageModelV3Usage {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? undefined;
  const reasoning = usage?.completion_tokens_details?.reasoning_tokens ?? undefined;
  return {
    inputTokens: {
      total: usage?.prompt_tokens,
      noCache: usage ? usage.prompt_tokens - (cached ?? 0) : undefined,
      cacheRead: cached,
      cacheWrite: undefined,
    },
    outputTokens: {
      total: usage?.completion_tokens,
      text: usage ? usage.completion_tokens - (reasoning ?? 0) : undefined,
      reasoning,
    },
  };
}

function userText(prompt: LanguageModelV3CallOptions['prompt']): string {
  const last = prompt.at(-1);
  if (last?.role !== 'user') return '';
  return last.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

export function openAIBackedModel(client: OpenAI, modelId: string): LanguageModelV3 {
  return mockModel({
    provider: 'openai.chat',
    modelId,
    doGenerate: async ({ prompt, abortSignal }) => {
      const completion = await client.chat.completions.create(
        { model: modelId, messages: [{ role: 'user', content: userText(prompt) }] },
        { signal: abortSignal },
      );
      return {
        content: [{ type: 'text', text: completion.choices[0]?.message.content ?? '' }],
        finishReason: { unified: 'stop', raw: completion.choices[0]?.finish_reason ?? undefined },
        usage: toUsage(completion.usage),
        warnings: [],
        response: {
          id: completion.id,
          modelId: completion.model,
          timestamp: new Date(completion.created * 1000),
        },
      };
    },
    doStream: async ({ prompt, abortSignal }) => {
      const stream = await client.chat.completions.create(
        { model: modelId, messages: [{ role: 'user', content: userText(prompt) }], stream: true },
        { signal: abortSignal },
      );
      const iterator = stream[Symbol.asyncIterator]();
      let usage: OpenAI.Completions.CompletionUsage | null | undefined;
      let started = false;
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            controller.enqueue({ type: 'stream-start', warnings: [] });
          },
          // Each pull enqueues at least one part (a pull that enqueues nothing is never repeated).
          async pull(controller) {
            for (;;) {
              const next = await iterator.next();
              if (next.done) {
                if (started) controller.enqueue({ type: 'text-end', id: 't' });
                controller.enqueue({
                  type: 'finish',
                  usage: toUsage(usage),
                  finishReason: { unified: 'stop', raw: 'stop' },
                });
                controller.close();
                return;
              }
              const chunk = next.value;
              if (chunk.usage) usage = chunk.usage;
              let enqueued = false;
              if (!started && chunk.choices.length > 0) {
                started = true;
                enqueued = true;
                controller.enqueue({ type: 'response-metadata', id: chunk.id, modelId: chunk.model });
                controller.enqueue({ type: 'text-start', id: 't' });
              }
              const delta = chunk.choices[0]?.delta.content;
              if (delta) {
                enqueued = true;
                controller.enqueue({ type: 'text-delta', id: 't', delta });
              }
              if (enqueued) return;
            }
          },
          async cancel() {
            await iterator.return?.();
          },
        }),
      };
    },
  });
}
