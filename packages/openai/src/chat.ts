// Chat Completions: the finished completion, the streamed chunks, and the `include_usage` request.
import { TextCollector, truncate } from './content.js';
import type { CallOutcome } from './metered-call.js';
import { chatCounts, hasUsage, isMissing, stringField } from './normalize.js';
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

/**
 * The usage a chunk carries: OpenAI's `usage`, else Groq's `x_groq.usage` (Groq puts a streamed
 * call's usage there, on its last chunk, when the request did not ask for `include_usage`).
 */
function chunkUsage(chunk: { usage?: unknown; x_groq?: unknown }): unknown {
  if (chunk.usage !== null && chunk.usage !== undefined) return chunk.usage;
  const groq = (chunk.x_groq as { usage?: unknown } | null | undefined)?.usage;
  return typeof groq === 'object' && groq !== null ? groq : undefined;
}

/** A finished `ChatCompletion` (or legacy `Completion`). */
export function chatOutcome(completion: unknown, captureContent: boolean): CallOutcome {
  const usage = (completion as { usage?: unknown } | null)?.usage;
  const outcome: CallOutcome = {
    counts: chatCounts(usage),
    complete: hasUsage(usage, 'prompt_tokens'),
    usageMissing: isMissing(usage),
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
  /** Hide the usage-only chunk (`choices: []`): only the wrapper asked for it, not the caller. */
  hideUsageChunk: boolean;
  readonly #text: TextCollector | undefined;
  #id: string | undefined;
  #model: string | undefined;
  #usage: unknown;

  constructor(hideUsageChunk: boolean, captureContent: boolean) {
    this.hideUsageChunk = hideUsageChunk;
    this.#text = captureContent ? new TextCollector() : undefined;
  }

  observe(chunk: unknown): boolean {
    if (typeof chunk !== 'object' || chunk === null) return false;
    const record = chunk as {
      id?: unknown;
      model?: unknown;
      usage?: unknown;
      x_groq?: unknown;
      choices?: unknown;
    };
    this.#id ??= stringField(record, 'id');
    this.#model ??= stringField(record, 'model');
    if (this.#text) {
      const choice = firstChoice(record);
      this.#text.add((choice?.['delta'] as { content?: unknown } | undefined)?.content ?? choice?.['text']);
    }
    const usage = chunkUsage(record);
    if (usage === undefined) return false;
    // Some servers repeat a running total on every chunk; the last one seen is the call's.
    this.#usage = usage;
    return (
      this.hideUsageChunk &&
      record.usage === usage &&
      Array.isArray(record.choices) &&
      record.choices.length === 0
    );
  }

  /** True once any chunk carried usage. */
  get sawUsage(): boolean {
    return this.#usage !== undefined;
  }

  outcome(): CallOutcome {
    return {
      counts: chatCounts(this.#usage),
      complete: hasUsage(this.#usage, 'prompt_tokens'),
      usageMissing: isMissing(this.#usage),
      responseId: this.#id,
      responseModel: this.#model,
      outputText: this.#text?.text,
    };
  }
}
