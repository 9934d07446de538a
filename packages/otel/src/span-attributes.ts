import type { PricedEvent, TrackEvent } from '@agentmeter/sdk';
import type { NormalizedUsage } from '@agentmeter/sdk/integration';
import type { Attributes } from '@opentelemetry/api';
import * as semconv from './semconv.js';
import type { SemconvVersion } from './stability.js';

/** A metered call's event as `onUsage()` reports it: context applied, `event_id` set. */
export type ObservedEvent = TrackEvent & { event_id: string };

export const isEmbeddings = (usage: Pick<NormalizedUsage, 'operation'>) =>
  usage.operation === semconv.GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS;

/** `{gen_ai.operation.name} {gen_ai.request.model}`, as the conventions name an inference span. */
export function spanName(usage: NormalizedUsage): string {
  const model = usage.requestModel ?? usage.responseModel;
  return model ? `${usage.operation} ${model}` : usage.operation;
}

/**
 * The attributes known when the call ends: the GenAI conventions' (never a prompt, a completion or a
 * key: only counts, names and ids) and agentmeter's attribution. Subset counts are written only when
 * non-zero; input and output always (output not for embeddings, which have none).
 */
export function callAttributes(
  usage: NormalizedUsage,
  event: ObservedEvent,
  version: SemconvVersion,
): Attributes {
  const attributes: Attributes = {
    [semconv.ATTR_GEN_AI_OPERATION_NAME]: usage.operation,
    [semconv.ATTR_GEN_AI_PROVIDER_NAME]: usage.provider,
  };
  if (usage.requestModel) attributes[semconv.ATTR_GEN_AI_REQUEST_MODEL] = usage.requestModel;
  if (usage.serverAddress) attributes[semconv.ATTR_SERVER_ADDRESS] = usage.serverAddress;
  if (usage.serverPort) attributes[semconv.ATTR_SERVER_PORT] = usage.serverPort;
  if (usage.streamed) attributes[semconv.ATTR_GEN_AI_REQUEST_STREAM] = true;
  if (usage.responseModel) attributes[semconv.ATTR_GEN_AI_RESPONSE_MODEL] = usage.responseModel;
  if (usage.responseId) attributes[semconv.ATTR_GEN_AI_RESPONSE_ID] = usage.responseId;
  attributes[semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS] = usage.inputTokens;
  if (!isEmbeddings(usage)) attributes[semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = usage.outputTokens;
  if (usage.cachedInputTokens > 0)
    attributes[semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = usage.cachedInputTokens;
  if (usage.cacheWriteTokens > 0) {
    const name =
      version === 'latest'
        ? semconv.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS
        : semconv.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS;
    attributes[name] = usage.cacheWriteTokens;
  }
  if (usage.reasoningTokens > 0)
    attributes[semconv.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoningTokens;
  if (usage.errorType) attributes[semconv.ATTR_ERROR_TYPE] = usage.errorType;
  if (!usage.complete) attributes[semconv.ATTR_AGENTMETER_USAGE_COMPLETE] = false;
  Object.assign(attributes, attributionAttributes(event));
  attributes[semconv.ATTR_AGENTMETER_EVENT_ID] = event.event_id;
  attributes[semconv.ATTR_AGENTMETER_OUTCOME_STATUS] = event.outcome ?? 'none';
  return attributes;
}

/** `agentmeter.agent_id`, `.action`, `.customer_id`, when known. */
export function attributionAttributes(
  event: Pick<TrackEvent, 'agent_id' | 'action' | 'customer_id'>,
): Attributes {
  const attributes: Attributes = {};
  if (event.agent_id) attributes[semconv.ATTR_AGENTMETER_AGENT_ID] = event.agent_id;
  if (event.action) attributes[semconv.ATTR_AGENTMETER_ACTION] = event.action;
  if (event.customer_id) attributes[semconv.ATTR_AGENTMETER_CUSTOMER_ID] = event.customer_id;
  return attributes;
}

/**
 * The server's price, as exact decimal strings: a span is a record of one charge, and a binary float
 * there would misstate it. Sums belong to the `agentmeter.charge` metric.
 */
export function priceAttributes(priced: PricedEvent): Attributes {
  const attributes: Attributes = {
    [semconv.ATTR_AGENTMETER_PRICE_TOTAL]: priced.price.total,
    [semconv.ATTR_AGENTMETER_PRICE_BASE]: priced.price.base,
    [semconv.ATTR_AGENTMETER_PRICE_TOKENS]: priced.price.tokens,
    [semconv.ATTR_AGENTMETER_PRICE_OUTCOME]: priced.price.outcome,
    [semconv.ATTR_AGENTMETER_CURRENCY]: priced.currency,
    [semconv.ATTR_AGENTMETER_PRICE_STATUS]: priced.status === 'duplicate' ? 'replayed' : 'charged',
  };
  if (priced.tier) attributes[semconv.ATTR_AGENTMETER_TIER] = priced.tier;
  if (priced.outcome_id) attributes[semconv.ATTR_AGENTMETER_OUTCOME_ID] = priced.outcome_id;
  return attributes;
}
