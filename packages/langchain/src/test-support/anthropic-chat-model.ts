// A real BaseChatModel that answers from scripted Anthropic Messages API objects and builds its
// messages the way @langchain/anthropic does (libs/providers/langchain-anthropic/src/utils/
// message_outputs.ts): `input_tokens` = input + cache_creation + cache_read with both in
// `input_token_details`; when streaming, `message_start` carries that usage (and its `output_tokens`)
// and `message_delta` carries `{ input_tokens: 0, output_tokens }`; LangChain adds the two up.
// `response_metadata.usage` is Anthropic's own usage: the whole message's, or, streamed, the
// `message_start` usage without its input and output counts (`message_delta`'s usage is not kept).
// `llmOutput` is the raw response minus content (no `tokenUsage`).
import type { Messages } from '@anthropic-ai/sdk/resources/messages';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { BaseChatModel, type BaseChatModelParams } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage, type UsageMetadata } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';

type Message = Messages.Message;
type StreamEvent = Messages.RawMessageStreamEvent;
type Usage = Pick<Messages.Usage, 'input_tokens' | 'output_tokens'> & {
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation?: Messages.CacheCreation | null;
  server_tool_use?: Messages.ServerToolUsage | null;
};

/** One scripted answer: a whole message, a stream of events (optionally cut off), or a failure. */
export type AnthropicScript =
  | { message: Message }
  | { events: StreamEvent[]; thenFail?: Error }
  | { error: Error };

export interface AnthropicShapedChatModelFields extends BaseChatModelParams {
  model: string;
  script: (prompt: string) => AnthropicScript;
}

function buildUsageMetadata(usage: Usage): UsageMetadata {
  const cacheCreation = usage.cache_creation_input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const input = usage.input_tokens + cacheCreation + cacheRead;
  return {
    input_tokens: input,
    output_tokens: usage.output_tokens,
    total_tokens: input + usage.output_tokens,
    input_token_details: { cache_creation: cacheCreation, cache_read: cacheRead },
  };
}

export function anthropicMessage(id: string, model: string, text: string, usage: Usage): Message {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text, citations: null }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens ?? null,
      cache_read_input_tokens: usage.cache_read_input_tokens ?? null,
      cache_creation: usage.cache_creation ?? null,
      server_tool_use: usage.server_tool_use ?? null,
      service_tier: 'standard',
    },
  } as Message;
}

/**
 * `message_start` (input usage, `output_tokens: 1`, no web searches yet), text deltas, and optionally
 * the closing `message_delta` (the final output and web-search counts).
 */
export function anthropicEvents(message: Message, words: string[], finished = true): StreamEvent[] {
  const searches = message.usage.server_tool_use;
  const startUsage = {
    ...message.usage,
    output_tokens: 1,
    server_tool_use: searches ? { ...searches, web_search_requests: 0 } : searches,
  };
  const events: StreamEvent[] = [
    {
      type: 'message_start',
      message: { ...message, content: [], stop_reason: null, usage: startUsage },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } },
    ...words.map((word) => ({
      type: 'content_block_delta' as const,
      index: 0,
      delta: { type: 'text_delta' as const, text: word },
    })),
  ];
  if (!finished) return events;
  events.push(
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: message.usage.output_tokens, server_tool_use: searches },
    } as StreamEvent,
    { type: 'message_stop' },
  );
  return events;
}

function promptText(messages: BaseMessage[]): string {
  const content = messages.at(-1)?.content;
  return typeof content === 'string' ? content : '';
}

function chunkOf(event: StreamEvent): AIMessageChunk | undefined {
  if (event.type === 'message_start') {
    const { content: _content, usage, ...rest } = event.message;
    const { input_tokens: _input, output_tokens: _output, ...usageRest } = usage;
    return new AIMessageChunk({
      content: '',
      id: event.message.id,
      usage_metadata: buildUsageMetadata(usage),
      response_metadata: { model_provider: 'anthropic', model: rest.model, usage: usageRest },
    });
  }
  if (event.type === 'message_delta') {
    const output = event.usage.output_tokens;
    return new AIMessageChunk({
      content: '',
      usage_metadata: { input_tokens: 0, output_tokens: output, total_tokens: output },
    });
  }
  if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
    return new AIMessageChunk({ content: event.delta.text });
  }
  return undefined;
}

export class AnthropicShapedChatModel extends BaseChatModel {
  model: string;
  script: (prompt: string) => AnthropicScript;

  constructor(fields: AnthropicShapedChatModelFields) {
    super(fields);
    this.model = fields.model;
    this.script = fields.script;
  }

  _llmType(): string {
    return 'anthropic';
  }

  override getLsParams(options: this['ParsedCallOptions']) {
    return {
      ls_provider: 'anthropic',
      ls_model_name: this.model,
      ls_model_type: 'chat' as const,
      ls_stop: options.stop,
    };
  }

  override invocationParams() {
    return { model: this.model };
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    options.signal?.throwIfAborted();
    const script = this.script(promptText(messages));
    if ('error' in script) throw script.error;
    if (!('message' in script)) throw new Error('This script is a stream; call stream().');
    const { content, ...rest } = script.message;
    const text = content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    const message = new AIMessage({
      content: text,
      id: rest.id,
      usage_metadata: buildUsageMetadata(rest.usage),
      response_metadata: { ...rest, model_provider: 'anthropic' },
    });
    const { role: _role, type: _type, ...llmOutput } = rest;
    return { generations: [{ text, message }], llmOutput };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const script = this.script(promptText(messages));
    if ('error' in script) throw script.error;
    if (!('events' in script)) throw new Error('This script is a whole message; call invoke().');
    for (const event of script.events) {
      // What @langchain/anthropic does when the caller aborts mid-stream.
      if (options.signal?.aborted) throw new Error('AbortError: User aborted the request.');
      const message = chunkOf(event);
      if (!message) continue;
      const text = typeof message.content === 'string' ? message.content : '';
      const chunk = new ChatGenerationChunk({ message, text });
      yield chunk;
      await runManager?.handleLLMNewToken(text, undefined, undefined, undefined, undefined, { chunk });
    }
    if (script.thenFail) throw script.thenFail;
  }
}
