import {
  baseAttribution,
  type CallScope,
  failureOf,
  type NormalizedUsage,
  recordUsage,
  type UsageAttribution,
} from '@agentmeter/sdk/integration';
import { appendCompletion, promptText, TextCollector, withContent } from './content.js';
import type { MeterSettings } from './options.js';
import { UsageAccumulator } from './usage-accumulator.js';

/** The fields of a stream event this package reads (`RawMessageStreamEvent`, beta included). */
interface StreamEventLike {
  type?: unknown;
  message?: { id?: unknown; model?: unknown; usage?: unknown };
  usage?: unknown;
  delta?: { type?: unknown; text?: unknown; partial_json?: unknown };
}

/** The fields of a `Message` this package reads. */
interface MessageLike {
  id?: unknown;
  model?: unknown;
  usage?: unknown;
  content?: unknown;
}

function endpoint(baseURL: unknown): { serverAddress?: string; serverPort?: number } {
  if (typeof baseURL !== 'string') return {};
  try {
    const url = new URL(baseURL);
    const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
    return { serverAddress: url.hostname, serverPort: port };
  } catch {
    return {};
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * One provider call, from request to its single meter event. `finish…()` records at most once,
 * never throws, and reports a recording failure to `onError`.
 */
export class MeteredCall {
  private readonly usage = new UsageAccumulator();
  private readonly startedAt = Date.now();
  private readonly startTick = performance.now();
  private readonly attribution: UsageAttribution;
  private readonly requestModel: string | undefined;
  private readonly server: { serverAddress?: string; serverPort?: number };
  private readonly prompt: TextCollector | undefined;
  private readonly completion: TextCollector | undefined;
  private responseId: string | undefined;
  private responseModel: string | undefined;
  private stopped = false;
  private recorded = false;
  /** True once any stream event was read. */
  private sawEvent = false;
  /**
   * The call in flight, for the client's observed `fetch`: it records the OpenTelemetry span the
   * request is sent in (the SDK's own call span when its tracing is on, an instrumentation's, or the
   * caller's), which the event names.
   */
  readonly scope: CallScope = { span: undefined };

  constructor(
    private readonly settings: MeterSettings,
    params: unknown,
    baseURL: unknown,
    private readonly streamed: boolean,
    /** The caller's own abort signal (`{ signal }` of the request options), when given. */
    private readonly signal?: AbortSignal,
  ) {
    this.attribution = baseAttribution(settings);
    this.requestModel = text((params as { model?: unknown } | null | undefined)?.model);
    this.server = endpoint(baseURL);
    if (settings.captureContent) {
      this.prompt = promptText(params);
      this.completion = new TextCollector();
    }
  }

  /** Reads one stream event; never throws. */
  observeEvent(event: unknown): void {
    this.sawEvent = true;
    try {
      const { type, message, usage, delta } = event as StreamEventLike;
      if (type === 'message_start') {
        this.responseId = text(message?.id) ?? this.responseId;
        this.responseModel = text(message?.model) ?? this.responseModel;
        this.usage.apply(message?.usage as never);
      } else if (type === 'message_delta') {
        this.usage.apply(usage as never);
      } else if (type === 'message_stop') {
        this.stopped = true;
      } else if (type === 'content_block_delta' && this.completion && delta) {
        if (delta.type === 'text_delta') this.completion.append(delta.text);
        else if (delta.type === 'input_json_delta') this.completion.append(delta.partial_json);
      }
    } catch {
      // A malformed event never breaks the caller's stream.
    }
  }

  /** Records a whole (non-streamed) message. */
  finishMessage(data: unknown): void {
    try {
      const message = data as MessageLike;
      this.responseId = text(message.id);
      this.responseModel = text(message.model);
      this.usage.apply(message.usage as never);
      this.stopped = true;
      if (this.completion) appendCompletion(this.completion, message.content);
    } catch {
      // Recorded below with what is known.
    }
    this.record(this.usage.sawUsage, undefined);
  }

  /**
   * Records a stream that ended: read to its end (`done`), or not: by an error, a `break` or an
   * abort. A stream that brought nothing before it failed or was stopped is a failed call; one that
   * brought events but never usage (or ended normally without any) is a call whose tokens are
   * unknown: metered, marked `usageMissing`.
   */
  finishStream(failure: unknown, done = false): void {
    const failed = failure !== undefined;
    if (!this.usage.sawUsage && !this.stopped && !this.sawEvent && !done) {
      // Nothing about the call is known: treat it as a failed call, incomplete (the stream had
      // begun, so its tokens may have been billed).
      if (this.settings.meterErrors)
        this.record(false, failed ? failureOf(failure).errorType : 'aborted', true);
      else this.recorded = true;
      return;
    }
    const complete = this.stopped && this.usage.sawUsage && !failed;
    // Cut short by the caller's own abort (the SDK ends such a loop quietly, as if done): typed as
    // the abort it is, as every integration types it; a `break` is not an abort.
    const aborted = !complete && this.signal?.aborted === true;
    this.record(complete, failed ? failureOf(failure).errorType : aborted ? 'aborted' : undefined);
  }

  /**
   * Records a call that failed before any response body (only with `meterErrors`): zero tokens,
   * complete when the API answered with an HTTP error status, not for an abort, a timeout or a
   * connection failure (`failureOf()`).
   */
  finishRequestError(error: unknown): void {
    if (!this.settings.meterErrors) {
      this.recorded = true;
      return;
    }
    const { errorType, complete } = failureOf(error);
    this.record(complete, errorType, true);
  }

  private record(complete: boolean, errorType: string | undefined, requestFailed = false): void {
    if (this.recorded) return;
    this.recorded = true;
    try {
      const usage: NormalizedUsage = {
        provider: 'anthropic',
        operation: 'chat',
        requestModel: this.requestModel,
        responseModel: this.responseModel,
        responseId: this.responseId,
        ...this.usage.totals(),
        startedAt: this.startedAt,
        latencyMs: performance.now() - this.startTick,
        complete,
        streamed: this.streamed,
        ...this.server,
        errorType,
      };
      // A call answered without any usage: its tokens are unknown, not zero. A rejected request
      // used none.
      if (!this.usage.sawUsage && !requestFailed) usage.usageMissing = true;
      const span = this.scope.span;
      if (span) {
        usage.traceId = span.traceId;
        usage.spanId = span.spanId;
      }
      let attribution = this.attribution;
      if (this.completion) {
        const metadata = withContent(
          attribution.metadata ?? {},
          this.prompt ?? new TextCollector(),
          this.completion,
        );
        attribution = { ...attribution, metadata };
      }
      recordUsage(this.settings.meter, usage, attribution, { layer: 'provider' });
    } catch (error) {
      try {
        this.settings.onError(error);
      } catch {
        // The error reporter itself failed; the caller's call still goes on.
      }
    }
  }
}
