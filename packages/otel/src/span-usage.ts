import { type SpanView, usageOf as spanUsageOf } from '@agentmeter/genai-spans';
import type { NormalizedUsage } from '@agentmeter/sdk/integration';
import * as semconv from './semconv.js';

// The span processor reads spans by the rules of @agentmeter/genai-spans, the same rules the server's
// `POST /v1/traces` reads OTLP spans by; this module turns their answer into the SDK's usage.

export { nestingNodeOf, roleOf, type SpanRole, type SpanView } from '@agentmeter/genai-spans';

/**
 * The call's usage as the wrappers report it (see `usageOf` of @agentmeter/genai-spans for how it is
 * read), with what only the processor reports: the call's time, whether it streamed, its server, and its
 * span, the call's link (the server then knows this span, sent to it over OTLP too, was metered).
 * Undefined for a span that is no model call.
 */
export function usageOf(span: SpanView): NormalizedUsage | undefined {
  const read = spanUsageOf(span);
  if (!read) return undefined;
  const attributes = span.attributes;
  const usage: NormalizedUsage = {
    provider: read.provider,
    operation: read.operation,
    inputTokens: read.inputTokens,
    outputTokens: read.outputTokens,
    cachedInputTokens: read.cachedInputTokens,
    cacheWriteTokens: read.cacheWriteTokens,
    reasoningTokens: read.reasoningTokens,
    startedAt: span.startMs,
    latencyMs: Math.max(0, span.endMs - span.startMs),
    // A call seen without its counts: priced by its base fee only, and marked so.
    complete: !read.usageMissing,
    streamed: attributes[semconv.ATTR_GEN_AI_REQUEST_STREAM] === true,
    traceId: span.traceId,
    spanId: span.spanId,
  };
  if (read.usageMissing) usage.usageMissing = true;
  if (read.requestModel) usage.requestModel = read.requestModel;
  if (read.responseModel) usage.responseModel = read.responseModel;
  if (read.responseId) usage.responseId = read.responseId;
  if (read.errorType) usage.errorType = read.errorType;
  const address = attributes[semconv.ATTR_SERVER_ADDRESS];
  if (typeof address === 'string' && address.length > 0) usage.serverAddress = address.slice(0, 256);
  // OTLP may carry an int64 as a string.
  const raw = attributes[semconv.ATTR_SERVER_PORT];
  const port = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : raw;
  if (typeof port === 'number' && Number.isFinite(port) && port >= 1) usage.serverPort = Math.floor(port);
  return usage;
}
