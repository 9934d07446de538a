import type { PricedEvent } from '@agentmeter/sdk';
import type { NormalizedUsage } from '@agentmeter/sdk/integration';
import type { Attributes, Counter, Histogram, MeterProvider, Meter as OtelMeter } from '@opentelemetry/api';
import * as semconv from './semconv.js';
import { isEmbeddings, type ObservedEvent } from './span-attributes.js';
import type { SemconvVersion } from './stability.js';

/** What the metrics know of a call when its price or its resolution arrives. */
export interface CallInfo {
  provider: string;
  operation: string;
  model?: string | undefined;
  agentId?: string | undefined;
  action?: string | undefined;
}

interface Instruments {
  meter: OtelMeter;
  histograms: Map<string, Histogram>;
  counters: Map<string, Counter>;
}

/**
 * The metrics of metered calls: the GenAI client metrics of the chosen convention version (token counts
 * and durations, with the conventions' bucket boundaries), plus agentmeter's own counters — money
 * charged by component (`agentmeter.charge`, unit = the currency; the only place money is a double),
 * calls by outcome status (`agentmeter.calls`) and resolutions (`agentmeter.outcomes`).
 */
export class CallMetrics {
  readonly #provider: () => MeterProvider;
  readonly #version: SemconvVersion;
  #instruments: Instruments | undefined;
  #from: MeterProvider | undefined;

  constructor(provider: () => MeterProvider, version: SemconvVersion) {
    this.#provider = provider;
    this.#version = version;
  }

  /** Instruments of the current provider: a global provider registered after `instrumentMeter()` is picked up. */
  #current(): Instruments {
    const provider = this.#provider();
    if (!this.#instruments || this.#from !== provider) {
      this.#from = provider;
      this.#instruments = {
        meter: provider.getMeter(semconv.SCOPE_NAME, semconv.SCOPE_VERSION),
        histograms: new Map(),
        counters: new Map(),
      };
    }
    return this.#instruments;
  }

  #histogram(name: string, unit: string, description: string, buckets: readonly number[]): Histogram {
    const instruments = this.#current();
    let histogram = instruments.histograms.get(name);
    if (!histogram) {
      histogram = instruments.meter.createHistogram(name, {
        unit,
        description,
        advice: { explicitBucketBoundaries: [...buckets] },
      });
      instruments.histograms.set(name, histogram);
    }
    return histogram;
  }

  #counter(name: string, unit: string, description: string): Counter {
    const instruments = this.#current();
    const key = `${name}\u0000${unit}`;
    let counter = instruments.counters.get(key);
    if (!counter) {
      counter = instruments.meter.createCounter(name, { unit, description });
      instruments.counters.set(key, counter);
    }
    return counter;
  }

  /** Token counts, duration and the call counter of one metered call. */
  recordCall(usage: NormalizedUsage, event: ObservedEvent): void {
    const common: Attributes = {
      [semconv.ATTR_GEN_AI_OPERATION_NAME]: usage.operation,
      [semconv.ATTR_GEN_AI_PROVIDER_NAME]: usage.provider,
    };
    if (usage.requestModel) common[semconv.ATTR_GEN_AI_REQUEST_MODEL] = usage.requestModel;
    if (usage.responseModel) common[semconv.ATTR_GEN_AI_RESPONSE_MODEL] = usage.responseModel;
    if (usage.serverAddress) common[semconv.ATTR_SERVER_ADDRESS] = usage.serverAddress;
    if (usage.serverPort) common[semconv.ATTR_SERVER_PORT] = usage.serverPort;
    const duration = usage.errorType ? { ...common, [semconv.ATTR_ERROR_TYPE]: usage.errorType } : common;
    const seconds = (usage.latencyMs ?? 0) / 1000;
    // Counts are reported only when the provider reported them (a failed call has none).
    const reported = usage.complete || usage.inputTokens + usage.outputTokens > 0;
    if (this.#version === 'latest') this.#recordLatest(usage, common, duration, seconds, reported);
    else this.#recordV141(usage, common, duration, seconds, reported);

    const calls: Attributes = {
      [semconv.ATTR_GEN_AI_OPERATION_NAME]: usage.operation,
      [semconv.ATTR_GEN_AI_PROVIDER_NAME]: usage.provider,
      [semconv.ATTR_AGENTMETER_OUTCOME_STATUS]: event.outcome ?? 'none',
    };
    if (usage.requestModel) calls[semconv.ATTR_GEN_AI_REQUEST_MODEL] = usage.requestModel;
    if (event.agent_id) calls[semconv.ATTR_AGENTMETER_AGENT_ID] = event.agent_id;
    if (event.action) calls[semconv.ATTR_AGENTMETER_ACTION] = event.action;
    if (usage.errorType) calls[semconv.ATTR_ERROR_TYPE] = usage.errorType;
    this.#counter(semconv.METRIC_AGENTMETER_CALLS, '{call}', 'Metered model calls, by outcome status.').add(
      1,
      calls,
    );
  }

  #recordV141(
    usage: NormalizedUsage,
    common: Attributes,
    duration: Attributes,
    seconds: number,
    reported: boolean,
  ): void {
    this.#histogram(
      semconv.METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
      's',
      'GenAI operation duration.',
      semconv.DURATION_BUCKETS,
    ).record(seconds, duration);
    if (!reported) return;
    const tokens = this.#histogram(
      semconv.METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
      '{token}',
      'Number of input and output tokens used.',
      semconv.TOKEN_BUCKETS,
    );
    tokens.record(usage.inputTokens, {
      ...common,
      [semconv.ATTR_GEN_AI_TOKEN_TYPE]: semconv.GEN_AI_TOKEN_TYPE_VALUE_INPUT,
    });
    if (!isEmbeddings(usage)) {
      tokens.record(usage.outputTokens, {
        ...common,
        [semconv.ATTR_GEN_AI_TOKEN_TYPE]: semconv.GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
      });
    }
  }

  #recordLatest(
    usage: NormalizedUsage,
    common: Attributes,
    duration: Attributes,
    seconds: number,
    reported: boolean,
  ): void {
    if (isEmbeddings(usage)) {
      this.#histogram(
        semconv.METRIC_GEN_AI_CLIENT_EMBEDDINGS_DURATION,
        's',
        'GenAI client embeddings operation duration.',
        semconv.DURATION_BUCKETS,
      ).record(seconds, duration);
      if (reported) {
        this.#histogram(
          semconv.METRIC_GEN_AI_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS,
          '{token}',
          'Input tokens per embeddings operation.',
          semconv.TOKEN_BUCKETS,
        ).record(usage.inputTokens, common);
      }
      return;
    }
    this.#histogram(
      semconv.METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
      's',
      'GenAI client inference operation duration.',
      semconv.DURATION_BUCKETS,
    ).record(seconds, duration);
    // Usage counters are recorded for every operation, failed ones included (0, modality `unknown`). The
    // provider does not break usage down by modality here, so every count is `unknown`.
    const byModality = {
      ...common,
      [semconv.ATTR_GEN_AI_TOKEN_MODALITY]: semconv.GEN_AI_TOKEN_MODALITY_VALUE_UNKNOWN,
    };
    const counts: [string, number, string][] = [
      [semconv.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS, usage.inputTokens, 'Input tokens used.'],
      [semconv.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS, usage.outputTokens, 'Output tokens used.'],
    ];
    if (usage.cachedInputTokens > 0)
      counts.push([
        semconv.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
        usage.cachedInputTokens,
        'Input tokens read from the cache.',
      ]);
    if (usage.cacheWriteTokens > 0)
      counts.push([
        semconv.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
        usage.cacheWriteTokens,
        'Input tokens written to the cache.',
      ]);
    if (usage.reasoningTokens > 0)
      counts.push([
        semconv.METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
        usage.reasoningTokens,
        'Reasoning output tokens.',
      ]);
    for (const [name, value, description] of counts) {
      this.#counter(name, '{token}', description).add(value, byModality);
    }
    if (!reported) return;
    this.#histogram(
      semconv.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS,
      '{token}',
      'Input tokens per inference operation.',
      semconv.TOKEN_BUCKETS,
    ).record(usage.inputTokens, common);
    this.#histogram(
      semconv.METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS,
      '{token}',
      'Output tokens per inference operation.',
      semconv.TOKEN_BUCKETS,
    ).record(usage.outputTokens, common);
  }

  /** Money charged, by component. A replayed event was charged by an earlier send and is not counted again. */
  recordCharge(priced: PricedEvent, call: CallInfo | undefined): void {
    if (priced.status !== 'accepted' || !priced.currency) return;
    const attributes = chargeAttributes(priced.currency, call);
    const counter = this.#charge(priced.currency);
    for (const component of ['base', 'tokens', 'outcome'] as const) {
      counter.add(Number(priced.price[component]), {
        ...attributes,
        [semconv.ATTR_AGENTMETER_PRICE_COMPONENT]: component,
      });
    }
  }

  /** A resolution of a pending outcome; `charged` when the server's answer is known (`resolveNow`). */
  recordResolution(
    status: 'success' | 'failure',
    call: CallInfo | undefined,
    charged: { amount: string; currency: string; replayed: boolean } | undefined,
  ): void {
    const attributes: Attributes = { [semconv.ATTR_AGENTMETER_OUTCOME_STATUS]: status };
    if (call?.agentId) attributes[semconv.ATTR_AGENTMETER_AGENT_ID] = call.agentId;
    if (call?.action) attributes[semconv.ATTR_AGENTMETER_ACTION] = call.action;
    this.#counter(semconv.METRIC_AGENTMETER_OUTCOMES, '{outcome}', 'Resolved outcomes, by status.').add(
      1,
      attributes,
    );
    if (charged && !charged.replayed && charged.currency) {
      this.#charge(charged.currency).add(Number(charged.amount), {
        ...chargeAttributes(charged.currency, call),
        [semconv.ATTR_AGENTMETER_PRICE_COMPONENT]: 'outcome',
      });
    }
  }

  #charge(currency: string): Counter {
    return this.#counter(
      semconv.METRIC_AGENTMETER_CHARGE,
      currency,
      'Money charged by agentmeter, by price component.',
    );
  }
}

function chargeAttributes(currency: string, call: CallInfo | undefined): Attributes {
  const attributes: Attributes = { [semconv.ATTR_AGENTMETER_CURRENCY]: currency };
  if (call) {
    attributes[semconv.ATTR_GEN_AI_PROVIDER_NAME] = call.provider;
    attributes[semconv.ATTR_GEN_AI_OPERATION_NAME] = call.operation;
    if (call.model) attributes[semconv.ATTR_GEN_AI_REQUEST_MODEL] = call.model;
    if (call.agentId) attributes[semconv.ATTR_AGENTMETER_AGENT_ID] = call.agentId;
    if (call.action) attributes[semconv.ATTR_AGENTMETER_ACTION] = call.action;
  }
  return attributes;
}
