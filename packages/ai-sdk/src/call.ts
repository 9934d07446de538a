import type { MeterContext } from '@agentmeter/sdk';
import {
  activeSpanContext,
  type CallSpan,
  failureOf,
  type LayerScope,
  type NormalizedUsage,
  recordUsage,
  type UsageAttribution,
} from '@agentmeter/sdk/integration';
import { type MiddlewareSettings, resolveAttribution } from './options.js';
import { normalizeUsage, type StepTokenCounts } from './usage.js';

/** What a finished (or broken-off) model step reports. */
export interface StepOutcome {
  usage: unknown;
  providerMetadata?: unknown;
  responseId?: string;
  responseModel?: string;
  /** Why the usage is incomplete, when it is. */
  errorType?: string;
  /** The caller stopped reading the stream (`break`, `cancel()`): incomplete, and no error. */
  stopped?: boolean;
  scope: LayerScope;
}

/** The model as middleware sees it (V2, V3 and V4 all have these). */
export interface ModelLike {
  provider: string;
  modelId: string;
}

/** `openai.chat` → `openai`, `anthropic.messages` → `anthropic`: the provider, not its API. */
function providerName(model: ModelLike): string {
  const provider =
    typeof model.provider === 'string' && model.provider.length > 0 ? model.provider : 'unknown';
  return (provider.split('.')[0] || provider).slice(0, 64);
}

/**
 * One model step being metered. Attribution and the caller's context are captured when the step
 * starts, so a stream that finishes on another async path still bills the caller's customer.
 */
export class MeteredStep {
  readonly #settings: MiddlewareSettings;
  readonly #provider: string;
  readonly #requestModel: string;
  readonly #streamed: boolean;
  readonly #attribution: UsageAttribution;
  readonly #context: MeterContext | undefined;
  readonly #startedAt = Date.now();
  /**
   * The OpenTelemetry span the step runs in: the AI SDK's `ai.*.doGenerate` / `ai.*.doStream` span when
   * its telemetry is on (the step is created inside it). The event names it, so that span is not
   * charged again.
   */
  readonly #span: CallSpan | undefined = activeSpanContext();
  #recorded = false;

  constructor(settings: MiddlewareSettings, model: ModelLike, providerOptions: unknown, streamed: boolean) {
    this.#settings = settings;
    this.#provider = providerName(model);
    this.#requestModel = model.modelId;
    this.#streamed = streamed;
    this.#context = settings.meter.currentContext();
    this.#attribution = resolveAttribution(settings, providerOptions);
  }

  /** Records the step once; later calls do nothing. Never throws. */
  finish(outcome: StepOutcome): void {
    if (this.#recorded) return;
    this.#recorded = true;
    try {
      const counts = normalizeUsage(outcome.usage, this.#provider, outcome.providerMetadata);
      const errorType =
        outcome.errorType ?? (counts.complete || outcome.stopped ? undefined : 'missing_usage');
      this.#record(
        { ...counts, complete: counts.complete && outcome.errorType === undefined && !outcome.stopped },
        outcome,
        errorType,
      );
    } catch (error) {
      this.#settings.onError(error);
    }
  }

  /**
   * A step that failed before any output: a provider error, metered only with `meterErrors`, as
   * zero tokens under `failureOf()`'s error type, complete when the provider answered with an HTTP
   * error status. `started`: its stream had begun, so whatever the error its tokens are not known.
   * Later calls do nothing. Never throws.
   */
  fail(error: unknown, scope: LayerScope, started = false): void {
    if (this.#recorded) return;
    this.#recorded = true;
    if (!this.#settings.meterErrors) return;
    try {
      const { errorType, complete } = failureOf(error);
      const counts: StepTokenCounts = {
        inputTokens: 0,
        outputTokens: 0,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        complete: complete && !started,
        missing: false,
      };
      this.#record(counts, { usage: undefined, scope }, errorType);
    } catch (recordError) {
      this.#settings.onError(recordError);
    }
  }

  #record(stepCounts: StepTokenCounts, outcome: StepOutcome, errorType: string | undefined): void {
    const { complete, missing, ...counts } = stepCounts;
    const usage: NormalizedUsage = {
      provider: this.#provider,
      operation: 'chat',
      ...counts,
      startedAt: this.#startedAt,
      latencyMs: Date.now() - this.#startedAt,
      complete,
      streamed: this.#streamed,
    };
    if (this.#requestModel) usage.requestModel = this.#requestModel;
    if (outcome.responseModel) usage.responseModel = outcome.responseModel;
    if (outcome.responseId) usage.responseId = outcome.responseId;
    // No count at all reported: the step's tokens are unknown, not zero.
    if (missing) usage.usageMissing = true;
    if (this.#span) {
      usage.traceId = this.#span.traceId;
      usage.spanId = this.#span.spanId;
    }
    if (errorType) usage.errorType = errorType;
    const record = () =>
      recordUsage(this.#settings.meter, usage, this.#attribution, {
        layer: 'framework',
        scope: outcome.scope,
      });
    if (this.#context) this.#settings.meter.withContext(this.#context, record);
    else record();
  }
}
