// What the server's `POST /v1/traces` adds to the GenAI span rules of @agentmeter/genai-spans (which it
// shares with @agentmeter/otel's span processor): the decoded span's shape, the attributes the decoder
// keeps, and who a span's call is billed to.
import { BOUNDED_TEXT_ATTRIBUTES, RULE_ATTRIBUTES, type SpanView } from '@agentmeter/genai-spans';
import { isIdentifier } from '@agentmeter/pricing';

export { BOUNDED_TEXT_ATTRIBUTES };

/** A decoded OTLP span: the rules' view of it, and whether it can be metered at all. */
export interface OtlpSpan extends SpanView {
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  /**
   * Why the span cannot be metered though it was read: an attribute metering reads (on the span or its
   * resource) holds a string that is not valid Unicode. Such a span still counts for nesting.
   */
  invalid?: string;
}

const AGENT = ['agentmeter.agent_id', 'gen_ai.agent.name'];
const ACTION = ['agentmeter.action'];
const CUSTOMER = ['agentmeter.customer_id'];
const SERVICE_NAME = 'service.name';

/**
 * Every attribute key metering reads, on a span or its resource: the rules' and attribution's. The decoder
 * keeps these and skips every other attribute without decoding its value: a span's other attributes
 * (prompts, completions, tool payloads, arrays of any length) are most of its bytes and nothing metering
 * needs.
 */
const METERING_KEYS: ReadonlySet<string> = new Set([
  ...RULE_ATTRIBUTES,
  ...AGENT,
  ...ACTION,
  ...CUSTOMER,
  SERVICE_NAME,
]);

/** Whether metering reads the attribute `key` (of a span or of its resource). */
export function isMeteringAttribute(key: string): boolean {
  return METERING_KEYS.has(key);
}

/** The longest key `isMeteringAttribute` accepts, in UTF-8 bytes (the keys are ASCII): longer keys need no decoding. */
export const MAX_METERING_KEY_BYTES = Math.max(...[...METERING_KEYS].map((key) => key.length));

/** The value, when it is a contract `Identifier` (1 to 128 code points, no control characters). */
function identifier(value: unknown): string | undefined {
  return isIdentifier(value) ? value : undefined;
}

function fromKeys(span: OtlpSpan, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = identifier(span.attributes[key]);
    if (value) return value;
  }
  for (const key of keys) {
    const value = identifier(span.resource[key]);
    if (value) return value;
  }
  return undefined;
}

/** Attribution: `agentmeter.*` (span, then resource), then `gen_ai.agent.name` / `service.name` and the operation. */
export function attributionOf(span: OtlpSpan, operation: string) {
  return {
    agent_id: fromKeys(span, AGENT) ?? identifier(span.resource[SERVICE_NAME]) ?? 'unknown_agent',
    action: fromKeys(span, ACTION) ?? identifier(operation) ?? 'chat',
    customer_id: fromKeys(span, CUSTOMER),
  };
}
