// Real AI SDK result and stream-part shapes (@ai-sdk/provider 3: LanguageModelV3GenerateResult,
// LanguageModelV3StreamPart, LanguageModelV3Usage; and the V2 flat usage of @ai-sdk/provider 2).
import type {
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';

export interface NestedSpec {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
}

/** V3 usage as the providers fill it: `noCache` = total minus cache reads and writes. */
export function v3Usage(spec: NestedSpec): LanguageModelV3Usage {
  const cacheRead = spec.cacheRead ?? 0;
  const cacheWrite = spec.cacheWrite ?? 0;
  const reasoning = spec.reasoning ?? 0;
  return {
    inputTokens: {
      total: spec.input,
      noCache: spec.input - cacheRead - cacheWrite,
      cacheRead: spec.cacheRead,
      cacheWrite: spec.cacheWrite,
    },
    outputTokens: { total: spec.output, text: spec.output - reasoning, reasoning: spec.reasoning },
  };
}

export const UNKNOWN_USAGE: LanguageModelV3Usage = {
  inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};

export function textResult(
  text: string,
  usage: LanguageModelV3Usage,
  response: { id: string; modelId: string },
): LanguageModelV3GenerateResult {
  return {
    content: [{ type: 'text', text }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage,
    warnings: [],
    response: { ...response, timestamp: new Date(0) },
  };
}

export function toolCallResult(
  toolName: string,
  input: object,
  usage: LanguageModelV3Usage,
  response: { id: string; modelId: string },
): LanguageModelV3GenerateResult {
  return {
    content: [
      { type: 'tool-call', toolCallId: `call_${response.id}`, toolName, input: JSON.stringify(input) },
    ],
    finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
    usage,
    warnings: [],
    response: { ...response, timestamp: new Date(0) },
  };
}

/** The parts of a streamed text answer, up to (and with `finish`, including) the finish part. */
export function textParts(
  words: string[],
  usage: LanguageModelV3Usage | undefined,
  response: { id: string; modelId: string },
): LanguageModelV3StreamPart[] {
  const parts: LanguageModelV3StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'response-metadata', id: response.id, modelId: response.modelId, timestamp: new Date(0) },
    { type: 'text-start', id: 't0' },
    ...words.map((delta) => ({ type: 'text-delta' as const, id: 't0', delta })),
    { type: 'text-end', id: 't0' },
  ];
  if (usage) parts.push({ type: 'finish', usage, finishReason: { unified: 'stop', raw: 'stop' } });
  return parts;
}

/**
 * A stream that delivers `parts` and then stays open, as a provider's stream does while the model is still
 * thinking, until its reader cancels it or the call's `signal` aborts. An abort errors it with the signal's
 * reason, as fetch errors the body of a response whose request was aborted: that error is what ends an
 * aborted `streamText` (it only checks the signal when a part or an error comes through), so a stream that
 * ignored the abort would leave the caller waiting, with or without middleware.
 */
export function hangingStream<T>(
  parts: T[],
  signal?: AbortSignal,
): { stream: ReadableStream<T>; cancelled: Promise<unknown> } {
  let onCancel: (reason: unknown) => void = () => {};
  const cancelled = new Promise<unknown>((resolve) => {
    onCancel = resolve;
  });
  let onAbort: (() => void) | undefined;
  const stream = new ReadableStream<T>({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      if (!signal) return;
      onAbort = () => controller.error(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    },
    cancel(reason) {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      onCancel(reason);
    },
  });
  return { stream, cancelled };
}

export function streamOf<T>(parts: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}
