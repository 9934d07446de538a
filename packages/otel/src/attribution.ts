import type { MeterContext } from '@agentmeter/sdk';
import { isIdentifier } from '@agentmeter/sdk/integration';
import * as semconv from './semconv.js';
import type { SpanView } from './span-usage.js';
import type { AttributeSource, FinishedSpan, SpanAttributionMap } from './types.js';

/** What was in effect where a span started: the Meter's context and the `agentmeter.*` baggage entries. */
export interface StartScope {
  context: MeterContext | undefined;
  baggage: Partial<Record<Field, string>>;
}

export type Field = 'agent_id' | 'action' | 'customer_id';

export const FIELDS: readonly Field[] = ['agent_id', 'action', 'customer_id'];

const DEFAULT_KEYS: Record<Field, readonly string[]> = {
  agent_id: [semconv.ATTR_AGENTMETER_AGENT_ID, semconv.ATTR_GEN_AI_AGENT_NAME],
  action: [semconv.ATTR_AGENTMETER_ACTION],
  customer_id: [semconv.ATTR_AGENTMETER_CUSTOMER_ID],
};

/** The value, when it is a contract `Identifier` (1 to 128 code points, no control characters). */
function identifier(value: unknown): string | undefined {
  return isIdentifier(value) ? value : undefined;
}

function fromKeys(view: SpanView, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = identifier(view.attributes[key]);
    if (value) return value;
  }
  for (const key of keys) {
    const value = identifier(view.resource[key]);
    if (value) return value;
  }
  return undefined;
}

function fromSource(
  view: SpanView,
  span: FinishedSpan,
  source: AttributeSource | undefined,
  field: Field,
): string | undefined {
  if (typeof source === 'function') return identifier(source(span));
  const keys = source === undefined ? DEFAULT_KEYS[field] : typeof source === 'string' ? [source] : source;
  return fromKeys(view, keys);
}

/**
 * Who a span's call is billed to. Each field: the `map` source (span, then resource), the Meter context
 * where the span started, the `agentmeter.*` baggage where it started, then a fallback (`agent_id`: the
 * resource's `service.name`; `action`: the span's `gen_ai.operation.name`, else `chat`).
 */
export function attributionOf(
  view: SpanView,
  span: FinishedSpan,
  map: SpanAttributionMap,
  scope: StartScope | undefined,
  operation: string,
): Record<Field, string | undefined> {
  const result = {} as Record<Field, string | undefined>;
  for (const field of FIELDS) {
    result[field] =
      fromSource(view, span, map[field], field) ??
      identifier(scope?.context?.[field]) ??
      identifier(scope?.baggage[field]);
  }
  result.agent_id ??= identifier(view.resource[semconv.ATTR_SERVICE_NAME]) ?? 'unknown_agent';
  result.action ??= identifier(operation) ?? 'chat';
  return result;
}
