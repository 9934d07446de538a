// A real BaseChatModel that calls a real `openai` client and builds its messages the way
// @langchain/openai's Chat Completions path does (libs/providers/langchain-openai/src/chat_models/
// completions.ts and converters/completions.ts): message id = completion id, `usage_metadata` with
// `input_token_details.cache_read` and `output_token_details.reasoning`, `llmOutput.tokenUsage`, the
// whole call's usage on every choice when `n > 1`, a trailing usage-only chunk when streaming, and
// `llmOutput.estimatedTokenUsage` (never real usage) when `streaming: true` goes through `_generate`.
// @langchain/openai itself needs Node 22; this keeps its shapes on Node 20.
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { BaseChatModel, type BaseChatModelParams } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage, type UsageMetadata } from '@langchain/core/messages';
import { type ChatGeneration, ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type OpenAI from 'openai';

export interface OpenAIShapedChatModelFields extends BaseChatModelParams {
  client: OpenAI;
  model: string;
  n?: number;
  /** `_generate` streams and reports `estimatedTokenUsage` (as @langchain/openai does). */
  streaming?: boolean;
}

type Usage = OpenAI.Completions.CompletionUsage;

function toUsageMetadata(usage: Usage): UsageMetadata {
  const metadata: UsageMetadata = {
    input_tokens: usage.prompt_tokens,
    output_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
  };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (cached != null) metadata.input_token_details = { cache_read: cached };
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (reasoning != null) metadata.output_token_details = { reasoning };
  return metadata;
}

function toOpenAIMessages(messages: BaseMessage[]): OpenAI.Chat.ChatCompletionMessageParam[] {
  return messages.map((message) => {
    const content = typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
    const type = message.getType();
    if (type === 'ai') return { role: 'assistant', content };
    if (type === 'system') return { role: 'system', content };
    return { role: 'user', content };
  });
}

export class OpenAIShapedChatModel extends BaseChatModel {
  client: OpenAI;
  model: string;
  n: number | undefined;
  streaming: boolean;

  constructor(fields: OpenAIShapedChatModelFields) {
    super(fields);
    this.client = fields.client;
    this.model = fields.model;
    this.n = fields.n;
    this.streaming = fields.streaming ?? false;
  }

  _llmType(): string {
    return 'openai';
  }

  override getLsParams(options: this['ParsedCallOptions']) {
    return {
      ls_provider: 'openai',
      ls_model_name: this.model,
      ls_model_type: 'chat' as const,
      ls_stop: options.stop,
    };
  }

  override invocationParams() {
    return { model: this.model, n: this.n, stream: this.streaming };
  }

  async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    if (this.streaming) {
      const byIndex = new Map<number, ChatGenerationChunk>();
      for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
        const index = (chunk.generationInfo?.['completion'] as number | undefined) ?? 0;
        const previous = byIndex.get(index);
        byIndex.set(index, previous ? previous.concat(chunk) : chunk);
      }
      const generations = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, chunk]) => chunk);
      // @langchain/openai reports a tiktoken estimate here; an estimate must never be billed.
      return {
        generations,
        llmOutput: { estimatedTokenUsage: { promptTokens: 999, completionTokens: 999, totalTokens: 1998 } },
      };
    }
    const data = await this.client.chat.completions.create(
      { model: this.model, messages: toOpenAIMessages(messages), n: this.n, stream: false },
      { signal: options.signal },
    );
    const usageMetadata = data.usage ? toUsageMetadata(data.usage) : undefined;
    const generations: ChatGeneration[] = data.choices.map((choice) => ({
      text: choice.message.content ?? '',
      message: new AIMessage({
        content: choice.message.content ?? '',
        id: data.id,
        response_metadata: { model_provider: 'openai', model_name: data.model, usage: { ...data.usage } },
        usage_metadata: usageMetadata,
      }),
      generationInfo: { finish_reason: choice.finish_reason },
    }));
    return {
      generations,
      llmOutput: {
        tokenUsage: {
          promptTokens: usageMetadata?.input_tokens,
          completionTokens: usageMetadata?.output_tokens,
          totalTokens: usageMetadata?.total_tokens,
        },
      },
    };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const stream = await this.client.chat.completions.create(
      {
        model: this.model,
        messages: toOpenAIMessages(messages),
        n: this.n,
        stream: true,
        stream_options: { include_usage: true },
      },
      { signal: options.signal },
    );
    let usage: Usage | undefined;
    for await (const data of stream) {
      if (data.usage) usage = data.usage;
      const choice = data.choices[0];
      if (!choice) continue;
      const indices = { prompt: 0, completion: choice.index };
      const chunk = new ChatGenerationChunk({
        message: new AIMessageChunk({
          content: choice.delta.content ?? '',
          id: data.id,
          response_metadata: { model_provider: 'openai' },
        }),
        text: choice.delta.content ?? '',
        generationInfo: choice.finish_reason
          ? { ...indices, finish_reason: choice.finish_reason, model_name: data.model }
          : indices,
      });
      yield chunk;
      await runManager?.handleLLMNewToken(chunk.text, indices, undefined, undefined, undefined, { chunk });
    }
    if (usage) {
      const chunk = new ChatGenerationChunk({
        message: new AIMessageChunk({
          content: '',
          response_metadata: { usage: { ...usage } },
          usage_metadata: toUsageMetadata(usage),
        }),
        text: '',
      });
      yield chunk;
      await runManager?.handleLLMNewToken('', { prompt: 0, completion: 0 }, undefined, undefined, undefined, {
        chunk,
      });
    }
  }
}
