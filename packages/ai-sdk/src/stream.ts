import { failureOf, type LayerScope } from '@agentmeter/sdk/integration';
import type { MeteredStep } from './call.js';

interface ObservingTransformer<T> {
  transform(part: T, controller: TransformStreamDefaultController<T>): void;
  flush(): void;
  cancel(reason: unknown): void;
}

/** The stream parts the middleware reads (V2, V3 and V4 share these). Every other part passes untouched. */
type Part = { type: string } & Record<string, unknown>;

// Parts that carry no model output.
const NOT_CONTENT = new Set(['stream-start', 'response-metadata', 'raw', 'error', 'finish']);

function isAbort(reason: unknown): boolean {
  const name = (reason as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/**
 * Watches a model step's stream without changing it and meters the step exactly once: at the
 * `finish` part's usage when the stream ends, or with what is known when it is cancelled, aborted
 * (the call's `abortSignal`) or broken off. A stream that fails before any output is a provider
 * error, metered only with `meterErrors` (`MeteredStep.fail()`).
 */
export function observeStream<T>(step: MeteredStep, scope: LayerScope, signal: AbortSignal | undefined) {
  let usage: unknown;
  let providerMetadata: unknown;
  let responseId: string | undefined;
  let responseModel: string | undefined;
  let finished = false;
  let content = false;
  let failure: unknown;
  let settled = false;

  const settle = (how: 'ended' | 'aborted' | 'cancelled' | 'failed') => {
    if (settled) return;
    settled = true;
    signal?.removeEventListener('abort', onAbort);
    const failed = how === 'failed' || failure !== undefined;
    if (!finished && !content && failed) {
      step.fail(failure, scope, true);
      return;
    }
    let errorType: string | undefined;
    if (!finished) {
      // A caller that stops reading (`break`, `cancel()`) is no error: incomplete, with no error
      // type, as every integration meters a stream left early.
      if (how === 'ended') errorType = 'no_finish';
      else if (how === 'failed') errorType = failureOf(failure).errorType;
      else if (how === 'aborted') errorType = 'aborted';
    } else if (failure !== undefined) {
      // An error part before the `finish` part (a provider's mid-stream error event): the step
      // broke off, typed as that error.
      errorType = failureOf(failure).errorType;
    }
    const outcome: Parameters<MeteredStep['finish']>[0] = { usage, providerMetadata, scope };
    if (errorType) outcome.errorType = errorType;
    if (how === 'cancelled' && !finished) outcome.stopped = true;
    if (responseId) outcome.responseId = responseId;
    if (responseModel) outcome.responseModel = responseModel;
    step.finish(outcome);
  };
  const onAbort = () => settle('aborted');
  if (signal?.aborted) settle('aborted');
  else signal?.addEventListener('abort', onAbort, { once: true });

  const observe = (part: Part) => {
    switch (part.type) {
      case 'response-metadata':
        if (typeof part['id'] === 'string') responseId = part['id'];
        if (typeof part['modelId'] === 'string') responseModel = part['modelId'];
        break;
      case 'finish':
        finished = true;
        usage = part['usage'];
        providerMetadata = part['providerMetadata'];
        break;
      case 'error':
        failure = part['error'] ?? 'error';
        break;
      default:
        if (!NOT_CONTENT.has(part.type)) content = true;
    }
  };

  // `cancel` (WHATWG Streams, Node 20.14+; missing from @types/node 20's Transformer) tells a
  // consumer's cancel and a source error apart from a normal end.
  const transformer: ObservingTransformer<T> = {
    transform(part, controller) {
      controller.enqueue(part);
      try {
        observe(part as Part);
      } catch {
        // Observing must never break the caller's stream.
      }
    },
    flush() {
      settle('ended');
    },
    // Called when the consumer cancels and when the source stream errors.
    cancel(reason) {
      if (isAbort(reason)) settle('aborted');
      else if (reason instanceof Error) {
        failure ??= reason;
        settle('failed');
      } else settle('cancelled');
    },
  };
  return new TransformStream<T, T>(transformer);
}
