// Responses API: a finished `Response`, and the streamed events whose terminal one carries usage.
import { TextCollector, truncate } from './content.js';
import type { CallOutcome } from './metered-call.js';
import { hasUsage, isMissing, responsesCounts, stringField } from './normalize.js';
import type { StreamObserver } from './wrap-stream.js';

/** Statuses after which a response's usage is final. */
const TERMINAL = new Set(['completed', 'incomplete', 'failed', 'cancelled']);
/** Stream events carrying the final `Response` (with its usage). */
const TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

interface ResponseShape {
  id?: unknown;
  model?: unknown;
  status?: unknown;
  usage?: unknown;
  error?: { code?: unknown } | null;
  output_text?: unknown;
}

/** True when a `Response` is still running (background mode): its usage is not known yet. */
export function isPendingResponse(response: unknown): boolean {
  const status = (response as ResponseShape | null)?.status;
  return (
    typeof status === 'string' &&
    !TERMINAL.has(status) &&
    !hasUsage((response as ResponseShape).usage, 'input_tokens')
  );
}

function failureType(response: ResponseShape | null | undefined): string | undefined {
  if (response?.status !== 'failed') return undefined;
  return stringField(response.error, 'code') ?? 'response_failed';
}

/** A `Response` in a terminal state (completed, incomplete, failed or cancelled). */
export function responseOutcome(response: unknown, captureContent: boolean): CallOutcome {
  const shape = response as ResponseShape | null;
  const outcome: CallOutcome = {
    counts: responsesCounts(shape?.usage),
    complete: hasUsage(shape?.usage, 'input_tokens'),
    usageMissing: isMissing(shape?.usage),
    responseId: stringField(shape, 'id'),
    responseModel: stringField(shape, 'model'),
    errorType: failureType(shape),
  };
  if (captureContent && typeof shape?.output_text === 'string' && shape.output_text.length > 0) {
    outcome.outputText = truncate(shape.output_text);
  }
  return outcome;
}

/** Watches `ResponseStreamEvent`s; hides nothing. */
export class ResponsesStreamObserver implements StreamObserver<unknown> {
  readonly #text: TextCollector | undefined;
  #response: ResponseShape | undefined;
  #final: ResponseShape | undefined;
  #errorType: string | undefined;

  constructor(captureContent: boolean) {
    this.#text = captureContent ? new TextCollector() : undefined;
  }

  observe(event: unknown): boolean {
    if (typeof event !== 'object' || event === null) return false;
    const { type, response, delta, code } = event as {
      type?: unknown;
      response?: ResponseShape;
      delta?: unknown;
      code?: unknown;
    };
    if (typeof type !== 'string') return false;
    if (typeof response === 'object' && response !== null) {
      this.#response = response;
      if (TERMINAL_EVENTS.has(type)) this.#final = response;
    } else if (type === 'response.output_text.delta') {
      this.#text?.add(delta);
    } else if (type === 'error') {
      this.#errorType = typeof code === 'string' && code.length > 0 ? code : 'error';
    }
    return false;
  }

  outcome(): CallOutcome {
    const latest = this.#final ?? this.#response;
    return {
      counts: responsesCounts(this.#final?.usage),
      complete: hasUsage(this.#final?.usage, 'input_tokens'),
      usageMissing: isMissing(this.#final?.usage),
      responseId: stringField(latest, 'id'),
      responseModel: stringField(latest, 'model'),
      errorType: failureType(this.#final) ?? this.#errorType,
      outputText: this.#text?.text,
    };
  }
}
