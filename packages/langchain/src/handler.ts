import type { Meter } from '@agentmeter/sdk';
import {
  activeSpanContext,
  type CallSpan,
  failureOf,
  type NormalizedUsage,
  recordUsage,
  resolveWrapperSettings,
  type UsageAttribution,
} from '@agentmeter/sdk/integration';
import { BaseCallbackHandler, type HandleLLMNewTokenCallbackFields } from '@langchain/core/callbacks/base';
import type { LLMResult } from '@langchain/core/outputs';
import { HANDLER_SPEC, type HandlerSettings, resolveAttribution } from './options.js';
import type { AgentmeterCallbackHandlerOptions } from './types.js';
import {
  addCounts,
  type CallTokenCounts,
  countsFromUsageMetadata,
  type FoundCall,
  findCalls,
  type MessageLike,
  responseIdOf,
  usageMetadataOf,
  ZERO,
} from './usage.js';

type PartialMessage = MessageLike;

/** What the handler remembers between a run's start and its end. */
interface RunState {
  operation: 'chat' | 'text_completion';
  provider: string | undefined;
  requestModel: string | undefined;
  attribution: UsageAttribution;
  startedAt: number;
  /** Chunks seen through `handleLLMNewToken` (a streamed call). */
  chunks: number;
  /** Usage carried by those chunks, added up like LangChain merges them. */
  streamed: CallTokenCounts | undefined;
  /** The provider response id seen on a chunk. */
  responseId: string | undefined;
  /** Stops listening to the call's abort signal. */
  detach: () => void;
  /**
   * The OpenTelemetry span active when the call started (the handler is awaited, so it runs in the
   * caller's context). A callback never sees the provider call's own span; an instrumentation's span of
   * that call is a child of this one, which the server and the span processor use as a last resort.
   */
  startSpan: CallSpan | undefined;
}

// A stream the consumer abandons without an abort signal gets no end or error callback from
// LangChain; the bound keeps such runs from accumulating.
const MAX_OPEN_RUNS = 10_000;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

// LangChain starts a text model with `handleLLMStart` and a chat model with `handleChatModelStart`:
// the same arguments but the second (the prompts, or the messages), which metering does not read.
// Both hand theirs to one `#start()`, which picks out the run id, the call's parameters and the
// run metadata by position.
type LLMStartArguments = Parameters<NonNullable<BaseCallbackHandler['handleLLMStart']>>;
type ChatModelStartArguments = Parameters<NonNullable<BaseCallbackHandler['handleChatModelStart']>>;

/**
 * Meters every LangChain.js model call: one meter event per provider call, with the usage the
 * provider reported (`usage_metadata`, then `llmOutput.tokenUsage`). Attach it with
 * `callbacks: [handler]` on a model, a chain or an agent.
 *
 * The handler is awaited by LangChain (it only queues an event, O(1)), so the caller's
 * `meter.withContext()` applies and the event is queued before `invoke()` resolves.
 */
export class AgentmeterCallbackHandler extends BaseCallbackHandler {
  name = 'AgentmeterCallbackHandler';
  readonly #options: AgentmeterCallbackHandlerOptions;
  readonly #settings: HandlerSettings;
  readonly #runs = new Map<string, RunState>();

  constructor(meter: Meter, options: AgentmeterCallbackHandlerOptions) {
    super({ _awaitHandler: true });
    this.#options = options;
    this.#settings = resolveWrapperSettings(meter, options, HANDLER_SPEC);
  }

  /** LangChain's `copy()` calls the constructor with the handler itself; this keeps the meter and options. */
  override copy(): AgentmeterCallbackHandler {
    return new AgentmeterCallbackHandler(this.#settings.meter, this.#options);
  }

  override handleLLMStart(...args: LLMStartArguments): void {
    this.#start('text_completion', args);
  }

  override handleChatModelStart(...args: ChatModelStartArguments): void {
    this.#start('chat', args);
  }

  override handleLLMNewToken(
    _token: string,
    _indices: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    fields?: HandleLLMNewTokenCallbackFields,
  ): void {
    const run = this.#runs.get(runId);
    if (!run) return;
    run.chunks += 1;
    const message = (fields?.chunk as { message?: MessageLike } | undefined)?.message;
    const counts = countsFromUsageMetadata(usageMetadataOf(message));
    if (counts) run.streamed = addCounts(run.streamed, counts);
    const id = responseIdOf(message);
    if (id && !id.startsWith('run-')) run.responseId ??= id;
  }

  override handleLLMEnd(
    output: LLMResult,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    extraParams?: Record<string, unknown>,
  ): void {
    const run = this.#take(runId);
    // A cache hit made no provider call.
    if (!run || extraParams?.['cached'] === true) return;
    try {
      for (const call of findCalls(output)) this.#record(run, call, undefined);
    } catch (error) {
      this.#settings.onError(error);
    }
  }

  override handleLLMError(
    error: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    extraParams?: Record<string, unknown>,
  ): void {
    const run = this.#take(runId);
    if (!run || extraParams?.['cached'] === true) return;
    this.#fail(run, error, (error as { partialOutput?: PartialMessage } | null)?.partialOutput);
  }

  /**
   * A call that failed before any output is a provider error: nothing to bill, metered only with
   * `meterErrors` as zero tokens, complete when the provider answered with an HTTP error status
   * (`failureOf()`). A stream broken off after it started is billed with what is known, flagged
   * incomplete.
   */
  #fail(run: RunState, error: unknown, partial: PartialMessage | undefined): void {
    try {
      const failure = failureOf(error);
      if (run.chunks === 0 && !partial) {
        if (this.#settings.meterErrors) {
          this.#record(run, { counts: { ...ZERO, complete: failure.complete } }, failure.errorType);
        }
        return;
      }
      const counts = countsFromUsageMetadata(usageMetadataOf(partial)) ?? run.streamed;
      const call: FoundCall = { counts: { ...(counts ?? ZERO), complete: false } };
      if (!counts) call.missing = true;
      const responseId = run.responseId ?? responseIdOf(partial);
      if (responseId) call.responseId = responseId;
      this.#record(run, call, failure.errorType);
    } catch (recordError) {
      this.#settings.onError(recordError);
    }
  }

  #start(
    operation: RunState['operation'],
    [, , runId, , extraParams, , metadata]: LLMStartArguments | ChatModelStartArguments,
  ): void {
    try {
      const invocation = extraParams?.['invocation_params'] as Record<string, unknown> | undefined;
      if (this.#runs.size >= MAX_OPEN_RUNS) {
        const oldest = this.#runs.keys().next().value;
        if (oldest !== undefined) this.#take(oldest);
      }
      const run: RunState = {
        operation,
        provider: text(metadata?.['ls_provider']),
        requestModel:
          text(metadata?.['ls_model_name']) ??
          text(invocation?.['model']) ??
          text(invocation?.['model_name']),
        attribution: resolveAttribution(this.#settings, metadata),
        startedAt: Date.now(),
        chunks: 0,
        streamed: undefined,
        responseId: undefined,
        detach: () => {},
        startSpan: activeSpanContext(),
      };
      this.#runs.set(runId, run);
      // LangChain calls no handler when a consumer aborts a `stream()` between chunks (the
      // generator is returned, not thrown into); the call's own signal tells.
      const signal = (extraParams?.['options'] as { signal?: unknown } | undefined)?.signal;
      if (signal instanceof AbortSignal && !signal.aborted) {
        const onAbort = () => {
          const open = this.#take(runId);
          if (open) this.#fail(open, signal.reason, undefined);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        run.detach = () => signal.removeEventListener('abort', onAbort);
      }
    } catch (error) {
      this.#settings.onError(error);
    }
  }

  #take(runId: string): RunState | undefined {
    const run = this.#runs.get(runId);
    if (!run) return undefined;
    this.#runs.delete(runId);
    run.detach();
    return run;
  }

  #record(run: RunState, call: FoundCall, errorType: string | undefined): void {
    const { complete, ...counts } = call.counts;
    const usage: NormalizedUsage = {
      provider: (run.provider ?? call.provider ?? 'unknown').slice(0, 64),
      operation: run.operation,
      ...counts,
      startedAt: run.startedAt,
      latencyMs: Date.now() - run.startedAt,
      complete,
      streamed: run.chunks > 0,
    };
    if (run.requestModel) usage.requestModel = run.requestModel;
    if (call.responseModel) usage.responseModel = call.responseModel;
    // A provider's id (seen on a chunk, or on the message); LangChain's own `run-…` id, made up when the
    // provider sent none, is no provider id: it would look unique and hide a wrapped call with no id.
    const responseId =
      call.responseId && !call.responseId.startsWith('run-') ? call.responseId : run.responseId;
    if (responseId) usage.responseId = responseId;
    if (run.startSpan) {
      usage.traceId = run.startSpan.traceId;
      usage.parentSpanId = run.startSpan.spanId;
    }
    if (errorType) usage.errorType = errorType;
    if (call.missing) usage.usageMissing = true;
    // `startedAt` is this run's own start: a provider wrapper's call with an id that repeats
    // (`chatcmpl-123`) counts as this one only if it started within it.
    recordUsage(this.#settings.meter, usage, run.attribution, { layer: 'framework' });
  }
}
