// The span as the rules read it: a plain structural view that an OpenTelemetry SDK span (the span
// processor's) and a decoded OTLP span (the server's `/v1/traces`) are each adapted to in a few lines.

/** A finished span reduced to what the rules read; attribute values as the SDK or OTLP give them. */
export interface SpanView {
  name: string;
  /** OpenTelemetry `SpanKind`: 0 internal, 1 server, 2 client, 3 producer, 4 consumer. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  startMs: number;
  endMs: number;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  attributes: Readonly<Record<string, unknown>>;
  resource: Readonly<Record<string, unknown>>;
  /** The instrumentation scope's name. */
  scope: string | undefined;
  /** The instrumentation scope's version, when known (some instrumentations changed what a count means). */
  scopeVersion?: string | undefined;
}

/** `own`: agentmeter made it; `aggregate`: a framework, agent or workflow span (never metered); `call`: may be a model call. */
export type SpanRole = 'own' | 'aggregate' | 'call';
