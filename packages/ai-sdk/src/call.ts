import type { MeterContext } from '@agentmeter/sdk';
import {
  activeSpanContext,
  type CallSpan,
  type LayerScope,
  type NormalizedUsage,
  recordUsage,
  type UsageAttribution,
} from '@agentmeter/sdk/integration';
import { type MiddlewareSettings, resolveAttribution } from './options.js';
import { normalizeUsage } from './usage.js';

/** What a finished (or broken-off) model step reports. */
export interface StepOutcome {
  usage: unknown;
  providerMetadata?: unknown;
  responseId?: string;
  responseModel?: string;
  /** Why the usage is incomplete, when it is. */
  errorType?: string;
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
      const { complete, missing, ...counts } = normalizeUsage(
        outcome.usage,
        this.#provider,
        outcome.providerMetadata,
      );
      const usage: NormalizedUsage = {
        provider: this.#provider,
        operation: 'chat',
        ...counts,
        startedAt: this.#startedAt,
        latencyMs: Date.now() - this.#startedAt,
        complete: complete && outcome.errorType === undefined,
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
      const errorType = outcome.errorType ?? (complete ? undefined : 'missing_usage');
      if (errorType) usage.errorType = errorType;
      const record = () =>
        recordUsage(this.#settings.meter, usage, this.#attribution, {
          layer: 'framework',
          scope: outcome.scope,
        });
      if (this.#context) this.#settings.meter.withContext(this.#context, record);
      else record();
    } catch (error) {
      this.#settings.onError(error);
    }
  }

  /** Marks the step as not to be metered (a provider error before any output). */
  drop(): void {
    this.#recorded = true;
  }
}
