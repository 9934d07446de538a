// A minimal AI SDK language model (LanguageModelV3) over the real `openai` client, standing in for
// `openai('gpt-4o')` from @ai-sdk/openai so the example runs offline against a mock endpoint. It
// reports usage the way @ai-sdk/openai does: nested V3 usage with cache reads and reasoning, the
// completion id as the response id. With @ai-sdk/openai the middleware is attached the same way.
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type OpenAI from 'openai';

type Message = OpenAI.Chat.ChatCompletionMessageParam;

function toUsage(usage: OpenAI.Completions.CompletionUsage | null | undefined): LanguageModelV3Usage {
  if (!usage) {
    return {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    };
  }
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    inputTokens: {
      total: usage.prompt_tokens,
      noCache: usage.prompt_tokens - cached,
      cacheRead: cached,
      cacheWrite: undefined,
    },
    outputTokens: { total: usage.completion_tokens, text: usage.completion_tokens - reasoning, reasoning },
  };
}

function toMessages(prompt: LanguageModelV3CallOptions['prompt']): Message[] {
  return prompt.flatMap((message): Message[] => {
    if (message.role === 'system') return [{ role: 'system', content: message.content }];
    if (message.role === 'user') {
      return [
        {
          role: 'user',
          content: message.content.map((part) => (part.type === 'text' ? part.text : '')).join(''),
        },
      ];
    }
    if (message.role === 'assistant') {
      const text = message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
      const calls = message.content.flatMap((part) =>
        part.type === 'tool-call'
          ? [
              {
                id: part.toolCallId,
                type: 'function' as const,
                function: { name: part.toolName, arguments: JSON.stringify(part.input) },
              },
            ]
          : [],
      );
      return [{ role: 'assistant', content: text || null, ...(calls.length ? { tool_calls: calls } : {}) }];
    }
    return message.content.flatMap((part) =>
      part.type === 'tool-result'
        ? [{ role: 'tool' as const, tool_call_id: part.toolCallId, content: JSON.stringify(part.output) }]
        : [],
    );
  });
}

export class ExampleOpenAIChatModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'openai.chat';
  readonly supportedUrls = {};
  readonly modelId: string;
  readonly #client: OpenAI;

  constructor(client: OpenAI, modelId: string) {
    this.#client = client;
    this.modelId = modelId;
  }

  #request(options: LanguageModelV3CallOptions) {
    const tools = options.tools?.flatMap((tool) =>
      tool.type === 'function'
        ? [
            {
              type: 'function' as const,
              function: { name: tool.name, parameters: tool.inputSchema as Record<string, unknown> },
            },
          ]
        : [],
    );
    return { model: this.modelId, messages: toMessages(options.prompt), ...(tools?.length ? { tools } : {}) };
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const completion = await this.#client.chat.completions.create(this.#request(options), {
      signal: options.abortSignal,
    });
    const choice = completion.choices[0];
    const content: LanguageModelV3Content[] = [];
    if (choice?.message.content) content.push({ type: 'text', text: choice.message.content });
    for (const call of choice?.message.tool_calls ?? []) {
      if (call.type === 'function') {
        content.push({
          type: 'tool-call',
          toolCallId: call.id,
          toolName: call.function.name,
          input: call.function.arguments,
        });
      }
    }
    return {
      content,
      finishReason: {
        unified: choice?.finish_reason === 'tool_calls' ? 'tool-calls' : 'stop',
        raw: choice?.finish_reason,
      },
      usage: toUsage(completion.usage),
      warnings: [],
      response: {
        id: completion.id,
        modelId: completion.model,
        timestamp: new Date(completion.created * 1000),
      },
    };
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const stream = await this.#client.chat.completions.create(
      { ...this.#request(options), stream: true, stream_options: { include_usage: true } },
      { signal: options.abortSignal },
    );
    let usage: OpenAI.Completions.CompletionUsage | null | undefined;
    const parts = async function* (): AsyncGenerator<LanguageModelV3StreamPart> {
      yield { type: 'stream-start', warnings: [] };
      let started = false;
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage;
        if (!started) {
          started = true;
          yield { type: 'response-metadata', id: chunk.id, modelId: chunk.model };
          yield { type: 'text-start', id: 'text' };
        }
        const delta = chunk.choices[0]?.delta.content;
        if (delta) yield { type: 'text-delta', id: 'text', delta };
      }
      if (started) yield { type: 'text-end', id: 'text' };
      yield { type: 'finish', usage: toUsage(usage), finishReason: { unified: 'stop', raw: 'stop' } };
    };
    return { stream: ReadableStream.from(parts()) };
  }
}
