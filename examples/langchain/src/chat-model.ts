// A minimal LangChain chat model over the real `openai` client, standing in for `ChatOpenAI`
// (@langchain/openai needs Node 22). It reports usage the way @langchain/openai does: the completion
// id as the message id, `usage_metadata` with cache reads and reasoning tokens, and a trailing
// usage-only chunk when streaming. With `ChatOpenAI` the handler is attached exactly the same way.
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { BaseChatModel, type BaseChatModelParams } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage, type UsageMetadata } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type OpenAI from 'openai';

function usageMetadata(usage: OpenAI.Completions.CompletionUsage): UsageMetadata {
  return {
    input_tokens: usage.prompt_tokens,
    output_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
    input_token_details: { cache_read: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_token_details: { reasoning: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
  };
}

function toMessages(messages: BaseMessage[]): OpenAI.Chat.ChatCompletionMessageParam[] {
  return messages.map((message) => ({
    role: message.getType() === 'ai' ? 'assistant' : message.getType() === 'system' ? 'system' : 'user',
    content: typeof message.content === 'string' ? message.content : JSON.stringify(message.content),
  })) as OpenAI.Chat.ChatCompletionMessageParam[];
}

export class ExampleChatOpenAI extends BaseChatModel {
  readonly client: OpenAI;
  readonly model: string;

  constructor(fields: BaseChatModelParams & { client: OpenAI; model: string }) {
    super(fields);
    this.client = fields.client;
    this.model = fields.model;
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

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const completion = await this.client.chat.completions.create(
      { model: this.model, messages: toMessages(messages) },
      { signal: options.signal },
    );
    const text = completion.choices[0]?.message.content ?? '';
    const message = new AIMessage({
      content: text,
      id: completion.id,
      response_metadata: { model_provider: 'openai', model_name: completion.model },
      ...(completion.usage ? { usage_metadata: usageMetadata(completion.usage) } : {}),
    });
    return { generations: [{ text, message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const stream = await this.client.chat.completions.create(
      {
        model: this.model,
        messages: toMessages(messages),
        stream: true,
        stream_options: { include_usage: true },
      },
      { signal: options.signal },
    );
    for await (const data of stream) {
      const delta = data.choices[0]?.delta.content;
      const message = new AIMessageChunk({
        content: delta ?? '',
        id: data.id,
        // Once, on the last chunk: LangChain concatenates string metadata across chunks.
        ...(data.usage
          ? { usage_metadata: usageMetadata(data.usage), response_metadata: { model_name: data.model } }
          : {}),
      });
      if (!delta && !data.usage) continue;
      const chunk = new ChatGenerationChunk({ message, text: delta ?? '' });
      yield chunk;
      await runManager?.handleLLMNewToken(chunk.text, undefined, undefined, undefined, undefined, { chunk });
    }
  }
}
