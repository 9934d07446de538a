// Chat Completions: the finished completion, the streamed chunks, and the `include_usage` request.
import { TextCollector, truncate } from './content.js';
import type { CallOutcome } from './metered-call.js';
import { chatCounts, hasUsage, stringField } from './normalize.js';
import type { StreamObserver } from './wrap-stream.js';

interface ChatBody {
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
}

/**
 * The request body to send for a streamed chat completion: with `stream_options.include_usage` set
 * when the caller did not set it (then `injected` is true and the usage-only chunk is hidden).
 * The caller's object is never changed.
 */
export function withStreamUsage<B>(body: B): { body: B; injected: boolean } {
  const chat = body as ChatBody;
  if (chat.stream_options?.include_usage === true) return { body, injected: false };
  return {
    body: { ...body, stream_options: { ...chat.stream_options, include_usage: true } },
    injected: true,
  };
}

function firstChoice(value: unknown): Record<string, unknown> | undefined {
  const choices = (value as { choices?: unknown } | null)?.choices;
  const first = Array.isArray(choices) ? choices[0] : undefined;
  return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined;
}

/** A finished `ChatCompletion` (or legacy `Completion`). */
export function chatOutcome(completion: unknown, captureContent: boolean): CallOutcome {
  const usage = (completion as { usage?: unknown } | null)?.usage;
  const outcome: CallOutcome = {
    counts: chatCounts(usage),
    complete: hasUsage(usage, 'prompt_tokens'),
    responseId: stringField(completion, 'id'),
    responseModel: stringField(completion, 'model'),
  };
  if (captureContent) {
    const choice = firstChoice(completion);
    const content = stringField(choice?.['message'], 'content') ?? stringField(choice, 'text');
    if (content !== undefined) outcome.outputText = truncate(content);
  }
  return outcome;
}

/** Watches `ChatCompletionChunk`s (and legacy `Completion` chunks): ids, model, the usage chunk (hidden when the wrapper asked for it). */
export class ChatStreamObserver implements StreamObserver<unknown> {
  readonly #hideUsageChunk: boolean;
  readonly #text: TextCollector | undefined;
  #id: string | undefined;
  #model: string | undefined;
  #usage: unknown;

  constructor(hideUsageChunk: boolean, captureContent: boolean) {
    this.#hideUsageChunk = hideUsageChunk;
    this.#text = captureContent ? new TextCollector() : undefined;
  }

  observe(chunk: unknown): boolean {
    if (typeof chunk !== 'object' || chunk === null) return false;
    const record = chunk as { id?: unknown; model?: unknown; usage?: unknown; choices?: unknown };
    this.#id ??= stringField(record, 'id');
    this.#model ??= stringField(record, 'model');
    if (this.#text) {
      const choice = firstChoice(record);
      this.#text.add((choice?.['delta'] as { content?: unknown } | undefined)?.content ?? choice?.['text']);
    }
    if (record.usage === null || record.usage === undefined) return false;
    this.#usage = record.usage;
    return this.#hideUsageChunk && Array.isArray(record.choices) && record.choices.length === 0;
  }

  outcome(): CallOutcome {
    return {
      counts: chatCounts(this.#usage),
      complete: hasUsage(this.#usage, 'prompt_tokens'),
      responseId: this.#id,
      responseModel: this.#model,
      outputText: this.#text?.text,
    };
  }
}
